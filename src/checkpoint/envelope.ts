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
}
