import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import type { JournalRecord, TimedRecord } from './records.js';

/**
 * The append-only JSONL journal. Every record is fdatasync'd before `append` returns, so a
 * "step started" record is on disk before the step's side effect begins.
 */
export class Journal {
  private readonly fd: number;

  constructor(
    readonly path: string,
    private readonly scrub: (text: string) => string,
  ) {
    this.fd = openSync(path, 'a', 0o600);
  }

  append(record: JournalRecord): TimedRecord {
    const timed = { at: new Date().toISOString(), ...record } as TimedRecord;
    writeSync(this.fd, this.scrub(JSON.stringify(timed)) + '\n');
    fdatasyncSync(this.fd);
    return timed;
  }

  close(): void {
    closeSync(this.fd);
  }
}
