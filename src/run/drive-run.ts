import { createActor, type AnyMachineSnapshot, type EventObject } from 'xstate';
import type { FinalMeta, FinalOutcome, PromptMeta } from '../runbook/define.js';
import { fillTemplate } from '../runbook/define.js';
import { currentState, isFinal, isWaitingForOperator, stateMeta, textValues } from '../runbook/describe.js';
import { writeCheckpoint } from '../checkpoint/write-checkpoint.js';
import { CHECKPOINT_SCHEMA } from '../checkpoint/envelope.js';
import { UserError } from '../user-error.js';
import { plugRunners } from './execute-step.js';
import { freezeAt } from './fault.js';
import type { RunSession } from './session.js';

export interface RunEnd {
  state: string;
  outcome: FinalOutcome | null;
  meta: FinalMeta | undefined;
}

/**
 * Runs the machine to a final state: checkpoints every snapshot, answers waiting states
 * through the operator. `persisted` resumes a checkpointed run.
 */
/** Writes the run's checkpoint: the persisted snapshot in its envelope. */
export function saveCheckpoint(session: RunSession, snapshot: AnyMachineSnapshot, persisted: unknown): void {
  const state = currentState(snapshot);
  const meta = stateMeta(session.runbook.machine, state);
  writeCheckpoint(session.paths.checkpoint, {
    schema: CHECKPOINT_SCHEMA,
    runId: session.runId,
    runbookId: session.runbook.id,
    machineHash: session.machineHash,
    target: session.target,
    lockKey: session.resolvedTarget.lockKey,
    createdAt: session.createdAt,
    updatedAt: new Date().toISOString(),
    status: snapshot.status === 'done' ? 'done' : snapshot.status === 'error' ? 'error' : 'active',
    state,
    outcome: isFinal(meta) ? meta.outcome : null,
  }, session.scrubber.scrub(JSON.stringify(persisted)));
  freezeAt(`checkpoint:${state}`);
}

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
  const save = (snapshot: AnyMachineSnapshot) => saveCheckpoint(session, snapshot, actor.getPersistedSnapshot());
  actor.subscribe({
    next: (snapshot) => {
      try {
        if (snapshot.status !== 'error') save(snapshot);
      } catch (error) {
        // disk full or not writable: stop where the run stands; the last good checkpoint and the journal resume it
        session.interrupt(error);
      }
      wake();
    },
    error: (error) => {
      crashed = error;
      wake();
    },
  });
  if (persisted === undefined) save(actor.getSnapshot());
  actor.start();

  for (;;) {
    const snapshot = actor.getSnapshot();
    if (interrupted) {
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
      session.journal.append({ type: 'run-finished', state, outcome });
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
}

async function askOperator(session: RunSession, snapshot: AnyMachineSnapshot, meta: PromptMeta, state: string): Promise<EventObject> {
  const context = textValues(session.runbook.machine, state, snapshot.context) as Record<string, unknown> & { _lastError?: { message: string } | null };
  const { operator, journal, reporter } = session;
  const prompt = meta.prompt;
  if (prompt.type === 'typed-confirm') {
    reporter.prompt(fillTemplate(meta.title, context), meta.instructions.map((line) => fillTemplate(line, context)));
    for (;;) {
      const typed = (await operator.text({ id: prompt.id, message: fillTemplate(prompt.message, context) })).trim();
      if (typed === '') {
        journal.append({ type: 'decision', question: prompt.id, state, answer: 'cancel', by: operator.who, via: operator.via });
        return { type: prompt.cancelEvent };
      }
      const event = { type: prompt.event, [prompt.field]: typed };
      if (snapshot.can(event)) {
        journal.append({ type: 'decision', question: prompt.id, state, answer: `confirmed: ${typed}`, by: operator.who, via: operator.via });
        return event;
      }
      journal.append({ type: 'decision', question: prompt.id, state, answer: `rejected: ${typed}`, by: operator.who, via: operator.via });
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
    return { type: 'ABORT' };
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
  journal.append({ type: 'decision', question: prompt.id, state, ...(stepId ? { stepId } : {}), answer, ...(reason ? { reason } : {}), by: operator.who, via: operator.via });
  return { type: choice.event, ...(reason ? { reason } : {}) };
}
