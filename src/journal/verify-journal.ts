import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import { GENESIS, lineHash, sumHolds, type ChainHead } from './hash-chain.js';
import type { TimedRecord } from './records.js';

export type ProblemKind = 'changed' | 'removed' | 'reordered' | 'inserted' | 'rewritten';

/** The first record that fails its check, by its number (its line in the file). */
export interface ChainProblem {
  record: number;
  kind: ProblemKind;
  message: string;
}

/** The last line was being written when the process died: no newline, or not a whole chained record. */
export interface TornTail {
  offset: number;
  bytes: number;
  sha256: string;
  /** The line is a whole chained record that only lacks its newline. */
  complete: boolean;
}

export interface JournalCheck extends ChainHead {
  /** The records checked: all of them, or those after `from` for a check of the tail. */
  records: TimedRecord[];
  /** Hash of every record checked, record `from.count + i + 1` at index i. */
  hashes: string[];
  /** Where the last line starts and ends in the file. */
  offset: number;
  bytes: number;
  /** Set for a check of the tail only: the records up to it were not read again. */
  from?: TailStart;
  torn: TornTail | null;
  problem: ChainProblem | null;
}

interface Line {
  raw: Buffer;
  hash: string;
  record: TimedRecord | null;
  sealed: boolean;
}

/** A known-good record to check the tail from: record `count`, whose line is `head` and spans [offset, bytes). */
export interface TailStart extends ChainHead {
  offset: number;
  bytes: number;
}

/**
 * Checks the whole chain once (linear in the journal's size): every record's `prev` must be the
 * hash of the line before it and its `n` its position. A record that fails is never skipped as if
 * it were absent; the first failure is classified by looking at its neighbours.
 *
 * With `from` (a checkpoint's anchor) only the tail is read: the line at `from` must still hash
 * to `from.head` (else null: the anchor does not fit this journal, check it all), and the records
 * after it are checked as above. `runbook verify` always checks everything.
 */
export function checkJournal(path: string): JournalCheck;
export function checkJournal(path: string, from: TailStart): JournalCheck | null;
export function checkJournal(path: string, from?: TailStart): JournalCheck | null {
  let data: Buffer;
  let base = 0;
  if (from) {
    const tail = readFrom(path, from.offset);
    if (!tail || tail.length < from.bytes - from.offset || tail[from.bytes - from.offset - 1] !== 0x0a) return null;
    if (lineHash(tail.subarray(0, from.bytes - from.offset - 1)) !== from.head) return null;
    base = from.bytes;
    data = tail.subarray(from.bytes - from.offset);
  } else {
    data = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
  }
  const origin: ChainHead = from ? { count: from.count, head: from.head } : { count: 0, head: GENESIS };
  const lines: Line[] = [];
  const starts: number[] = [];
  let start = 0;
  for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
    lines.push(toLine(data.subarray(start, end)));
    starts.push(start);
    start = end + 1;
  }
  let torn: TornTail | null = null;
  let end = start;
  if (start < data.length) {
    const raw = data.subarray(start);
    const line = toLine(raw);
    const previous = lines.at(-1)?.hash ?? origin.head;
    const complete = line.sealed && line.record?.prev === previous && line.record?.n === origin.count + lines.length + 1;
    torn = { offset: base + start, bytes: raw.length, sha256: line.hash, complete };
    if (complete) {
      lines.push(line);
      starts.push(start);
      end = data.length + 1;
    }
  }
  const problem = firstProblem(lines, origin);
  const hashes = lines.map((l) => l.hash);
  const last = lines.length > 0;
  return {
    records: lines.map((l) => l.record).filter((r): r is TimedRecord => r !== null),
    hashes,
    count: origin.count + lines.length,
    head: hashes.at(-1) ?? origin.head,
    offset: last ? base + starts.at(-1)! : (from?.offset ?? 0),
    bytes: last ? base + end : (from?.bytes ?? 0),
    ...(from ? { from } : {}),
    torn,
    problem,
  };
}

/** The file from `offset` on, or null when it is shorter. */
function readFrom(path: string, offset: number): Buffer | null {
  if (!existsSync(path)) return null;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < offset) return null;
    const buffer = Buffer.alloc(size - offset);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function toLine(raw: Buffer): Line {
  let record: TimedRecord | null = null;
  try {
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) record = parsed as TimedRecord;
  } catch {
    // unreadable: a change (or, as the unterminated last line, a crash tail)
  }
  return { raw, hash: lineHash(raw), record, sealed: record !== null && sumHolds(raw.toString('utf8')) };
}

function firstProblem(lines: Line[], origin: ChainHead): ChainProblem | null {
  // before the origin nothing is known but the origin's own hash
  const hashAt = (index: number) => (index >= 0 ? lines[index]!.hash : index === -1 ? origin.head : undefined);
  for (let i = 0; i < lines.length; i++) {
    const number = origin.count + i + 1;
    const record = lines[i]!.record;
    const linked = record?.prev === hashAt(i - 1);
    const numbered = record?.n === number;
    if (linked && numbered && lines[i]!.sealed) continue;
    // it links to a record that comes after it: records were moved
    if (record && lines.slice(i + 1).some((l) => l.hash === record.prev)) {
      return { record: number, kind: 'reordered', message: `record ${number} is out of order (record ${record.n} stands in its place)` };
    }
    const next = lines[i + 1]?.record;
    // the record after this one links straight past it: this one was put in
    if (next && next.prev === hashAt(i - 1) && next.prev !== undefined) {
      return { record: number, kind: 'inserted', message: `record ${number} was inserted (record ${number + 1} links to the record before it)` };
    }
    if (!record) return { record: number, kind: 'changed', message: `record ${number} was changed (it is not a readable record)` };
    if (!lines[i]!.sealed) return { record: number, kind: 'changed', message: `record ${number} was changed (its content does not match its sum)` };
    if (i >= 1 && record.prev === hashAt(i - 2) && record.prev !== undefined) {
      return { record: number - 1, kind: 'inserted', message: `record ${number - 1} was inserted (record ${number} links to the record before it)` };
    }
    if (linked || typeof record.n !== 'number') {
      return { record: number, kind: 'changed', message: `record ${number} was changed (its record number reads ${JSON.stringify(record.n)})` };
    }
    if (record.n === number) {
      const changed = Math.max(1, number - 1);
      return number === 1 && origin.count === 0
        ? { record: 1, kind: 'changed', message: 'record 1 was changed (it does not start the chain)' }
        : { record: changed, kind: 'changed', message: `record ${changed} was changed (record ${number} recorded a different hash for it)` };
    }
    if (record.n < number || lines.slice(i + 1).some((l) => l.record?.n === number)) {
      return { record: number, kind: 'reordered', message: `record ${number} is out of order (record ${record.n} stands in its place)` };
    }
    return { record: number, kind: 'removed', message: `record ${number} was removed (the record in its place is number ${record.n})` };
  }
  return null;
}

/**
 * Checks that the chain ends at a head recorded elsewhere (a change ticket). A head found earlier
 * in the chain means records were appended after it was taken (a rerun): that history still holds.
 */
export function checkHead(check: JournalCheck, head: string): { problem: ChainProblem | null; appendedAfter: number } {
  const wanted = head.trim().toLowerCase();
  const index = check.hashes.lastIndexOf(wanted);
  if (check.from) throw new Error('checkHead needs a check of the whole journal');
  if (index === -1) {
    return {
      problem: {
        record: check.count,
        kind: 'rewritten',
        message: `record ${check.count} (the last) is not head ${wanted} and no record is: the journal was rewritten (its head is now ${check.head})`,
      },
      appendedAfter: 0,
    };
  }
  return { problem: null, appendedAfter: check.count - (index + 1) };
}

/**
 * The records of a run whose chain holds; a damaged chain is refused with one line naming the
 * record (exit 5). A torn last line from a crash is not a damage: it is left out (resume repairs it).
 */
export function verifiedJournal(path: string, runId: string): JournalCheck;
export function verifiedJournal(path: string, runId: string, from: TailStart): JournalCheck | null;
export function verifiedJournal(path: string, runId: string, from?: TailStart): JournalCheck | null {
  const check = from ? checkJournal(path, from) : checkJournal(path);
  if (check?.problem) {
    throw new UserError(`journal of run ${runId} is damaged: ${check.problem.message}; nothing was done (see: runbook verify ${runId})`, ExitCode.state);
  }
  return check;
}
