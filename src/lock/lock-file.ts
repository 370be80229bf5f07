import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import { makeStateDir, stateWriteError } from '../state-errors.js';

interface LockOwner {
  pid: number;
  /** The process's start time as the kernel knows it, so a recycled pid is not mistaken for the owner. */
  processStart: string | null;
  host: string;
  since: string;
  holder: string;
}

/**
 * An exclusive lock file (pid + process start time). A lock left by a killed process is
 * detected and taken over; a live owner is reported in one line.
 */
export function acquireLock(path: string, holder: string, what: string): () => void {
  makeStateDir(dirname(path));
  const owner: LockOwner = { pid: process.pid, processStart: processStart(process.pid), host: hostname(), since: new Date().toISOString(), holder };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(owner));
      fsyncSync(fd);
      closeSync(fd);
      return () => release(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw stateWriteError(error, path);
    }
    const current = readOwner(path);
    if (current === 'vanished') continue;
    if (current !== null && isAlive(current)) {
      throw new UserError(
        `${what} is in use by ${current.holder} (pid ${current.pid} on ${current.host}, since ${current.since})`,
        ExitCode.locked,
      );
    }
    try {
      unlinkSync(path);
    } catch {
      // another process took it over first; the next attempt sees its lock
    }
  }
  throw new UserError(`${what} is being locked by another process; try again`, ExitCode.locked);
}

function release(path: string): void {
  const current = readOwner(path);
  if (current !== null && current !== 'vanished' && current.pid === process.pid && current.host === hostname()) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}

function readOwner(path: string): LockOwner | null | 'vanished' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 'vanished';
  }
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    // a torn lock file: its writer died while writing, unless it is writing right now
    try {
      return Date.now() - statSync(path).mtimeMs < 2000 ? { pid: -1, processStart: null, host: '?', since: '?', holder: 'a starting process' } : null;
    } catch {
      return 'vanished';
    }
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.pid === -1) return true;
  if (owner.host !== hostname()) return true; // cannot check another host: respect its lock
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const fields = procStat(owner.pid);
  if (fields?.[0] === 'Z') return false; // killed, not yet reaped by its parent
  const start = fields?.[19] ?? null;
  return owner.processStart === null || start === null || start === owner.processStart;
}

function processStart(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/** Fields of /proc/<pid>/stat from the state on (Linux); null elsewhere or when gone. */
function procStat(pid: number): string[] | null {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces; fields after its closing parenthesis are fixed
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
