import { createActor, type AnyMachineSnapshot, type EventObject } from 'xstate';
import type { FinalMeta, FinalOutcome, PromptMeta } from '../runbook/define.js';
import { fillTemplate } from '../runbook/define.js';
import { currentState, isFinal, isWaitingForOperator, stateMeta, textValues } from '../runbook/describe.js';
import { anchorAt, saveCheckpoint, snapshotFields } from '../checkpoint/save-checkpoint.js';
import { LAZY, type JournalPosition } from '../journal/append-journal.js';
import { UserError } from '../user-error.js';
import { plugRunners } from './execute-step.js';
import { faultsArmed, freezeAt } from './fault.js';
import type { RunSession } from './session.js';

export interface RunEnd {
  state: string;
  outcome: FinalOutcome | null;
  meta: FinalMeta | undefined;
}

/**
 * Transitions between two checkpoint writes while steps run. The checkpoint is a cache of the
 * journal (every machine event is a journal record; see journal/rebuild-snapshot.ts), written
 * without a sync: a resume replays the journal's records after it. It is also written at every
 * operator prompt, at the end, and when the run stops (interrupted, refused, released).
 */
export const CHECKPOINT_EVERY = Number(process.env.RUNBOOK_CHECKPOINT_EVERY ?? 64);

/**
 * Runs the machine to a final state: keeps the checkpoint (see CHECKPOINT_EVERY), answers
 * waiting states through the operator. `persisted` resumes a checkpointed run.
 */
export async function driveRun(session: RunSession, persisted?: unknown): Promise<RunEnd> {
  const machine = plugRunners(session.runbook.machine, session);
  const actor = createActor(machine, persisted === undefined ? {} : { snapshot: persisted as never });

  let wake: () => void = () => {};
  let crashed: unknown = null;
  let interrupted: unknown = null;
  session.interrupt = (reason) => {
    interrupted = reason;
    wake();
  };
  // the latest snapshot's fields, with where the journal stood when it was emitted; it is
  // serialized only when written, while the actor still holds it (before any stop)
  let latest = null as { fields: ReturnType<typeof snapshotFields>; position: JournalPosition; written: boolean } | null;
  let sinceWrite = 0;
  const write = () => {
    if (!latest || latest.written) return;
    // a stopped or failed actor no longer holds the snapshot that was emitted: the journal has it
    if (!['active', 'done'].includes(actor.getSnapshot().status)) return;
    const json = session.scrubber.scrub(JSON.stringify(actor.getPersistedSnapshot()));
    saveCheckpoint(session, latest.fields, json, anchorAt(session, latest.position, json));
    latest.written = true;
    sinceWrite = 0;
  };
  // on the way out (interrupted, refused, released) a checkpoint that cannot be written is left
  // as it was: the journal is the record, and resume brings the checkpoint up to it
  const writeOnStop = () => {
    try {
      write();
    } catch {
      // disk full or not writable: the error that stopped the run says so already
    }
  };
  session.flushCheckpoint = writeOnStop;
  /** Keeps the snapshot for the checkpoint; says whether the run waits for the operator there. */
  const save = (snapshot: AnyMachineSnapshot, now: boolean): boolean => {
    const fields = snapshotFields(machine, snapshot);
    latest = { fields, position: session.journal.position, written: false };
    const waiting = isWaitingForOperator(stateMeta(machine, fields.state)) && Object.keys(snapshot.children).length === 0;
    // the end is written once run-finished is in the journal (see below)
    if (fields.status === 'active' && (now || ++sinceWrite >= CHECKPOINT_EVERY || waiting)) write();
    if (faultsArmed) freezeAt(`checkpoint:${fields.state}`);
    return waiting;
  };
  let first = true;
  actor.subscribe({
    next: (snapshot) => {
      // the loop below acts only at the end, at a prompt, or when interrupted (which wakes it
      // itself): a step following a step does not wake it
      let act = snapshot.status !== 'active';
      try {
        if (snapshot.status !== 'error') act = save(snapshot, first) || act;
      } catch (error) {
        // disk full or not writable: stop where the run stands; the journal and the last good checkpoint resume it
        session.interrupt(error);
      }
      first = false;
      if (act) wake();
    },
    error: (error) => {
      crashed = error;
      wake();
    },
  });
  if (persisted === undefined) save(actor.getSnapshot(), true);
  actor.start();

  try {
    for (;;) {
      const snapshot = actor.getSnapshot();
      if (interrupted) {
        writeOnStop();
        actor.stop();
        throw interrupted;
      }
      if (crashed || snapshot.status === 'error') {
        throw new Error(`the runbook machine failed: ${String((crashed as Error)?.message ?? snapshot.error)}`);
      }
      const state = currentState(snapshot);
      const meta = stateMeta(machine, state);
      if (snapshot.status === 'done') {
        const outcome = isFinal(meta) ? meta.outcome : null;
        if (!latest) save(snapshot, false); // a resumed run whose end was not recorded yet
        session.journal.append({ type: 'run-finished', state, outcome });
        latest!.position = session.journal.position;
        write();
        session.reporter.finished(isFinal(meta) ? meta : undefined, state);
        actor.stop();
        return { state, outcome, meta: isFinal(meta) ? meta : undefined };
      }
      if (isWaitingForOperator(meta) && Object.keys(snapshot.children).length === 0) {
        actor.send(await askOperator(session, snapshot, meta, state));
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    // stopped by an interruption, a refusal or an error: the checkpoint says where
    if (latest?.fields.status === 'active') writeOnStop();
  }
}

/**
 * An answer is journalled with the event it sends, and not synced on its own: the next sync
 * (the "started" record of a step that is not safe to repeat, a step's result, the end) makes it
 * durable with it, before anything it led to can reach the target. A power cut before that
 * loses only the answer, which is then asked again (see LAZY).
 */
async function askOperator(session: RunSession, snapshot: AnyMachineSnapshot, meta: PromptMeta, state: string): Promise<EventObject> {
  const context = textValues(session.runbook.machine, state, snapshot.context) as Record<string, unknown> & { _lastError?: { message: string } | null };
  const { operator, journal, reporter } = session;
  const prompt = meta.prompt;
  if (prompt.type === 'typed-confirm') {
    reporter.prompt(fillTemplate(meta.title, context), meta.instructions.map((line) => fillTemplate(line, context)));
    for (;;) {
      const typed = (await operator.text({ id: prompt.id, message: fillTemplate(prompt.message, context) })).trim();
      if (typed === '') {
        const cancel = { type: prompt.cancelEvent };
        journal.append({ type: 'decision', question: prompt.id, state, answer: 'cancel', by: operator.who, via: operator.via, event: cancel }, LAZY);
        return cancel;
      }
      const event = { type: prompt.event, [prompt.field]: typed };
      if (snapshot.can(event)) {
        journal.append({ type: 'decision', question: prompt.id, state, answer: `confirmed: ${typed}`, by: operator.who, via: operator.via, event }, LAZY);
        return event;
      }
      journal.append({ type: 'decision', question: prompt.id, state, answer: `rejected: ${typed}`, by: operator.who, via: operator.via }, LAZY);
      if (!operator.interactive) {
        throw new UserError(`the answer to '${prompt.id}' ("${typed}") does not match; nothing was changed (the run can be resumed)`);
      }
      reporter.warn(`"${typed}" does not match. Nothing was changed; type it exactly, or leave it empty to cancel.`);
    }
  }

  const available = prompt.choices.filter((c) => snapshot.can({ type: c.event, reason: 'x' }));
  const stepId = meta.stepId;
  if (session.abortRequested && available.some((c) => c.event === 'ABORT')) {
    session.abortRequested = false;
    const abort = { type: 'ABORT' };
    journal.append({ type: 'machine-event', state, event: abort, reason: 'the operator aborted while the step was in doubt' }, LAZY);
    return abort;
  }
  const detail = context._lastError?.message;
  reporter.prompt(fillTemplate(meta.title, context), [...(detail ? [`Error: ${detail}`] : []), ...meta.instructions.map((line) => fillTemplate(line, context))]);
  const answer = await operator.choose(
    { id: prompt.id, key: stepId, message: fillTemplate(prompt.message, context) },
    available.map((c) => ({ value: c.event.toLowerCase(), label: c.label })),
  );
  const choice = available.find((c) => c.event.toLowerCase() === answer)!;
  let reason: string | undefined;
  if (choice.needsReason) {
    const ask = choice.reason ?? { id: 'skipReason', message: 'Why is it safe to skip this step? (recorded)' };
    reason = (await operator.text({ id: ask.id, key: stepId, message: fillTemplate(ask.message, context) })).trim();
    if (!reason) throw new UserError(`'${choice.label}' needs a reason; nothing was changed (the run can be resumed)`);
  }
  const event = { type: choice.event, ...(reason ? { reason } : {}) };
  journal.append({ type: 'decision', question: prompt.id, state, ...(stepId ? { stepId } : {}), answer, ...(reason ? { reason } : {}), by: operator.who, via: operator.via, event }, LAZY);
  return event;
}
