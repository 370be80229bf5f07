import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { TimedRecord } from './records.js';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';

/**
 * Every record, without checking the chain (verify-journal.ts does that once per open). A torn
 * last line (a crash mid-append, no newline) is left out, as it was never acknowledged; an
 * unreadable line anywhere else is refused, never read as if it were absent.
 */
export function readJournal(path: string): TimedRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const tail = lines.pop() ?? '';
  const records = parseLines(lines, path);
  try {
    if (tail.trim()) records.push(JSON.parse(tail) as TimedRecord);
  } catch {
    // the torn tail of a crash
  }
  return records;
}

function parseLines(lines: string[], path: string): TimedRecord[] {
  const records: TimedRecord[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as TimedRecord);
    } catch {
      throw new UserError(`journal ${path} has an unreadable record; nothing was done (see: runbook verify)`, ExitCode.state);
    }
  }
  return records;
}

/**
 * The records of the given attempts, read backwards from the end of the file until each
 * attempt's "step-started" is found, so resume costs the same however long the history is.
 */
export function readAttemptRecords(path: string, attemptIds: string[]): TimedRecord[] {
  if (!existsSync(path) || attemptIds.length === 0) return [];
  const wanted = new Set(attemptIds);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const found: TimedRecord[] = [];
    let position = size;
    let carry = '';
    const chunk = 64 * 1024;
    while (position > 0 && wanted.size > 0) {
      const length = Math.min(chunk, position);
      position -= length;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, position);
      const text = buffer.toString('utf8') + carry;
      const lines = text.split('\n');
      carry = position > 0 ? (lines.shift() ?? '') : '';
      for (const record of parseLines(lines, path).reverse()) {
        if (!('attemptId' in record) || !record.attemptId || !attemptIdsMatch(record.attemptId, attemptIds)) continue;
        found.push(record);
        if (record.type === 'step-started') wanted.delete(record.attemptId);
      }
    }
    // a non-empty carry here is the partial line at the edge of the last chunk read, after every
    // attempt was found: it was never meant to be parsed (the first line of the file comes with
    // position 0, whole, inside the loop)
    return found.reverse();
  } finally {
    closeSync(fd);
  }
}

function attemptIdsMatch(id: string, ids: string[]): boolean {
  return ids.includes(id);
}
