import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';

/** Where run state lives: --state-dir, then RUNBOOK_STATE_DIR, then the user's state directory. */
export function stateDir(flag?: string): string {
  if (flag) return flag;
  const env = process.env.RUNBOOK_STATE_DIR;
  if (env) return env;
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'runbook');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'runbook');
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'runbook');
}

export interface RunPaths {
  dir: string;
  checkpoint: string;
  journal: string;
  log: string;
  lock: string;
}

export function runsDir(state: string): string {
  return join(state, 'runs');
}

export function runPaths(state: string, runId: string): RunPaths {
  const dir = join(runsDir(state), runId);
  return {
    dir,
    checkpoint: join(dir, 'checkpoint.json'),
    journal: join(dir, 'journal.jsonl'),
    log: join(dir, 'diagnostic.log'),
    lock: join(dir, 'run.lock'),
  };
}

/** One lock per target, keyed by what the runner kind says makes it one (a server, a simulation). */
export function targetLockPath(state: string, lockKey: string): string {
  const safe = lockKey.replace(/[^A-Za-z0-9._-]+/g, '_');
  return join(state, 'locks', `${safe}.lock`);
}

/** Sortable, readable, unique enough for one operator: 20261124-145402-3f9a. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

/**
 * The paths of a run a person named: the id is checked against the shape of a run id before it
 * touches a path (`../..` never leaves the state directory), and the run must exist.
 */
export function namedRunPaths(state: string, runId: string): RunPaths {
  const paths = RUN_ID.test(runId) ? runPaths(state, runId) : null;
  if (!paths || !existsSync(paths.dir)) throw new UserError(`no run named ${runId}; runbook runs lists them`, ExitCode.state);
  return paths;
}
