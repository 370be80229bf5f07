import type { FinalOutcome, Json } from '../runbook/define.js';

/**
 * One line of the run's journal. Secret values never appear; only secret ids and where they came from.
 * `via` says where a person acted: the host and terminal, or the answers file (never a secret).
 */
export type JournalRecord =
  | { type: 'run-started'; runId: string; runbookId: string; target: string; machineHash: string; by: string; via?: string }
  | { type: 'run-resumed'; by: string; state: string; via?: string }
  | { type: 'run-rerun'; by: string; via: string; reason: string; confirmed: string; from: string; fromTitle: string; state: string; status: string }
  | { type: 'journal-repaired'; reason: string; droppedBytes: number; droppedSha256?: string }
  | { type: 'step-started'; stepId: string; attemptId: string; title: string; runner: string; params: Record<string, Json>; rerun?: boolean }
  | {
      type: 'step-finished';
      stepId: string;
      attemptId: string;
      output: Json;
      evidence: string[];
      problems?: string[];
      durationMs: number;
      confirmedBy?: string;
      details?: Record<string, Json>;
    }
  | {
      type: 'step-failed';
      stepId: string;
      attemptId: string;
      error: { message: string; category: string };
      evidence: string[];
      durationMs: number;
      details?: Record<string, Json>;
    }
  | {
      type: 'decision';
      question: string;
      state: string;
      stepId?: string;
      attemptId?: string;
      answer: string;
      reason?: string;
      by: string;
      via?: string;
      /** The machine event the answer sent (replayed to rebuild the snapshot; see rebuild-snapshot.ts). */
      event?: MachineEvent;
    }
  /** A machine event the engine itself sent that no other record implies (replayed like the others). */
  | { type: 'machine-event'; state: string; event: MachineEvent; reason: string }
  | { type: 'probe'; stepId: string; attemptId: string; verdict: 'done' | 'not-done' | 'unknown'; evidence: string[] }
  | { type: 'secret-supplied'; secretId: string; label?: string; source: string; by: string }
  | { type: 'run-finished'; state: string; outcome: FinalOutcome | null }
  | { type: 'run-interrupted'; state: string; reason: string };

/** An XState event as the journal keeps it: plain JSON, never a secret. */
export type MachineEvent = { type: string } & { [key: string]: Json };

/** A record as it is on disk: its number, the hash of the line before it, and when it was written. */
export type TimedRecord = JournalRecord & { at: string; n?: number; prev?: string };
