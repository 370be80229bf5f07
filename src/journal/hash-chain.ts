import { hash } from 'node:crypto';

/**
 * The journal is a hash chain: every line starts with its record number `n` and `prev`, the
 * SHA-256 of the line before it (its exact bytes, without the newline). The hash of the last
 * line, the head, therefore commits to the whole run: change, remove, reorder or insert a
 * record and some later `prev` no longer matches; rewrite the file consistently and the head
 * changes, which `runbook verify --head` catches against a head recorded elsewhere (the ticket).
 */

/** The `prev` of record 1: nothing comes before it. */
export const GENESIS = '0'.repeat(64);

export function lineHash(line: Buffer | string): string {
  return hash('sha256', line, 'hex');
}

/** Where the chain stands: the next record is number `count + 1` and links to `head`. */
export interface ChainHead {
  count: number;
  head: string;
}

export const EMPTY_CHAIN: ChainHead = { count: 0, head: GENESIS };

/**
 * One journal line. The chain fields come first and are added after scrubbing, so the scrubber
 * (which only knows secret values) can never alter a link. The line ends with `sum`, the SHA-256
 * of the line before it was added: the chain protects a record through the one after it, so
 * without `sum` a damaged *last* record (the step in flight at a crash) would go unnoticed.
 */
export function chainedLine(chain: ChainHead, scrubbedJson: string): string {
  const core = `{"n":${chain.count + 1},"prev":"${chain.head}",${scrubbedJson.slice(1)}`;
  return `${core.slice(0, -1)},"sum":"${lineHash(core)}"}`;
}

const SUM = /,"sum":"([0-9a-f]{64})"\}$/;

/** Whether a line's own `sum` matches its content. */
export function sumHolds(line: string): boolean {
  const match = SUM.exec(line);
  return match !== null && lineHash(`${line.slice(0, match.index)}}`) === match[1];
}
