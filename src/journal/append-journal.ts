import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import type { JournalRecord, TimedRecord } from './records.js';
import { chainedLine, EMPTY_CHAIN, lineHash, type ChainHead } from './hash-chain.js';
import { faultArmed, freezeAt } from '../run/fault.js';
import { stateWriteError } from '../state-errors.js';

/**
 * The append-only JSONL journal, hash-chained (see hash-chain.ts). Every record is fdatasync'd
 * before `append` returns, so a "step started" record is on disk before the step's side effect begins.
 * `chain` is where an existing journal stands; it is checked once when the run is opened.
 */
export class Journal {
  private readonly fd: number;
  private chain: ChainHead;

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
    this.chain = { ...chain };
  }

  /** The hash of the last record and how many there are. */
  get head(): ChainHead {
    return { ...this.chain };
  }

  append(record: JournalRecord): TimedRecord {
    const timed = { at: new Date().toISOString(), ...record } as TimedRecord;
    const line = chainedLine(this.chain, this.scrub(JSON.stringify(timed)));
    const bytes = Buffer.from(line, 'utf8');
    tearForCrashTests(this.fd, record.type, bytes);
    try {
      writeSync(this.fd, Buffer.concat([bytes, Buffer.from('\n')]));
      fdatasyncSync(this.fd);
    } catch (error) {
      // a part of the line may have reached the disk: resume cuts such a tail off, as after a crash
      throw stateWriteError(error, this.path);
    }
    this.chain = { count: this.chain.count + 1, head: lineHash(bytes) };
    return { n: this.chain.count, ...timed };
  }

  close(): void {
    closeSync(this.fd);
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
