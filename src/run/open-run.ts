import { mkdirSync, readdirSync, existsSync, rmSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fillForPeople, type RunbookDefinition } from '../runbook/define.js';
import { stateMeta, textValues } from '../runbook/describe.js';
import type { ResolvedTarget, Runner } from '../runner/contract.js';
import { machineHash } from '../runbook/machine-hash.js';
import { loadRunbook } from '../runbook/load-runbook.js';
import { readCheckpoint } from '../checkpoint/read-checkpoint.js';
import { refreshCheckpoint, repairEndedCheckpoint, restoreRun } from './restore-run.js';
import type { CheckpointEnvelope } from '../checkpoint/envelope.js';
import { Journal } from '../journal/append-journal.js';
import { EMPTY_CHAIN, type ChainHead } from '../journal/hash-chain.js';
import { verifiedJournal, type JournalCheck } from '../journal/verify-journal.js';
import { cutCrashTail, recordRepair } from '../journal/repair-journal.js';
import { acquireLock } from '../lock/lock-file.js';
import { openDiagnosticLog } from '../log/diagnostic-log.js';
import type { Operator } from '../operator/operator.js';
import { Scrubber } from '../secrets/scrubber.js';
import { secretSource } from '../secrets/secret-source.js';
import { ExitCode } from '../exit-codes.js';
import { freezeAt } from './fault.js';
import { UserError } from '../user-error.js';
import { fsyncDirectory } from '../checkpoint/durable-write.js';
import { namedRunPaths, newRunId, runPaths, runsDir, type RunPaths } from './paths.js';
import { acquireTargetLocks, sharesServer } from './targets.js';
import { preflight } from './preflight.js';
import { driveRun, type RunEnd } from './drive-run.js';
import type { Reporter } from './reporter.js';
import type { RunSession } from './session.js';

export interface RunPlugs {
  /** The target's runner for this run directory; creating it writes nothing. */
  runner(runbook: RunbookDefinition, target: ResolvedTarget, runDir: string): Promise<Runner>;
  /** Resolves a target id a run kept (resume). */
  target(runbook: RunbookDefinition, targetId: string): Promise<ResolvedTarget>;
  /** Whoever answers; an answers file is checked against the runbook here, before anything is written. */
  operator(scrubber: Scrubber, runbook: RunbookDefinition): Operator;
  reporter: Reporter;
  verbose: boolean;
}

export interface OpenedRun {
  session: RunSession;
  /** Drives the run; called once whatever is to be printed before its first prompt is printed. */
  start(): Promise<RunEnd>;
  release(): void;
}

export function holder(): string {
  return `another runbook process (${whoAmI()}: runbook ${process.argv.slice(2, 4).join(' ')})`;
}

export function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/**
 * Starts a new run: refuses a runbook that cannot run on the target (preflight), a target that
 * is busy or has an unfinished run, before creating anything.
 */
export async function startRun(stateDir: string, runbook: RunbookDefinition, target: ResolvedTarget, plugs: RunPlugs): Promise<OpenedRun> {
  const runId = newRunId();
  const paths = runPaths(stateDir, runId);
  const runner = await plugs.runner(runbook, target, paths.dir);
  preflight(runbook, target, runner);
  const releaseTarget = acquireTargetLocks(stateDir, target, holder());
  try {
    pruneNeverStarted(stateDir);
    const unfinished = listRuns(stateDir).find((r) => r.envelope && sharesServer(r.envelope.lockKey ?? r.envelope.target, target) && r.envelope.status === 'active');
    if (unfinished?.envelope) {
      throw new UserError(
        `target ${target.id} has an unfinished run ${unfinished.runId} of ${unfinished.envelope.runbookId} (at ${unfinished.envelope.state}); resume it with: runbook resume ${unfinished.runId}`,
        ExitCode.locked,
      );
    }
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    fsyncDirectory(runsDir(stateDir));
    const releaseRun = acquireLock(paths.lock, holder(), `run ${runId}`);
    freezeAt('run-created');
    let session: RunSession;
    try {
      runner.prepare?.();
      session = openSession(runbook, runId, target, runner, new Date().toISOString(), paths, plugs, EMPTY_CHAIN);
      session.journal.append({ type: 'run-started', runId, runbookId: runbook.id, target: target.id, machineHash: session.machineHash, by: session.operator.who, via: session.operator.via });
    } catch (error) {
      // nothing was done on the target yet: a run that could not be created leaves no half of itself
      releaseRun();
      rmSync(paths.dir, { recursive: true, force: true });
      throw error;
    }
    session.log.info({ runId, runbook: runbook.id, target: target.id }, 'run started');
    return opened(session, undefined, () => {
      releaseRun();
      releaseTarget();
    });
  } catch (error) {
    releaseTarget();
    throw error;
  }
}

/** Resumes a run from its checkpoint (the latest unfinished one when no id is given). */
export async function resumeRun(
  stateDir: string,
  runId: string | undefined,
  plugs: RunPlugs,
  load: (id: string) => Promise<RunbookDefinition> = loadRunbook,
): Promise<OpenedRun> {
  const id = runId ?? latestUnfinished(stateDir);
  const paths = namedRunPaths(stateDir, id);
  const releaseRun = acquireLock(paths.lock, holder(), `run ${id}`);
  // with the run's lock held, a temp file in its directory is a killed writer's leftover
  for (const entry of readdirSync(paths.dir)) if (entry.endsWith('.tmp')) rmSync(join(paths.dir, entry), { force: true });
  let releaseTarget = () => {};
  try {
    // the journal is the record; the checkpoint, a cache of it, is brought up to date or rebuilt
    const restored = await restoreRun(paths, id, load);
    const { envelope, chain, runbook } = restored;
    if (envelope.status !== 'active' && !restored.endUnrecorded) {
      if (!chain.torn) repairEndedCheckpoint(paths.checkpoint, envelope, chain);
      endedAlready(runbook, id, envelope);
    }
    const target = await plugs.target(runbook, envelope.target);
    const runner = await plugs.runner(runbook, target, paths.dir);
    preflight(runbook, target, runner, envelope.state);
    releaseTarget = acquireTargetLocks(stateDir, target, holder());
    cutCrashTail(paths.journal, chain);
    const session = openSession(runbook, id, target, runner, envelope.createdAt, paths, plugs, chain);
    if (restored.stepNumbers) session.stepNumbers = restored.stepNumbers;
    session.journalCheck.active = true;
    recordRepair(session.journal, chain);
    session.journal.append({ type: 'run-resumed', by: session.operator.who, state: envelope.state, via: session.operator.via }, { sync: false });
    session.log.info({ runId: id, state: envelope.state, rebuilt: restored.rebuilt }, 'run resumed');
    refreshCheckpoint(session, envelope);
    if (restored.rebuilt) session.reporter.notice(`The checkpoint was rebuilt from the journal (${restored.rebuilt}).`);
    const at = fillForPeople(stateMeta(runbook.machine, envelope.state)?.title ?? envelope.state, textValues(runbook.machine, envelope.state, (envelope.snapshot as { context?: unknown }).context));
    session.reporter.notice(`Resuming run ${id} of "${runbook.title}" at "${at}" (last checkpoint ${envelope.updatedAt}).`);
    return opened(session, envelope.snapshot, () => {
      releaseTarget();
      releaseRun();
    });
  } catch (error) {
    releaseTarget();
    releaseRun();
    throw error;
  }
}

export function openSession(
  runbook: RunbookDefinition,
  runId: string,
  target: ResolvedTarget,
  runner: Runner,
  createdAt: string,
  paths: ReturnType<typeof runPaths>,
  plugs: RunPlugs,
  chain: ChainHead,
): RunSession {
  const scrubber = new Scrubber();
  const operator = plugs.operator(scrubber, runbook);
  const journal = new Journal(paths.journal, scrubber.scrub, chain);
  return {
    runbook,
    runId,
    target: target.id,
    resolvedTarget: target,
    createdAt,
    machineHash: machineHash(runbook.machine),
    paths,
    runner,
    operator,
    reporter: plugs.reporter,
    journal,
    scrubber,
    secrets: secretSource(operator, scrubber, journal),
    log: openDiagnosticLog(paths.log, scrubber.scrub, plugs.verbose),
    stepNumbers: stepNumbers(chain),
    journalCheck: { active: false },
    abortRequested: false,
    interrupt: () => {},
  };
}

export function opened(session: RunSession, persisted: unknown, release: () => void): OpenedRun {
  return {
    session,
    start: () => driveRun(session, persisted),
    release: () => {
      session.flushCheckpoint?.();
      session.journal.close();
      session.operator.close();
      release();
    },
  };
}

export interface RunListing {
  runId: string;
  envelope: CheckpointEnvelope | null;
  problem: string | null;
}

/** Every run in the state directory, newest first; an unreadable checkpoint is listed with its problem. */
export function listRuns(stateDir: string): RunListing[] {
  const dir = runsDir(stateDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .reverse()
    .map((runId) => {
      const paths = runPaths(stateDir, runId);
      // killed between creating its directory and its first checkpoint: it never started
      if (!existsSync(paths.checkpoint) && !existsSync(paths.journal)) return { runId, envelope: null, problem: 'never started' };
      try {
        return { runId, envelope: readCheckpoint(paths.checkpoint), problem: null };
      } catch (error) {
        return { runId, envelope: null, problem: (error as Error).message };
      }
    });
}

/**
 * Removes the directories of runs that never started: a process killed between creating a run's
 * directory and its first journal record left it, with nothing in it that records anything. One
 * whose lock a live process holds is being created now and is left alone, as is a young one
 * without a lock (its creator may be about to take it).
 */
export function pruneNeverStarted(stateDir: string): string[] {
  const removed: string[] = [];
  for (const run of listRuns(stateDir)) {
    if (run.problem !== 'never started') continue;
    const paths = runPaths(stateDir, run.runId);
    try {
      if (!existsSync(paths.lock) && Date.now() - statSync(paths.dir).mtimeMs < 10_000) continue;
      const release = acquireLock(paths.lock, holder(), `run ${run.runId}`);
      if (existsSync(paths.checkpoint) || existsSync(paths.journal)) {
        release();
        continue;
      }
      rmSync(paths.dir, { recursive: true, force: true });
      removed.push(run.runId);
    } catch {
      // in use, or not removable: it stays listed as never started
    }
  }
  return removed;
}

function latestUnfinished(stateDir: string): string {
  const runs = listRuns(stateDir);
  const run = runs.find((r) => r.envelope?.status === 'active' || (r.problem !== null && r.problem !== 'never started'));
  if (!run) throw new UserError(`no unfinished run in ${runsDir(stateDir)} (see: runbook runs)`, ExitCode.state);
  return run.runId;
}

/** The numbers the attempts of a resumed run were shown with, in the order they started. */
function stepNumbers(chain: ChainHead): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const record of (chain as Partial<JournalCheck>).records ?? []) {
    if (record.type === 'step-started' && !numbers.has(record.attemptId)) numbers.set(record.attemptId, numbers.size + 1);
  }
  return numbers;
}

/** Resume of a run that reached its end (killed after its final checkpoint): it is reported as ended, with its outcome's exit code. */
function endedAlready(runbook: RunbookDefinition, id: string, envelope: CheckpointEnvelope): never {
  const meta = stateMeta(runbook.machine, envelope.state);
  const code = { success: ExitCode.ok, 'nothing-to-do': ExitCode.ok, 'handed-over': ExitCode.handedOver, aborted: ExitCode.aborted }[envelope.outcome ?? 'aborted'] ?? ExitCode.state;
  throw new UserError(`run ${id} already ended: "${meta?.title ?? envelope.state}" (${envelope.outcome ?? envelope.status}); nothing to resume`, code);
}
