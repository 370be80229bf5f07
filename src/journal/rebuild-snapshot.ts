import { createActor, initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { rerunSnapshot } from '../rerun/rerun-snapshot.js';
import type { MachineEvent, TimedRecord } from './records.js';

/**
 * The journal holds every event the run's machine received, so the snapshot can always be
 * rebuilt from it with XState's pure `initialTransition` / `transition` (they run no action and
 * start no actor): from the machine's initial state, or from a checkpoint taken at record n with
 * the records after n. The events:
 *
 *  - `step-finished` is `xstate.done.actor.<step>` with its output (the step's actor returned it),
 *  - `step-failed` is `xstate.error.actor.<step>` with its error,
 *  - a `decision` with an `event` is the event the operator's answer sent,
 *  - a `machine-event` is one the engine sent itself (an abort decided while a step was in doubt),
 *  - `run-rerun` puts the machine at the chosen step, as `rerunSnapshot` did when it was written.
 *
 * A restored step that was in flight gets the same input, hence the same attempt id, as the
 * one the crashed process started: the id comes from the context's attempt counter, which the
 * replay counts exactly as the run did.
 */
export function eventOf(record: TimedRecord): { event: EventObject; attemptId?: string; actorId?: string } | null {
  switch (record.type) {
    case 'step-finished':
      return { event: { type: `xstate.done.actor.${record.stepId}`, output: record.output, actorId: record.stepId } as EventObject, attemptId: record.attemptId, actorId: record.stepId };
    case 'step-failed':
      return { event: { type: `xstate.error.actor.${record.stepId}`, error: record.error, actorId: record.stepId } as EventObject, attemptId: record.attemptId, actorId: record.stepId };
    case 'decision':
      return record.event ? { event: record.event } : null;
    case 'machine-event':
      return { event: record.event, ...actorOf(record.event) };
    default:
      return null;
  }
}

function actorOf(event: MachineEvent): { actorId?: string } {
  const match = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec(event.type);
  return match ? { actorId: match[1]! } : {};
}

export type Rebuilt = { ok: true; snapshot: AnyMachineSnapshot; events: number } | { ok: false; problem: string };

/**
 * Replays `records` (each with its number `n`) on `from` (a persisted snapshot) or on the
 * initial state. Refuses (ok: false) an event the snapshot cannot have received: an outcome for
 * a step that is not in flight with that attempt, an answer the state does not accept.
 */
export function rebuildSnapshot(machine: AnyStateMachine, from: unknown, records: TimedRecord[]): Rebuilt {
  let snapshot: AnyMachineSnapshot;
  try {
    snapshot = from === null || from === undefined ? initialTransition(machine)[0] : restore(machine, from);
  } catch (error) {
    return { ok: false, problem: `its snapshot does not fit the runbook (${(error as Error).message})` };
  }
  let events = 0;
  for (const record of records) {
    if (record.type === 'run-rerun') {
      snapshot = restore(machine, rerunSnapshot(machine, record.from, snapshot.context as Record<string, unknown>));
      continue;
    }
    const found = eventOf(record);
    if (!found) continue;
    const where = `record ${record.n ?? '?'} (${record.type})`;
    if (snapshot.status !== 'active') return { ok: false, problem: `${where} comes after the run ended` };
    if (found.actorId !== undefined) {
      const child = snapshot.children[found.actorId] as { getSnapshot(): { input?: { attemptId?: string } } } | undefined;
      if (!child) return { ok: false, problem: `${where} ends step ${found.actorId}, which is not in flight there` };
      const attemptId = child.getSnapshot().input?.attemptId;
      if (found.attemptId !== undefined && attemptId !== found.attemptId) {
        return { ok: false, problem: `${where} ends attempt ${found.attemptId}, the attempt in flight there is ${attemptId}` };
      }
    } else if (!snapshot.can(found.event)) {
      return { ok: false, problem: `${where} answers with ${found.event.type}, which state ${JSON.stringify(snapshot.value)} does not accept` };
    }
    snapshot = transition(machine, snapshot, found.event)[0];
    events++;
    if (snapshot.status === 'error') return { ok: false, problem: `${where} puts the machine in error` };
  }
  return { ok: true, snapshot, events };
}

/** A persisted snapshot as a snapshot `transition` accepts (its children are created, not started). */
function restore(machine: AnyStateMachine, persisted: unknown): AnyMachineSnapshot {
  machine.resolveState(persisted as never);
  return createActor(machine, { snapshot: persisted as never }).getSnapshot() as AnyMachineSnapshot;
}

/** The snapshot as the checkpoint keeps it. */
export function persistedOf(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): unknown {
  return machine.getPersistedSnapshot(snapshot);
}
