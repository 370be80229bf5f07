import { loadRunbook } from '../../runbook/load-runbook.js';
import { readAnswersFile } from '../../operator/answers-file.js';
import { checkAnswers } from '../../operator/check-answers.js';
import type { RunbookDefinition } from '../../runbook/define.js';
import { AnswersOperator } from '../../operator/answers-operator.js';
import { InteractiveOperator } from '../../operator/interactive-operator.js';
import type { Operator } from '../../operator/operator.js';
import { resumeRun, startRun, whoAmI, type OpenedRun, type RunPlugs } from '../../run/open-run.js';
import { stateDir } from '../../run/paths.js';
import { stepBoard } from '../../run/step-board.js';
import { readJournal } from '../../journal/read-journal.js';
import { readCheckpoint } from '../../checkpoint/read-checkpoint.js';
import type { RunSession } from '../../run/session.js';
import type { RunEnd } from '../../run/drive-run.js';
import { ExitCode } from '../../exit-codes.js';
import { UserError } from '../../user-error.js';
import { createTargetRunner, resolveTargets } from '../../run/targets.js';
import { TerminalReporter } from '../terminal-reporter.js';
import { holdSignals, takeOverSignals } from '../early-signals.js';
import { reportError, type GlobalOptions } from '../program.js';

interface RunOptions extends GlobalOptions {
  /** One target, or `role=target` values for a runbook with several servers (repeatable --target). */
  target?: string | string[];
  answers?: string;
  dryRun?: boolean;
  simulatedHost?: boolean;
  sshConfig?: string;
}

export async function run(runbookId: string, options: RunOptions, after?: (session: RunSession) => void): Promise<number> {
  const runbook = await loadRunbook(runbookId);
  const target = await resolveTargets(runbook, options.target, { simulatedHost: options.simulatedHost, sshConfig: options.sshConfig });
  if (options.dryRun) return (await import('./dry-run.js')).printDryRun(runbook, target);
  const reporter = new TerminalReporter();
  const operator = makeOperator(options, reporter, runbook);
  holdSignals();
  const opened = await startRun(stateDir(options.stateDir), runbook, target, plugs(() => operator, reporter, options));
  reporter.header(runbook.title, [
    `run ${opened.session.runId} · target ${target.id} (${target.describe}) · operator ${operator.who}`,
    `run state: ${opened.session.paths.dir}`,
  ]);
  reporter.stepList(stepBoard(runbook, [], runbook.machine.config.initial as string));
  const code = await finish(opened, reporter, options);
  after?.(opened.session);
  return code;
}

export async function resume(runId: string | undefined, options: RunOptions): Promise<number> {
  const reporter = new TerminalReporter();
  // the operator is made once the run is found, so "nothing to resume" is said first
  holdSignals();
  const opened = await resumeRun(stateDir(options.stateDir), runId, plugs((runbook) => makeOperator(options, reporter, runbook), reporter, options));
  const { session } = opened;
  reporter.stepList(boardOnDisk(session, true));
  return finish(opened, reporter, options);
}

export function plugs(operator: (runbook: RunbookDefinition) => Operator, reporter: TerminalReporter, options: RunOptions): RunPlugs {
  return {
    runner: (runbook, target, runDir) => createTargetRunner(runbook, target, runDir),
    target: (runbook, targetId) => resolveTargets(runbook, targetId),
    operator: (_scrubber, runbook) => operator(runbook),
    reporter,
    verbose: Boolean(options.verbose),
  };
}

export function makeOperator(options: RunOptions, reporter: TerminalReporter, runbook: RunbookDefinition): Operator {
  if (options.answers) {
    const file = readAnswersFile(options.answers);
    const operator = new AnswersOperator(file, options.answers, whoAmI());
    checkAnswers(file, options.answers, runbook);
    return operator;
  }
  if (!process.stdin.isTTY) {
    throw new UserError('standard input is not a terminal: give --answers <file> to run unattended (nothing was started)');
  }
  return new InteractiveOperator(whoAmI(), () => reporter.pause());
}

export async function finish(opened: OpenedRun, reporter: TerminalReporter, options: RunOptions): Promise<number> {
  const { session } = opened;
  const onSignal = (signal: NodeJS.Signals) => {
    reporter.pause();
    try {
      session.journal.append({ type: 'run-interrupted', state: 'in progress', reason: signal });
    } catch {
      // the journal may be closing; the checkpoint is what resume needs
    }
    process.stderr.write(`\nrunbook: interrupted (${signal}); the run is saved, continue with: runbook resume ${session.runId}\n`);
    opened.release();
    process.exit(ExitCode.interrupted);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, onSignal);
  const held = takeOverSignals();
  if (held) onSignal(held);
  try {
    const end = await opened.start();
    reporter.stepList(boardOnDisk(session, false));
    printResult(session, end, reporter, Boolean(options.json));
    return exitCodeFor(end);
  } catch (error) {
    reporter.pause();
    if ((error as Error)?.name === 'ExitPromptError') {
      session.journal.append({ type: 'run-interrupted', state: 'prompt', reason: 'Ctrl-C' });
      process.stderr.write(`\nrunbook: interrupted; the run is saved, continue with: runbook resume ${session.runId}\n`);
      return ExitCode.interrupted;
    }
    session.log.error({ err: error }, 'run stopped');
    if (error instanceof UserError) {
      // one line: the cause, then how to go on
      process.stderr.write(`runbook: ${error.message}; run ${session.runId} is saved, continue with: runbook resume ${session.runId}\n`);
      return error.exitCode;
    }
    return reportError(error, Boolean(options.verbose));
  } finally {
    for (const s of signals) process.off(s, onSignal);
    opened.release();
    await session.runner.close?.();
  }
}

function exitCodeFor(end: RunEnd): number {
  switch (end.outcome) {
    case 'success':
    case 'nothing-to-do':
      return ExitCode.ok;
    case 'handed-over':
      return ExitCode.handedOver;
    case 'aborted':
      return ExitCode.aborted;
    default:
      return ExitCode.internal;
  }
}

/** The runbook's result, when it has one: its lines on stderr; with --json one object on stdout. */
function printResult(session: RunSession, end: RunEnd, reporter: TerminalReporter, json: boolean): void {
  const context = (readCheckpoint(session.paths.checkpoint).snapshot as { context?: unknown }).context;
  const result = session.runbook.result?.(context);
  if (result) {
    reporter.line();
    for (const line of result.lines) reporter.line(line);
  }
  if (json) {
    const out = { runId: session.runId, runbook: session.runbook.id, target: session.target, outcome: end.outcome, state: end.state, result: result?.data ?? null };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  }
}

export function boardOnDisk(session: RunSession, active: boolean) {
  const envelope = readCheckpoint(session.paths.checkpoint);
  const context = (envelope.snapshot as { context?: unknown }).context;
  return stepBoard(session.runbook, readJournal(session.paths.journal), active ? envelope.state : null, context);
}
