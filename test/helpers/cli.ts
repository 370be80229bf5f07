import { execa, type ResultPromise } from 'execa';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
export const RUNBOOK = 'aadconnect-encryption-key';

export function tempDir(prefix = 'runbook-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stateDir: string;
  env?: Record<string, string>;
  input?: string;
  timeout?: number;
}

/** The built CLI as a real child process, with no terminal (stdin is a pipe or /dev/null). */
export function startCli(args: string[], options: CliOptions): ResultPromise {
  return execa('node', [CLI, ...args], {
    cwd: ROOT,
    reject: false,
    timeout: options.timeout ?? 300_000,
    env: { RUNBOOK_STATE_DIR: options.stateDir, RUNBOOK_SIM_DELAY_MS: '0', NO_COLOR: '1', ...options.env },
    extendEnv: true,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
  });
}

export async function cli(args: string[], options: CliOptions): Promise<CliResult> {
  const result = await startCli(args, options);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export function writeJson(dir: string, name: string, data: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(data, null, 2));
  return path;
}

/** Every regular file under `dir`, recursively (symlinks are not followed: a test may link /dev/zero). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isDirectory()) out.push(...filesUnder(path));
    else if (stat.isFile()) out.push(path);
  }
  return out;
}

/** The files under `dir` that contain any of the secrets (raw, or as they would appear in JSON). */
export function filesContainingSecrets(dir: string, secrets: string[]): string[] {
  const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  return filesUnder(dir).filter((file) => {
    const text = readFileSync(file, 'utf8');
    return forms.some((f) => text.includes(f));
  });
}

export function runDirs(stateDir: string): string[] {
  try {
    return readdirSync(join(stateDir, 'runs')).map((r) => join(stateDir, 'runs', r));
  } catch {
    return [];
  }
}

export function readJsonLines(path: string): Array<Record<string, any>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

export function readJsonFile(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** A user error: exactly one line on stderr, no stack trace. */
export function expectOneLineError(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${lines.length}:\n${result.stderr}`);
  if (/\bat .+:\d+:\d+/.test(result.stderr) || /Error:/.test(result.stderr.replace(/^runbook: /, ''))) {
    throw new Error(`stack trace or raw error on stderr:\n${result.stderr}`);
  }
  return lines[0]!;
}

export const SECRETS = {
  adds: 'Forest-Pass-2026!',
  addsWrong: 'Wrong-Forest-Pass-1',
  entra: 'Entra-Admin-Pa$$-9',
  fabrikam: 'Fabrikam-Pass-2026!',
};

/** An answers file that answers everything the flagship runbook asks on a scenario. */
export function answersFor(dir: string, scenario: { name: string; server: { name: string } }, extra: Record<string, unknown> = {}): { path: string; env: Record<string, string> } {
  const wrongFirst = scenario.name === 'wrong-password-first-try';
  // in this scenario only fabrikam.com's first password is wrong
  const fabrikam = scenario.name === 'connector-still-failing' ? { 'adds-password:fabrikam.com': { env: ['RB_TEST_ADDS_WRONG', 'RB_TEST_FABRIKAM'] } } : {};
  const path = writeJson(dir, `answers-${scenario.name}.json`, {
    operator: 'test-operator',
    answers: { confirmAbandon: scenario.server.name, manual: 'done', stepFailed: 'retry', ...extra },
    secrets: {
      ...fabrikam,
      'adds-password:*': { env: wrongFirst ? ['RB_TEST_ADDS_WRONG', 'RB_TEST_ADDS'] : 'RB_TEST_ADDS' },
      'entra-admin': { username: 'admin@contoso.onmicrosoft.com', env: 'RB_TEST_ENTRA' },
    },
  });
  return { path, env: { RB_TEST_ADDS: SECRETS.adds, RB_TEST_ADDS_WRONG: SECRETS.addsWrong, RB_TEST_FABRIKAM: SECRETS.fabrikam, RB_TEST_ENTRA: SECRETS.entra } };
}

export function scenarios(): Array<{ name: string; server: { name: string }; expect: { final: string; exitCode: number; abandoned: boolean }; faults?: unknown }> {
  const dir = join(ROOT, 'runners', 'simulator', 'aadconnect-encryption-key', 'scenarios');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

/**
 * Starts the CLI with RUNBOOK_FAULT=point, waits until the process announces that it reached
 * the point, and kills it with SIGKILL: a real crash at an exact place.
 */
export async function killAt(args: string[], point: string, options: CliOptions): Promise<{ reached: boolean; stderr: string }> {
  const child = startCli(args, { ...options, env: { ...options.env, RUNBOOK_FAULT: point } });
  let stderr = '';
  let reached = false;
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!reached && stderr.includes(`RUNBOOK_FAULT_REACHED ${point}`)) {
      reached = true;
      child.kill('SIGKILL');
    }
  });
  const result = await child;
  if (reached && result.signal !== 'SIGKILL') throw new Error(`expected SIGKILL, got ${result.signal} / ${result.exitCode}`);
  return { reached, stderr };
}
