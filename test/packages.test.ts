import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, ROOT, RUNBOOK, tempDir, writeJson } from './helpers/cli.js';
import { partsRequired } from './helpers/parts.js';
import { PWSH } from './helpers/pwsh.js';
import { loadRunbook } from '../src/runbook/load-runbook.js';
import { resolveTarget } from '../src/runner/runner-kinds.js';
import { startRun, type RunPlugs } from '../src/run/open-run.js';
import { targetLockPath } from '../src/run/paths.js';
import { AnswersOperator } from '../src/operator/answers-operator.js';
import { silentReporter } from '../src/run/reporter.js';
import { UserError } from '../src/user-error.js';
import type { RunbookDefinition } from '../src/runbook/define.js';
import type { ResolvedTarget, Runner } from '../src/runner/contract.js';

/**
 * Runbooks as packages: found by position, refused before anything runs when a step has no
 * implementation, linted by `runbook check`, and locked per server (real targets) or per
 * runbook and scenario (simulations).
 */

const root = tempDir();
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the built project (code, runbooks, runner packages) that a test may break. */
function projectCopy(name: string): string {
  const dir = join(root, name);
  for (const part of ['dist', 'runners', 'machines', 'package.json']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function cliIn(dir: string, args: string[], env: Record<string, string> = {}) {
  const result = await execa('node', [join(dir, 'dist', 'src', 'cli', 'main.js'), ...args], {
    cwd: dir,
    reject: false,
    stdin: 'ignore',
    env: { NO_COLOR: '1', RUNBOOK_SIM_DELAY_MS: '0', ...env },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

function edit(path: string, from: string | RegExp, to: string): void {
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${path}: nothing to replace for ${String(from)}`);
  writeFileSync(path, next);
}

describe('runbook packages', () => {
  it('the engine names no runbook, step or secret of one', async () => {
    const found = await execa('grep', ['-rnE', 'aadconnect|abandonKey|connectorPassword|adds-password', join(ROOT, 'src')], { reject: false });
    expect(found.exitCode, String(found.stdout)).toBe(1);
  });

  it('runbook check passes on every shipped runbook', async () => {
    const result = await cli(['check'], { stateDir: join(root, 'state-check') });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`${RUNBOOK}: clean`));
    // in CI pwsh is there, and the Windows PowerShell 5.1 lint must have run
    if (partsRequired || PWSH) expect(result.stderr).toMatch(/PowerShell files parse as Windows PowerShell 5\.1/);
  });

  it('runbook check fails, one line per problem with file:line, on a broken copy', async () => {
    const dir = projectCopy('broken');
    rmSync(join(dir, 'runners', 'powershell', RUNBOOK, 'verify.ps1'));
    const machine = join(dir, 'dist', 'machines', `${RUNBOOK}.js`);
    edit(machine, "title: 'Enter the AD DS connector password for {connector}'", "title: 'Enter the AD DS connector password for {conector}'");
    edit(machine, /target: 'confirmAbandon', actions: \['recordFacts'\] \}, skipTo: 'confirmAbandon'/, "target: 'stopService', actions: ['recordFacts'] }, skipTo: 'stopService'");
    edit(machine, /probe: \{\s*instructions: \[/, 'probeRemoved: { instructions: [');
    rmSync(join(dir, 'runners', 'powershell', RUNBOOK, 'abandonKey.probe.ps1'));
    writeFileSync(join(dir, 'runners', 'simulator', RUNBOOK, 'scenarios', 'healthy.json'), JSON.stringify({ name: 'healthy', description: 'x', key: 'maybe' }));
    const result = await cliIn(dir, ['check', RUNBOOK]);
    expect(result.exitCode).toBe(7);
    const lines = result.stdout.trim().split('\n');
    expect(lines.every((l) => /^[^:\s]+(:\d+)?: aadconnect-encryption-key: /.test(l)), result.stdout).toBe(true);
    expect(result.stdout).toMatch(new RegExp(`runners/powershell/${RUNBOOK}/: ${RUNBOOK}: step 'verify' \\("Verify with a delta sync"\\) has no implementation for the powershell runner`));
    expect(result.stdout).toMatch(/machines\/aadconnect-encryption-key\.ts:\d+: .*placeholder \{conector\} is not filled/);
    expect(result.stdout).toMatch(/machines\/aadconnect-encryption-key\.ts:\d+: .*destructive step 'abandonKey' .* can be reached without a typed confirmation naming the target/);
    expect(result.stdout).toMatch(/scenarios\/healthy\.json: .*key: expected one of "readable", "unreadable", found "maybe"/);
    expect(result.stdout).toMatch(/scenarios\/healthy\.json: .*server: missing/);
    expect(result.stdout).toMatch(/machines\/aadconnect-encryption-key\.ts:\d+: .*step 'abandonKey' \("Abandon the encryption key"\) is not safe to repeat and declares no probe/);
  });

  it('a probe declared without its PowerShell implementation is reported', async () => {
    const dir = projectCopy('no-probe-script');
    rmSync(join(dir, 'runners', 'powershell', RUNBOOK, 'abandonKey.probe.ps1'));
    const result = await cliIn(dir, ['check', RUNBOOK]);
    expect(result.exitCode).toBe(7);
    expect(result.stdout.trim()).toBe(`runners/powershell/${RUNBOOK}/: ${RUNBOOK}: step 'abandonKey' ("Abandon the encryption key") declares a probe, and the powershell runner has no implementation of it`);
  });

  it('an answers file that lets the probe decide stops with its own exit code when the probe cannot tell', async () => {
    const operator = new AnswersOperator({ answers: { inDoubt: 'probe' }, secrets: {} }, 'answers.json', 'test');
    const choices = [{ value: 'mark-done', label: '' }, { value: 'rerun', label: '' }, { value: 'abort', label: '' }];
    expect(await operator.choose({ id: 'inDoubt', key: 'x', message: 'In doubt', default: 'rerun' }, choices)).toBe('rerun');
    const error = await operator.choose({ id: 'inDoubt', key: 'x', message: 'In doubt: "Abandon the encryption key"' }, choices).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(8);
    expect((error as UserError).message).toMatch(/the probe cannot tell whether it took effect/);
  });

  it('a runbook missing a script is refused before anything runs: one line naming runbook, step and runner, exit 2', async () => {
    const dir = projectCopy('missing-script');
    rmSync(join(dir, 'runners', 'powershell', RUNBOOK, 'abandonKey.ps1'));
    const stateDir = join(dir, 'state');
    const answers = writeJson(dir, 'answers.json', { answers: { confirmAbandon: 'AADC01', manual: 'done' }, secrets: { 'adds-password:*': { stdin: true }, 'entra-admin': { username: 'admin@x', stdin: true } } });
    for (const target of ['pwsh-sim:one-connector', 'local', 'ssh://admin@aadc01.contoso.com']) {
      const result = await cliIn(dir, ['run', RUNBOOK, '--target', target, '--answers', answers, '--state-dir', stateDir]);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr.trim().split('\n')).toEqual([
        `runbook: runbook ${RUNBOOK} cannot run on ${target}: step "Abandon the encryption key" (abandonKey) has no implementation for the powershell runner in runners/powershell/${RUNBOOK}/; nothing was started`,
      ]);
      expect(existsSync(stateDir), 'nothing is written').toBe(false);
    }
    // the simulator has its own implementation of the step: that target still runs
    const sim = await cliIn(dir, ['run', RUNBOOK, '--target', 'sim:healthy', '--answers', answers, '--state-dir', stateDir]);
    expect(sim.exitCode, sim.stderr).toBe(0);
  });

  it('a step that declares the runners it runs on refuses the others', async () => {
    const dir = projectCopy('narrowed');
    const machine = join(dir, 'dist', 'machines', `${RUNBOOK}.js`);
    edit(machine, "title: 'Verify with a delta sync',", "title: 'Verify with a delta sync', runners: ['simulator'],");
    const result = await cliIn(dir, ['run', RUNBOOK, '--target', 'local', '--answers', writeJson(dir, 'a.json', { answers: {}, secrets: { 'adds-password:*': { stdin: true }, 'entra-admin': { username: 'admin@x', stdin: true } } }), '--state-dir', join(dir, 'state')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/step "Verify with a delta sync" \(verify\) has no implementation for the powershell runner \(the step runs only on: simulator\)/);
  });
});

describe('locks', () => {
  const runbookNamed = (base: RunbookDefinition, id: string): RunbookDefinition => ({ ...base, id });
  const idle: Runner = { name: 'simulator', canRun: () => true, run: () => new Promise(() => {}) };
  const plugs = (): RunPlugs => ({
    runner: async () => idle,
    target: async (_rb, id) => ({ id, kind: 'simulator', describe: id, lockKey: id }),
    operator: () => new AnswersOperator({ answers: {}, secrets: {} }, '(test)', 'test'),
    reporter: silentReporter,
    verbose: false,
  });

  it('a real server is one lock for every runbook; a simulation is one per runbook and scenario', async () => {
    const flagship = await loadRunbook(RUNBOOK);
    const other = runbookNamed(flagship, 'another-runbook');
    const key = async (rb: RunbookDefinition, target: string) => (await resolveTarget(rb, target)).lockKey;
    expect(await key(flagship, 'local')).toBe(await key(other, 'local'));
    expect(await key(flagship, 'local')).toBe(await key(flagship, 'local:pwsh'));
    expect(await key(flagship, 'ssh://admin@AADC01.contoso.com')).toBe(await key(other, 'ssh://ops@aadc01.contoso.com'));
    expect(await key(flagship, 'ssh://admin@aadc01')).not.toBe(await key(flagship, 'ssh://admin@aadc02'));
    expect(await key(flagship, 'sim:one-connector')).not.toBe(await key(flagship, 'sim:healthy'));
    expect(await key(flagship, 'sim:one-connector')).not.toBe(await key(flagship, 'pwsh-sim:one-connector'));
  });

  it('two runbooks never run on one server at once; two runbooks\' simulations with one scenario name do not block each other', async () => {
    const stateDir = join(root, 'locks');
    const flagship = await loadRunbook(RUNBOOK);
    const other = runbookNamed(flagship, 'another-runbook');
    const server: ResolvedTarget = { id: 'local', kind: 'powershell', describe: 'this machine', lockKey: 'server-localhost' };
    const first = await startRun(stateDir, flagship, server, plugs());
    const refused = await startRun(stateDir, other, server, plugs()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).exitCode).toBe(6);
    expect((refused as UserError).message).toMatch(/^target local is in use by another runbook process/);
    first.release();

    const simA: ResolvedTarget = { id: 'sim:healthy', kind: 'simulator', describe: '', lockKey: `sim-${flagship.id}-healthy` };
    const simB: ResolvedTarget = { id: 'sim:healthy', kind: 'simulator', describe: '', lockKey: `sim-${other.id}-healthy` };
    const a = await startRun(join(root, 'locks-sim'), flagship, simA, plugs());
    const b = await startRun(join(root, 'locks-sim'), other, simB, plugs());
    expect(a.session.runId).not.toBe(b.session.runId);
    a.release();
    b.release();
  });

  it('a stale lock left by a killed process on a server is taken over', async () => {
    const stateDir = join(root, 'stale');
    const server: ResolvedTarget = { id: 'local', kind: 'powershell', describe: 'this machine', lockKey: 'server-localhost' };
    const killed = execa('sleep', ['30']);
    const pid = killed.pid!;
    killed.kill('SIGKILL');
    await killed.catch(() => {});
    const lock = targetLockPath(stateDir, server.lockKey);
    mkdirSync(join(stateDir, 'locks'), { recursive: true });
    writeFileSync(lock, JSON.stringify({ pid, processStart: null, host: hostname(), since: new Date().toISOString(), holder: 'a killed run' }));
    const opened = await startRun(stateDir, await loadRunbook(RUNBOOK), server, plugs());
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    opened.release();
    expect(existsSync(lock)).toBe(false);
  });
});
