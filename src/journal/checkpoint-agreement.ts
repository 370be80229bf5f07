import type { CheckpointEnvelope } from '../checkpoint/envelope.js';
import type { TimedRecord } from './records.js';

/**
 * Whether the checkpoint tells the same story as the journal: same run, same definition and
 * target; ended exactly when the journal says it finished; at the step the journal has in flight;
 * and not older than the journal (a checkpoint put back from a copy would repeat steps).
 * Returns what disagrees, or null.
 *
 * The checkpoint is a cache that may lag the journal: one that names the record it was taken at
 * (its anchor) is held against the journal as it stood at that record (whether that record still
 * has the hash the checkpoint noted is the caller's to say: see `anchorMoved`).
 */
export function checkpointDisagreement(envelope: CheckpointEnvelope, all: TimedRecord[]): string | null {
  let records = all;
  const anchor = envelope.journal;
  if (anchor) {
    if (anchor.records > all.length) return `it was taken at journal record ${anchor.records}, the journal has ${all.length} records`;
    records = all.slice(0, anchor.records);
  }
  const started = records.find((r) => r.type === 'run-started');
  if (started?.type !== 'run-started') return 'the journal has no run-started record';
  for (const key of ['runId', 'runbookId', 'machineHash', 'target'] as const) {
    if (started[key] !== envelope[key]) return `its ${key} is ${JSON.stringify(envelope[key])}, the journal's is ${JSON.stringify(started[key])}`;
  }
  // a rerun reopens a finished run: only what follows the last one counts
  const lastRerun = records.map((r) => r.type).lastIndexOf('run-rerun');
  const current = records.slice(lastRerun + 1);
  const finished = current.filter((r) => r.type === 'run-finished').at(-1);
  if (envelope.status === 'active' && finished?.type === 'run-finished') {
    return `it says the run is unfinished at ${envelope.state}, the journal says it finished at ${finished.state}`;
  }
  if (envelope.status !== 'active') {
    if (finished?.type !== 'run-finished') return `it says the run ended at ${envelope.state}, the journal has no end after its last step`;
    if (finished.state !== envelope.state || finished.outcome !== envelope.outcome) {
      return `it says the run ended at ${envelope.state} (${envelope.outcome}), the journal at ${finished.state} (${finished.outcome})`;
    }
  }
  const inFlight = openAttempt(current);
  if (envelope.status === 'active' && inFlight && inFlight.stepId !== envelope.state) {
    return `it is at ${envelope.state}, the journal has step ${inFlight.stepId} (attempt ${inFlight.attemptId}) in flight`;
  }
  const seq = (envelope.snapshot as { context?: { _seq?: unknown } }).context?._seq;
  const newest = Math.max(0, ...records.map((r) => ('attemptId' in r && r.attemptId ? attemptNumber(r.attemptId) : 0)));
  if (typeof seq === 'number' && seq < newest) return `it is older than the journal (it knows attempts up to #${seq}, the journal has #${newest})`;
  return null;
}

function openAttempt(records: TimedRecord[]): { stepId: string; attemptId: string } | null {
  const ended = new Set<string>();
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (r.type === 'step-finished' || r.type === 'step-failed') ended.add(r.attemptId);
    if (r.type === 'step-started') return ended.has(r.attemptId) ? null : { stepId: r.stepId, attemptId: r.attemptId };
  }
  return null;
}

function attemptNumber(attemptId: string): number {
  const match = /#(\d+)$/.exec(attemptId);
  return match ? Number(match[1]) : 0;
}

/** The checkpoint's anchor record no longer has the hash it had when the checkpoint was taken. */
export function anchorMoved(envelope: CheckpointEnvelope, hashes: string[]): boolean {
  const anchor = envelope.journal;
  return anchor !== undefined && hashes[anchor.records - 1] !== undefined && hashes[anchor.records - 1] !== anchor.head;
}
