import { closeSync, fdatasyncSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { JournalRecord } from './records.js';
import { chainedLine, EMPTY_CHAIN, lineHash, type ChainHead } from './hash-chain.js';
import { faultArmed, faultsArmed, freezeAt } from '../run/fault.js';
import { stateWriteError } from '../state-errors.js';

/** `append`'s options: durable when it returns (the default), or durable with the next sync. */
export const SYNCED = { sync: true } as const;
export const LAZY = { sync: false } as const;

/** Where the journal stands: its chain head, and where its last line starts and ends in the file. */
export interface JournalPosition extends ChainHead {
  offset: number;
  bytes: number;
}

/**
 * The append-only JSONL journal, hash-chained (see hash-chain.ts), and the run's durable record.
 * `append` writes the line and, unless asked for `{ sync: false }`, fdatasyncs it before it
 * returns (which also makes every line written before it durable: one sync commits a group).
 * A lazy line is in the file at once (a process crash keeps it) and durable with the next sync:
 * that is enough for records whose loss in a power cut only repeats safe work, such as the
 * "started" record of a step that is safe to repeat.
 * `chain` is where an existing journal stands; it is checked when the run is opened.
 */
export class Journal {
  private readonly fd: number;
  /** Where the journal stands; replaced, never changed, by each append. */
  private stand: JournalPosition;
  private unsynced = false;

  constructor(
    readonly path: string,
    private readonly scrub: (text: string) => string,
    chain: ChainHead = EMPTY_CHAIN,
  ) {
    try {
      this.fd = openSync(path, 'a', 0o600);
    } catch (error) {
      throw stateWriteError(error, path);
    }
    const bytes = fstatSync(this.fd).size;
    this.stand = { count: chain.count, head: chain.head, offset: (chain as Partial<JournalPosition>).offset ?? bytes, bytes };
  }

  /** The hash of the last record and how many there are. */
  get head(): ChainHead {
    return { count: this.stand.count, head: this.stand.head };
  }

  /** The head, and the byte range of the last line (for the checkpoint's anchor); it never changes once returned. */
  get position(): JournalPosition {
    return this.stand;
  }

  /**
   * One line per record, built as text: `{"n","prev","at",...record,"sum"}`. This runs twice for
   * every step, so the line is not built from spread copies and is written as the string itself.
   */
  append(record: JournalRecord, options: { sync?: boolean } = SYNCED): void {
    const json = `{"at":"${new Date().toISOString()}",${JSON.stringify(record).slice(1)}`;
    const line = chainedLine(this.stand, this.scrub(json));
    tearForCrashTests(this.fd, record.type, line);
    try {
      writeSync(this.fd, `${line}\n`);
      if (options.sync === false) this.unsynced = true;
      else this.sync(true);
    } catch (error) {
      // a part of the line may have reached the disk: resume cuts such a tail off, as after a crash
      throw stateWriteError(error, this.path);
    }
    const { count, bytes } = this.stand;
    this.stand = { count: count + 1, head: lineHash(line), offset: bytes, bytes: bytes + Buffer.byteLength(line) + 1 };
  }

  /** Makes every line written so far durable (nothing to do when they are). */
  sync(force = false): void {
    if (!force && !this.unsynced) return;
    fdatasyncSync(this.fd);
    this.unsynced = false;
  }

  close(): void {
    try {
      this.sync();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** RUNBOOK_FAULT=journal-torn:<type>: half the line reaches the disk, then the process freezes for the kill. */
function tearForCrashTests(fd: number, type: string, line: string): void {
  if (!faultsArmed) return;
  const point = `journal-torn:${type}`;
  if (!faultArmed(point)) return;
  const bytes = Buffer.from(line, 'utf8');
  writeSync(fd, bytes.subarray(0, Math.floor(bytes.length / 2)));
  fdatasyncSync(fd);
  freezeAt(point);
}
