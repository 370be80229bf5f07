import type { AnyStateMachine } from 'xstate';
import type { FinalOutcome } from '../runbook/define.js';
import { isFinal, stateMeta } from '../runbook/describe.js';
import type { JournalPosition } from '../journal/append-journal.js';
import type { RunSession } from '../run/session.js';
import { CHECKPOINT_SCHEMA, type CheckpointEnvelope, type JournalAnchor } from './envelope.js';
import { writeCheckpoint } from './write-checkpoint.js';

/** What the envelope copies out of a snapshot, so that listing runs needs no machine. */
export function snapshotFields(machine: AnyStateMachine, snapshot: { status: string; value: unknown }): Pick<CheckpointEnvelope, 'status' | 'state' | 'outcome'> {
  const state = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
  const meta = stateMeta(machine, state);
  return {
    status: snapshot.status === 'done' ? 'done' : snapshot.status === 'error' ? 'error' : 'active',
    state,
    outcome: (isFinal(meta) ? meta.outcome : null) as FinalOutcome | null,
  };
}

/** The anchor of a snapshot taken when the journal stood at `position`. */
export function anchorAt(session: RunSession, position: JournalPosition, snapshotJson: string): JournalAnchor {
  const numbers: Record<string, number> = {};
  // the attempts in flight keep their numbers: find them in the snapshot's children
  for (const match of snapshotJson.matchAll(/"attemptId":"((?:[^"\\]|\\.)*)"/g)) {
    const id = JSON.parse(`"${match[1]!}"`) as string;
    const number = session.stepNumbers.get(id);
    if (number !== undefined) numbers[id] = number;
  }
  return { records: position.count, head: position.head, offset: position.offset, bytes: position.bytes, attempts: session.stepNumbers.size, numbers };
}

/** Writes the run's checkpoint (a cache of the journal, never synced; see write-checkpoint.ts). */
export function saveCheckpoint(
  session: RunSession,
  fields: Pick<CheckpointEnvelope, 'status' | 'state' | 'outcome'>,
  snapshotJson: string,
  anchor: JournalAnchor,
): void {
  writeCheckpoint(
    session.paths.checkpoint,
    {
      schema: CHECKPOINT_SCHEMA,
      runId: session.runId,
      runbookId: session.runbook.id,
      machineHash: session.machineHash,
      target: session.target,
      lockKey: session.resolvedTarget.lockKey,
      createdAt: session.createdAt,
      updatedAt: new Date().toISOString(),
      ...fields,
      journal: anchor,
    },
    snapshotJson,
  );
}
