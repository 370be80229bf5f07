import { createHash } from 'node:crypto';

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
  return createHash('sha256').update(line).digest('hex');
}

/** Where the chain stands: the next record is number `count + 1` and links to `head`. */
export interface ChainHead {
  count: number;
  head: string;
}

export const EMPTY_CHAIN: ChainHead = { count: 0, head: GENESIS };

/**
 * One journal line. The chain fields come first and are added after scrubbing, so the scrubber
 * (which only knows secret values) can never alter a link.
 */
export function chainedLine(chain: ChainHead, scrubbedJson: string): string {
  return `{"n":${chain.count + 1},"prev":"${chain.head}",${scrubbedJson.slice(1)}`;
}
