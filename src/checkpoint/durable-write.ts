import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { stateWriteError } from '../state-errors.js';

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new file, never a torn
 * one. A write that fails (disk full, not writable) leaves no temp file behind.
 */
export function writeFileAtomic(path: string, data: string): void {
  replaceByRename(path, data, true);
}

/**
 * Replaces `path` with `data` by a rename, without waiting for the disk: a process crash leaves
 * the old or the new file; a power loss may leave either, an empty file or none. For files that
 * are caches of a durable record (the checkpoint, rebuilt from the journal when unusable).
 */
export function replaceFile(path: string, data: string): void {
  replaceByRename(path, data, false);
}

function replaceByRename(path: string, data: string, durable: boolean): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, data);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    if (durable) fsyncDirectory(dirname(path));
  } catch (error) {
    rmSync(temp, { force: true });
    throw stateWriteError(error, path);
  }
}

/** Makes a rename or a new file in `dir` durable (POSIX; Windows has no directory handles). */
export function fsyncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
