import { closeSync, constants, fstatSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { stateWriteError } from '../state-errors.js';

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new file, never a torn
 * one. A write that fails (disk full, not writable) leaves no temp file behind.
 */
export function writeFileAtomic(path: string, data: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    fsyncDirectory(dirname(path));
  } catch (error) {
    rmSync(temp, { force: true });
    throw stateWriteError(error, path);
  }
}

/**
 * Overwrites `path` in place with `data`, without waiting for the disk, for files that are caches
 * of a durable record (the checkpoint, rebuilt from the journal when unusable). Text shorter than
 * the file is padded with spaces (JSON allows them), so the file is never truncated: one write
 * call, no rename. On ext4 a rename or a truncation over a file starts a flush of its blocks,
 * which cost 0.3 to 1 ms a checkpoint here; this costs a few microseconds. A process crash
 * leaves the old or the new text; a power loss may leave a mix, which the reader finds corrupt;
 * a reader at the moment of a write may see a mix too, and reads again (see readCheckpoint).
 */
export function overwriteInPlace(path: string, data: string): void {
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      const bytes = Buffer.byteLength(data);
      const size = fstatSync(fd).size;
      writeSync(fd, size > bytes ? data + ' '.repeat(size - bytes) : data, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
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
