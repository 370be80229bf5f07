import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError } from '../user-error.js';

/** An answer: one value, successive values (one per time asked), or values by key ("*" for any other key). */
export type AnswerValue = string | string[] | { [key: string]: string | string[] };

export interface SecretSpec {
  /** Environment variable(s) of the engine holding the value; several = one per time asked. */
  env?: string | string[];
  /** Read the value as one line of standard input. */
  stdin?: boolean;
  /** The user name part of a credential (not secret). */
  username?: string;
}

export interface AnswersFile {
  operator?: string;
  answers: Record<string, AnswerValue>;
  secrets: Record<string, SecretSpec>;
}

const SECRET_LOOKING = /password|secret|pwd|passphrase|token/i;

/** An answers file is a few questions; anything bigger is a mistake (or /dev/zero). */
export const MAX_ANSWERS_BYTES = 1024 * 1024;

/** Reads and checks an answers file; every problem is a one-line error naming the file. */
export function readAnswersFile(path: string): AnswersFile {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UserError(`answers file ${path} is not a regular file`);
    if (stat.size > MAX_ANSWERS_BYTES) throw new UserError(`answers file ${path} is ${stat.size} bytes; an answers file is at most ${MAX_ANSWERS_BYTES} bytes`);
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, null);
      if (n === 0) break;
      read += n;
    }
    // Notepad on older Windows writes a byte order mark
    text = buffer.subarray(0, read).toString('utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read answers file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`answers file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new UserError(`answers file ${path}: ${what}`);
  };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail('must be a JSON object');
  const file = data as Record<string, unknown>;
  for (const key of Object.keys(file)) {
    if (!['operator', 'answers', 'secrets', '$comment'].includes(key)) fail(`unknown field '${key}' (expected operator, answers, secrets)`);
  }
  if (file.operator !== undefined && typeof file.operator !== 'string') fail("'operator' must be a string");
  const answers = (file.answers === undefined ? {} : file.answers) as Record<string, unknown>;
  if (answers === null || typeof answers !== 'object' || Array.isArray(answers)) fail("'answers' must be an object");
  for (const [id, value] of Object.entries(answers)) {
    if (!isAnswer(value)) fail(`answer '${id}' must be a string, a list of strings, or an object of those`);
    if (SECRET_LOOKING.test(id)) fail(`answer '${id}' looks like a secret; secrets never go in the file, name them under 'secrets' with env or stdin`);
  }
  const secrets = (file.secrets === undefined ? {} : file.secrets) as Record<string, unknown>;
  if (secrets === null || typeof secrets !== 'object' || Array.isArray(secrets)) fail("'secrets' must be an object");
  for (const [id, spec] of Object.entries(secrets)) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) fail(`secret '${id}' must be an object with env or stdin`);
    const s = spec as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!['env', 'stdin', 'username'].includes(key)) {
        fail(`secret '${id}' has field '${key}'; only env, stdin and username are allowed (never the value itself)`);
      }
    }
    const envOk = s.env === undefined || typeof s.env === 'string' || (Array.isArray(s.env) && s.env.length > 0 && s.env.every((e) => typeof e === 'string'));
    if (!envOk) fail(`secret '${id}': env must be a variable name or a list of them`);
    if (s.stdin !== undefined && s.stdin !== true) fail(`secret '${id}': stdin must be true`);
    if ((s.env === undefined) === (s.stdin === undefined)) fail(`secret '${id}' needs exactly one of env or stdin`);
    if (s.username !== undefined && typeof s.username !== 'string') fail(`secret '${id}': username must be a string`);
  }
  return { operator: file.operator as string | undefined, answers: answers as Record<string, AnswerValue>, secrets: secrets as Record<string, SecretSpec> };
}

function isAnswer(value: unknown): boolean {
  const flat = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
  if (flat(value)) return true;
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every(flat);
}
