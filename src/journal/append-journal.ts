import { closeSync, fdatasyncSync, fstatSync, openSync, writeSync } from 'node:fs';
import type { JournalRecord, TimedRecord } from './records.js';
import { chainedLine, EMPTY_CHAIN, lineHash, type ChainHead } from './hash-chain.js';
import { faultArmed, freezeAt } from '../run/fault.js';
import { stateWriteError } from '../state-errors.js';

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
  private chain: ChainHead;
  private offset: number;
  private bytes: number;
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
    this.chain = { count: chain.count, head: chain.head };
    this.bytes = fstatSync(this.fd).size;
    this.offset = (chain as Partial<JournalPosition>).offset ?? this.bytes;
  }

  /** The hash of the last record and how many there are. */
  get head(): ChainHead {
    return { ...this.chain };
  }

  /** The head, and the byte range of the last line (for the checkpoint's anchor). */
  get position(): JournalPosition {
    return { ...this.chain, offset: this.offset, bytes: this.bytes };
  }

  append(record: JournalRecord, options: { sync?: boolean } = {}): TimedRecord {
    const timed = { at: new Date().toISOString(), ...record } as TimedRecord;
    const line = chainedLine(this.chain, this.scrub(JSON.stringify(timed)));
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    const body = bytes.subarray(0, bytes.length - 1);
    tearForCrashTests(this.fd, record.type, body);
    try {
      writeSync(this.fd, bytes);
      if (options.sync === false) this.unsynced = true;
      else this.sync(true);
    } catch (error) {
      // a part of the line may have reached the disk: resume cuts such a tail off, as after a crash
      throw stateWriteError(error, this.path);
    }
    this.chain = { count: this.chain.count + 1, head: lineHash(body) };
    this.offset = this.bytes;
    this.bytes += bytes.length;
    return { n: this.chain.count, ...timed };
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
function tearForCrashTests(fd: number, type: string, bytes: Buffer): void {
  const point = `journal-torn:${type}`;
  if (!faultArmed(point)) return;
  writeSync(fd, bytes.subarray(0, Math.floor(bytes.length / 2)));
  fdatasyncSync(fd);
  freezeAt(point);
}
