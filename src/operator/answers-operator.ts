import { createInterface } from 'node:readline';
import type { SecretRef } from '../runbook/define.js';
import { UserError } from '../user-error.js';
import { ExitCode } from '../exit-codes.js';
import { answersFileWhere } from './where.js';
import type { AnswersFile, AnswerValue, SecretSpec } from './answers-file.js';
import type { Choice, Operator, Question, SecretAnswer } from './operator.js';

/**
 * Answers questions from an answers file, unattended. Secrets come from the engine's
 * environment (read once, then removed so no child process inherits them) or from stdin.
 */
export class AnswersOperator implements Operator {
  readonly interactive = false;
  readonly who: string;
  readonly via: string;
  private readonly used = new Map<string, number>();
  private readonly envValues = new Map<string, string>();
  private stdinLines: AsyncIterator<string> | null = null;

  constructor(
    private readonly file: AnswersFile,
    private readonly path: string,
    defaultWho: string,
  ) {
    this.who = file.operator ?? defaultWho;
    this.via = answersFileWhere(path);
    for (const [id, spec] of Object.entries(file.secrets)) {
      for (const name of spec.env === undefined ? [] : [spec.env].flat()) {
        const value = process.env[name];
        if (value === undefined || value === '') {
          throw new UserError(`answers file ${path}: secret '${id}' names environment variable ${name}, which is not set`);
        }
        this.envValues.set(name, value);
      }
    }
    for (const name of this.envValues.keys()) delete process.env[name];
  }

  async text(question: Question): Promise<string> {
    return this.answer(question);
  }

  async choose(question: Question, choices: Choice[]): Promise<string> {
    let given = this.answer(question);
    if (given === 'probe' && question.id === 'inDoubt') {
      if (!question.default) {
        throw new UserError(
          `${question.message}: the probe cannot tell whether it took effect, so the answers file's "probe" cannot decide; check the server and answer inDoubt with mark-done, rerun or abort (the run is saved)`,
          ExitCode.inDoubt,
        );
      }
      given = question.default;
    }
    const match = choices.find((c) => c.value.toLowerCase() === given.toLowerCase());
    if (!match) {
      throw new UserError(
        `answers file ${this.path}: answer '${given}' to '${question.id}'${question.key ? ` (${question.key})` : ''} is not one of ${choices.map((c) => c.value).join(', ')}`,
      );
    }
    return match.value;
  }

  canAnswer(ref: SecretRef): boolean {
    const entry = Object.entries(this.file.secrets).find(([pattern]) => matches(pattern, ref.id));
    return entry !== undefined && (ref.kind !== 'credential' || Boolean(entry[1].username));
  }

  async secret(ref: SecretRef, part: 'password' | 'username'): Promise<SecretAnswer> {
    const entry = Object.entries(this.file.secrets).find(([pattern]) => matches(pattern, ref.id));
    if (!entry) {
      throw new UserError(`answers file ${this.path} has no entry under 'secrets' for '${ref.id}' (${ref.label})`);
    }
    const [pattern, spec] = entry;
    if (part === 'username') {
      if (!spec.username) throw new UserError(`answers file ${this.path}: secret '${pattern}' needs a username for ${ref.label}`);
      return { value: spec.username, source: 'answers' };
    }
    return this.secretValue(pattern, spec, ref);
  }

  private async secretValue(pattern: string, spec: SecretSpec, ref: SecretRef): Promise<SecretAnswer> {
    const count = this.bump(`secret:${pattern}:${ref.id}`);
    if (spec.env !== undefined) {
      const names = [spec.env].flat();
      const name = names[Math.min(count, names.length - 1)]!;
      return { value: this.envValues.get(name)!, source: `env:${name}` };
    }
    this.stdinLines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
    const next = await this.stdinLines.next();
    if (next.done || next.value === '') throw new UserError(`standard input ended before the secret '${ref.id}' (${ref.label}) was read`);
    return { value: next.value.replace(/\r$/, ''), source: 'stdin' };
  }

  private answer(question: Question): string {
    const raw: AnswerValue | undefined = this.file.answers[question.id];
    let value: string | string[] | undefined;
    if (typeof raw === 'string' || Array.isArray(raw)) value = raw;
    else if (raw) value = (question.key !== undefined ? raw[question.key] : undefined) ?? raw['*'];
    if (value === undefined) {
      throw new UserError(
        `answers file ${this.path} has no answer for '${question.id}'${question.key ? ` (${question.key})` : ''}: ${question.message}`,
      );
    }
    if (typeof value === 'string') return value;
    const count = this.bump(`${question.id}:${question.key ?? ''}`);
    if (count >= value.length) {
      throw new UserError(`answers file ${this.path}: '${question.id}'${question.key ? ` (${question.key})` : ''} was asked more often than it has answers (${value.length})`);
    }
    return value[count]!;
  }

  private bump(key: string): number {
    const count = this.used.get(key) ?? 0;
    this.used.set(key, count + 1);
    return count;
  }

  close(): void {
    (this.stdinLines as { return?: () => void } | null)?.return?.();
  }
}

function matches(pattern: string, id: string): boolean {
  if (!pattern.includes('*')) return pattern === id;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(id);
}
