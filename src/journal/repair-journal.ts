import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Journal } from './append-journal.js';
import type { JournalCheck } from './verify-journal.js';

/**
 * Repairs a crash tail before a run continues: a half-written last line is cut off (it was never
 * acknowledged, so nothing relied on it); a whole last record that only lacks its newline gets it.
 * Only the tail is ever touched, and only after the chain before it was checked.
 */
export function cutCrashTail(path: string, check: JournalCheck): void {
  if (!check.torn) return;
  const fd = openSync(path, 'r+');
  try {
    if (check.torn.complete) writeSync(fd, '\n', check.torn.offset + check.torn.bytes);
    else ftruncateSync(fd, check.torn.offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The journal says what was repaired, as the first record after the repair. */
export function recordRepair(journal: Journal, check: JournalCheck): void {
  const torn = check.torn;
  if (!torn) return;
  journal.append(
    torn.complete
      ? { type: 'journal-repaired', reason: 'the last record lacked its newline (a crash while it was written); the newline was added', droppedBytes: 0 }
      : {
          type: 'journal-repaired',
          reason: 'the last line was torn by a crash while it was written; it was cut off',
          droppedBytes: torn.bytes,
          droppedSha256: torn.sha256,
        },
  );
}
