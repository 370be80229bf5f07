import { fromPromise } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import type { Json, StepMeta } from '../runbook/define.js';
import { fillTemplate } from '../runbook/define.js';
import { stepMeta } from '../runbook/describe.js';
import { StepFailure, type ProbeResult, type Runner, type StepInput, type StepResult } from '../runner/contract.js';
import { readAttemptRecords } from '../journal/read-journal.js';
import { LAZY, SYNCED } from '../journal/append-journal.js';
import type { TimedRecord } from '../journal/records.js';
import type { RunSession } from './session.js';
import { faultsArmed, holdAt } from './fault.js';
import { UserError } from '../user-error.js';
import { StateWriteError } from '../state-errors.js';

/**
 * The runner seam: every step actor the machine names in `setup({ actors })` is replaced here,
 * through `provide()`, by one that journals the attempt around the runner's work.
 *
 * "step-started" is durable before the runner begins; "step-finished" / "step-failed" after it.
 * On resume, XState starts the in-flight step again with its saved input; the journal tells
 * whether that attempt already finished (its recorded outcome is replayed, nothing re-runs) or
 * is in doubt (re-run if idempotent, otherwise the operator decides).
 */
export function plugRunners(machine: AnyStateMachine, session: RunSession): AnyStateMachine {
  const actors: Record<string, ReturnType<typeof stepActor>> = {};
  for (const name of Object.keys(machine.implementations.actors)) actors[name] = stepActor(machine, session);
  return machine.provide({ actors });
}

function stepActor(machine: AnyStateMachine, session: RunSession) {
  return fromPromise<Json | undefined, StepInput>(async ({ input, signal }) => {
    try {
      return await attempt(machine, session, input, signal);
    } catch (error) {
      // the state directory could not take a write (disk full, read-only): stop saved, not a step failure
      if (error instanceof StateWriteError) {
        session.interrupt(error);
        return new Promise<never>(() => {});
      }
      if (typeof error === 'object' && error !== null && journalled.has(error)) throw error;
      // a failure before the step could record one (no runner, an unreadable journal): the
      // machine's error event is journalled so that a rebuild of the snapshot sees it too
      const failure = { message: session.scrubber.scrub(String((error as Error)?.message ?? error)), category: String((error as { category?: unknown })?.category ?? 'failed') };
      session.journal.append({ type: 'machine-event', state: input.stepId, event: { type: `xstate.error.actor.${input.stepId}`, error: failure, actorId: input.stepId }, reason: 'the step failed before it could run' });
      throw failure;
    }
  });
}

/** Errors whose machine event the journal already holds (a step-failed record, an in-doubt abort). */
const journalled = new WeakSet<object>();
function recorded<T extends object>(error: T): T {
  journalled.add(error);
  return error;
}

async function attempt(machine: AnyStateMachine, session: RunSession, input: StepInput, signal: AbortSignal): Promise<Json | undefined> {
  {
    const meta = stepMeta(machine, input.stepId);
    const title = fillTemplate(meta.title, input.params);
    const prior = session.journalCheck.active ? priorRecords(session, input.attemptId) : [];
    let rerun = false;
    if (prior.length > 0) {
      const finished = prior.find((r) => r.type === 'step-finished');
      if (finished?.type === 'step-finished') {
        session.reporter.stepDone(title, ['(finished before the interruption; not run again)'], 0, true);
        return finished.output;
      }
      const failed = prior.find((r) => r.type === 'step-failed');
      if (failed?.type === 'step-failed') throw recorded(toMachineError(new StepFailure(failed.error.message, failed.error.category)));
      let resolved: Awaited<ReturnType<typeof resolveInDoubt>>;
      try {
        resolved = await resolveInDoubt(session, meta, title, input, prior[0]!);
      } catch (error) {
        // no decision (the answers file cannot decide, or Ctrl-C at the prompt) is not the step
        // failing: a failure decision could run the step again. Stop here, the attempt stays in doubt.
        if (error instanceof UserError || isOperatorInterrupt(error)) {
          session.interrupt(error);
          return new Promise<never>(() => {});
        }
        throw error;
      }
      if (resolved === 'marked-done') {
        session.reporter.stepDone(title, ['(marked done by the operator)'], 0, true);
        return null;
      }
      rerun = true;
    }

    const runner = pickRunner(session, input.stepId, meta);
    // a secret the answers file cannot give (a connector found at run time): the step is not
    // attempted, no failure is counted, and the run stops saved for `resume --answers <fixed>`
    const unanswerable = input.secrets.find((ref) => session.operator.canAnswer?.(ref) === false);
    if (unanswerable) {
      session.interrupt(
        new UserError(`the answers file has no entry under 'secrets' for '${unanswerable.id}' (${unanswerable.label}); "${title}" was not attempted`),
      );
      return new Promise<never>(() => {});
    }
    // durable before the runner starts only where it matters: a step that is not safe to repeat
    // must be found in doubt after any crash; one that is safe to repeat runs again anyway when
    // its result is missing, so its "started" line is made durable by that result's sync
    session.journal.append(
      {
        type: 'step-started',
        stepId: input.stepId,
        attemptId: input.attemptId,
        title,
        runner: runner.name,
        params: input.params,
        ...(rerun ? { rerun } : {}),
      },
      meta.idempotent ? LAZY : SYNCED,
    );
    if (faultsArmed) await holdAt(`step-started:${input.stepId}`);
    if (!session.stepNumbers.has(input.attemptId)) session.stepNumbers.set(input.attemptId, session.stepNumbers.size + 1);
    session.reporter.stepStarting(session.stepNumbers.get(input.attemptId)!, title, meta, runner.name, input.params);
    const started = Date.now();
    try {
      const result = await withDeadline(runner, input, meta, signal, session);
      const evidence = result.evidence.map(session.scrubber.scrub);
      session.journal.append({
        type: 'step-finished',
        stepId: input.stepId,
        attemptId: input.attemptId,
        output: (result.output ?? null) as Json,
        evidence,
        ...(result.problems?.length ? { problems: result.problems.map(session.scrubber.scrub) } : {}),
        durationMs: Date.now() - started,
        ...(result.details ? { details: result.details } : {}),
      });
      if (faultsArmed) await holdAt(`step-finished:${input.stepId}`);
      session.reporter.stepDone(title, evidence, Date.now() - started, false);
      return result.output ?? null;
    } catch (error) {
      if (isOperatorInterrupt(error)) {
        // Ctrl-C at a prompt is not the step failing: stop here, the attempt stays in doubt
        session.interrupt(error);
        return new Promise<never>(() => {});
      }
      const failure = error instanceof StepFailure ? error : new StepFailure((error as Error)?.message ?? String(error), 'error');
      const evidence = failure.evidence.map(session.scrubber.scrub);
      const message = session.scrubber.scrub(failure.message);
      session.journal.append({
        type: 'step-failed',
        stepId: input.stepId,
        attemptId: input.attemptId,
        error: { message, category: failure.category },
        evidence,
        durationMs: Date.now() - started,
        ...(failure.details ? { details: failure.details } : {}),
      });
      session.log.warn({ stepId: input.stepId, attemptId: input.attemptId, category: failure.category, err: message }, 'step failed');
      session.reporter.stepFailed(title, message, evidence);
      throw recorded({ message, category: failure.category });
    }
  }
}

/** Only the first attempts after a resume can have history; attempt numbers only grow. */
function priorRecords(session: RunSession, attemptId: string): TimedRecord[] {
  const records = readAttemptRecords(session.paths.journal, [attemptId]);
  if (records.length === 0) session.journalCheck.active = false;
  return records;
}

async function resolveInDoubt(
  session: RunSession,
  meta: StepMeta,
  title: string,
  input: StepInput,
  started: TimedRecord,
): Promise<'rerun' | 'marked-done'> {
  const when = started.at;
  if (meta.idempotent) {
    session.reporter.notice(`"${title}" was interrupted (started ${when}); it is safe to repeat, so it runs again.`);
    session.journal.append({
      type: 'decision',
      question: 'inDoubt',
      state: input.stepId,
      stepId: input.stepId,
      attemptId: input.attemptId,
      answer: 'rerun',
      reason: 'idempotent step',
      by: 'engine',
    });
    return 'rerun';
  }
  const probe = await probeInDoubt(session, meta, title, input, when);
  session.reporter.pause();
  session.reporter.warn(
    `"${title}" was started at ${when} and did not report an end before the run stopped. ` +
      'It is NOT safe to run twice.' +
      (probe ? '' : ' Check the server before answering: is it still running there, and did it take effect?'),
  );
  if (probe) {
    const said = { done: 'it took effect', 'not-done': 'it did not take effect', unknown: 'it cannot tell' }[probe.verdict];
    session.reporter.notice(`   The probe read the server and says ${said}:`);
    for (const line of probe.evidence) session.reporter.notice(`     - ${line}`);
    if (probe.verdict === 'unknown') session.reporter.notice('   Check the server yourself before answering (the step may still be running there).');
  }
  const proposed = probe?.verdict === 'done' ? 'mark-done' : probe?.verdict === 'not-done' ? 'rerun' : undefined;
  const answer = await session.operator.choose(
    { id: 'inDoubt', key: input.stepId, message: `In doubt: "${title}". What now?`, ...(proposed ? { default: proposed } : {}) },
    [
      { value: 'mark-done', label: `It took effect: mark it done and continue${proposed === 'mark-done' ? ' (the probe says so)' : ''}` },
      { value: 'rerun', label: `It did not take effect: run it again${proposed === 'rerun' ? ' (the probe says so)' : ''}` },
      { value: 'abort', label: 'Abort the run' },
    ],
  );
  session.journal.append({
    type: 'decision',
    question: 'inDoubt',
    state: input.stepId,
    stepId: input.stepId,
    attemptId: input.attemptId,
    answer,
    ...(probe ? { reason: `probe: ${probe.verdict}` } : {}),
    by: session.operator.who,
    via: session.operator.via,
  });
  if (answer === 'mark-done') {
    session.journal.append({
      type: 'step-finished',
      stepId: input.stepId,
      attemptId: input.attemptId,
      output: null,
      evidence: [`marked done by ${session.operator.who} after an interruption`, ...(probe ? probe.evidence.map((e) => `probe: ${e}`) : [])],
      durationMs: 0,
      confirmedBy: session.operator.who,
    });
    return 'marked-done';
  }
  if (answer === 'abort') {
    session.abortRequested = true;
    const error = toMachineError(new StepFailure('aborted by the operator while the step was in doubt', 'aborted'));
    session.journal.append({ type: 'machine-event', state: input.stepId, event: { type: `xstate.error.actor.${input.stepId}`, error, actorId: input.stepId }, reason: 'the operator aborted while the step was in doubt' });
    throw recorded(error);
  }
  return 'rerun';
}

/** Runs the step's read-only probe, when the runbook declares one and the runner has it; journals the verdict. */
async function probeInDoubt(session: RunSession, meta: StepMeta, title: string, input: StepInput, startedAt: string): Promise<ProbeResult | null> {
  const runner = session.runner;
  if (!meta.probe || !runner.probe || !runner.canProbe?.(input.stepId)) return null;
  session.reporter.notice(`"${title}" is in doubt: reading the server to tell whether it took effect (changes nothing).`);
  let result: ProbeResult;
  try {
    const abort = new AbortController();
    result = await runner.probe(input, {
      meta,
      signal: abort.signal,
      deadline: Date.now() + 120_000,
      secrets: session.secrets,
      operator: session.operator,
      progress: (text) => session.reporter.progress(text),
      note: (text) => session.reporter.notice(`   ${text}`),
      log: (message, fields) => session.log.info({ stepId: input.stepId, probe: true, ...fields }, message),
      checkpointReached: async () => {},
      runDir: session.paths.dir,
    }, startedAt);
  } catch (error) {
    result = { verdict: 'unknown', evidence: [`the probe failed: ${(error as Error)?.message ?? String(error)}`] };
  }
  const evidence = result.evidence.map(session.scrubber.scrub);
  session.journal.append({ type: 'probe', stepId: input.stepId, attemptId: input.attemptId, verdict: result.verdict, evidence });
  return { verdict: result.verdict, evidence };
}

/** Preflight refused the run already if a reachable step had no implementation; this is the last guard. */
function pickRunner(session: RunSession, stepId: string, meta: StepMeta): Runner {
  if (session.runner.canRun(stepId, meta)) return session.runner.forStep?.(stepId, meta) ?? session.runner;
  throw new StepFailure(`the ${session.runner.name} runner has no implementation of '${stepId}' in this runbook's package`, 'no-runner');
}

/**
 * Runs the step with its time limit. The runner's `signal` aborts when the state is left (the
 * actor's signal) or the deadline passes. Its controller is made when the runner first reads
 * `signal`: a runner that never looks at it costs no controller, listener or forwarding.
 */
function withDeadline(runner: Runner, input: StepInput, meta: StepMeta, actorSignal: AbortSignal, session: RunSession): Promise<StepResult> {
  // a resumed attempt gets a full window from now: the time the process was down is not the step's
  const deadline = Date.now() + input.timeoutMs;
  let abort: AbortController | undefined;
  const leave = () => abort!.abort();
  const signal = () => {
    if (!abort) {
      abort = new AbortController();
      if (actorSignal.aborted) abort.abort();
      else actorSignal.addEventListener('abort', leave, { once: true });
    }
    return abort.signal;
  };
  return new Promise<StepResult>((resolve, reject) => {
    const settle = () => {
      clearTimeout(timer);
      if (abort) actorSignal.removeEventListener('abort', leave);
    };
    const timer = setTimeout(() => {
      signal();
      abort!.abort();
      settle();
      reject(new StepFailure(`timed out after ${Math.round(input.timeoutMs / 1000)} s`, 'timeout'));
    }, input.timeoutMs);
    let running: Promise<StepResult>;
    try {
      running = runner.run(input, {
        meta,
        get signal() {
          return signal();
        },
        deadline,
        secrets: session.secrets,
        operator: session.operator,
        progress: (text) => session.reporter.progress(text),
        note: (text) => session.reporter.notice(`   ${text}`),
        log: (message, fields) => session.log.info({ stepId: input.stepId, ...fields }, message),
        checkpointReached: (point) => holdAt(`${point}:${input.stepId}`),
        runDir: session.paths.dir,
      });
    } catch (error) {
      settle();
      reject(error);
      return;
    }
    running.then(
      (result) => {
        settle();
        resolve(result);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}

/** XState stores nothing of the error, but the machine's context records message and category. */
function toMachineError(failure: StepFailure): { message: string; category: string } {
  return { message: failure.message, category: failure.category };
}

function isOperatorInterrupt(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}
