import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import type { TimedRecord } from './records.js';

/** Every record; a torn last line (a crash mid-append) is ignored, as it was never acknowledged. */
export function readJournal(path: string): TimedRecord[] {
  if (!existsSync(path)) return [];
  return parseLines(readFileSync(path, 'utf8').split('\n'));
}

function parseLines(lines: string[]): TimedRecord[] {
  const records: TimedRecord[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as TimedRecord);
    } catch {
      // torn or foreign line: not part of the acknowledged history
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
      for (const record of parseLines(lines).reverse()) {
        if (!('attemptId' in record) || !record.attemptId || !attemptIdsMatch(record.attemptId, attemptIds)) continue;
        found.push(record);
        if (record.type === 'step-started') wanted.delete(record.attemptId);
      }
    }
    if (carry) {
      for (const record of parseLines([carry])) {
        if ('attemptId' in record && record.attemptId && attemptIdsMatch(record.attemptId, attemptIds)) found.push(record);
      }
    }
    return found.reverse();
  } finally {
    closeSync(fd);
  }
}

function attemptIdsMatch(id: string, ids: string[]): boolean {
  return ids.includes(id);
}
