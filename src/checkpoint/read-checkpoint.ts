import { readFileSync } from 'node:fs';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import { CHECKPOINT_SCHEMA, type CheckpointEnvelope } from './envelope.js';

/** Reads and validates a checkpoint; anything unusable is a one-line error and the file is left as it is. */
export function readCheckpoint(path: string): CheckpointEnvelope {
  let data: unknown;
  // the run writing it overwrites it in place (one write call; see overwriteInPlace): a read that
  // met a write half done reads again, after 1, 2, 4... ms. Text that stays the same and
  // unusable across reads 7 ms apart is corrupt; text that keeps changing is being written.
  let previous: string | undefined;
  for (let attempt = 1; data === undefined; attempt++) {
    const text = readText(path);
    try {
      data = JSON.parse(text);
    } catch (error) {
      if ((text === previous && attempt >= 4) || attempt === 8) throw corrupt(path, error);
      previous = text;
      Atomics.wait(PAUSE, 0, 0, 2 ** (attempt - 1));
    }
  }
  const problem = envelopeProblem(data);
  if (problem) throw new UserError(`checkpoint ${path} is not usable: ${problem}; it was left untouched`, ExitCode.state);
  return data as CheckpointEnvelope;
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function corrupt(path: string, error: unknown): UserError {
  return new UserError(`checkpoint ${path} is corrupt or truncated (${(error as Error).message}); it was left untouched`, ExitCode.state);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`no checkpoint at ${path} (${code ?? 'unreadable'})`, ExitCode.state);
  }
}

function envelopeProblem(data: unknown): string | null {
  if (data === null || typeof data !== 'object') return 'not an object';
  const e = data as Record<string, unknown>;
  if (e.schema !== CHECKPOINT_SCHEMA) return `schema ${JSON.stringify(e.schema)} is not ${CHECKPOINT_SCHEMA}`;
  for (const key of ['runId', 'runbookId', 'machineHash', 'target', 'createdAt', 'state'] as const) {
    if (typeof e[key] !== 'string') return `field '${key}' is missing`;
  }
  if (!['active', 'done', 'error'].includes(e.status as string)) return "field 'status' is missing";
  const snapshot = e.snapshot as Record<string, unknown> | null;
  if (!snapshot || typeof snapshot !== 'object' || !('value' in snapshot) || typeof snapshot.context !== 'object') {
    return 'the snapshot is missing or incomplete';
  }
  return null;
}
