import type { FinalOutcome } from '../runbook/define.js';

export const CHECKPOINT_SCHEMA = 1;

/** The checkpoint file: XState's persisted snapshot inside what XState does not store itself. */
export interface CheckpointEnvelope {
  schema: typeof CHECKPOINT_SCHEMA;
  runId: string;
  runbookId: string;
  machineHash: string;
  target: string;
  /** What the target lock is keyed on (a real server across runbooks; a simulation per runbook). */
  lockKey?: string;
  createdAt: string;
  updatedAt: string;
  /** Copied out of the snapshot so that listing runs needs no machine. */
  status: 'active' | 'done' | 'error';
  state: string;
  outcome: FinalOutcome | null;
  snapshot: unknown;
  /**
   * Where the journal stood when the snapshot was taken: the snapshot reflects every machine event
   * the journal holds up to record `records` (absent in checkpoints of older versions).
   */
  journal?: JournalAnchor;
}

/**
 * The checkpoint is a cache of the journal: `records` and `head` name the journal record it was
 * taken at (its number and its line's hash), `offset`/`bytes` where that line starts and ends, so
 * that a resume checks that line and reads, verifies and replays only what follows it.
 * `attempts` is how many attempts had been shown a step number; `numbers` the numbers of the
 * attempts in flight (an attempt keeps its number across resumes).
 */
export interface JournalAnchor {
  records: number;
  head: string;
  offset: number;
  bytes: number;
  attempts: number;
  numbers: Record<string, number>;
}
