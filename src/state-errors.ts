import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { UserError } from './user-error.js';

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The state directory could not take a write: the disk is full, or it is not writable. One line
 * that names the cause; the run stays as it was on disk and `resume` continues once fixed.
 */
export class StateWriteError extends UserError {
  constructor(message: string) {
    super(message, ExitCode.state);
    this.name = 'StateWriteError';
  }
}

/** Turns a file-system error while writing `path` into a StateWriteError; other errors pass through. */
export function stateWriteError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  if (FULL.has(code)) return new StateWriteError(`disk full while saving ${path} (${code}); free some space`);
  if (NOT_WRITABLE.has(code)) return new StateWriteError(`state directory ${dirname(path)} is not writable (${code}); use --state-dir or fix its permissions`);
  return error;
}

/** Creates a directory of the state directory, or says in one line why it cannot be. */
export function makeStateDir(dir: string, mode?: number): void {
  try {
    mkdirSync(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  } catch (error) {
    // a recursive mkdir refused by a read-only file system reports ENOENT: ask the first missing level
    let first = dir;
    while (!existsSync(dirname(first)) && dirname(first) !== first) first = dirname(first);
    try {
      mkdirSync(first);
    } catch (inner) {
      throw stateWriteError(inner, `${dir}/`);
    }
    throw stateWriteError(error, `${dir}/`);
  }
}
