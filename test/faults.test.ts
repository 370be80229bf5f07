import { execa } from 'execa';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { answersFor, cli, filesUnder, killAt, readJsonFile, RUNBOOK, runDirs, scenarios, startCli, tempDir } from './helpers/cli.js';
import { partsRequired } from './helpers/parts.js';

/**
 * An operator's bad day, with the real conditions: a full file system (a 48 KiB tmpfs), a state
 * directory the user cannot write, and signals at early moments. Each ends with one line naming
 * the cause, the documented exit code, no stack trace, nothing half-written, and a run that resumes.
 */
const root = tempDir();
const scenario = scenarios().find((s) => s.name === 'one-connector')!;
const answers = answersFor(root, scenario);
const args = ['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answers.path];
// a resume lets a step's probe settle what a signal left in doubt
const resumeAnswers = answersFor(join(root, '..'), { ...scenario, name: `${scenario.name}-probe-${process.pid}` }, { inDoubt: 'probe' });
const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

afterAll(async () => {
  for (const dir of mounts) await execa('umount', [dir], { reject: false });
  rmSync(root, { recursive: true, force: true });
});

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |Node\.js v\d/);

async function tmpfs(name: string, size: string): Promise<string | null> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const mounted = await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { reject: false });
  if (mounted.exitCode !== 0) return null;
  mounts.push(dir);
  return dir;
}

describe('faults of the state directory', () => {
  it('a full disk: one line naming the cause, exit 5, no temp file or lock left; once there is space, resume finishes', async (context) => {
    const dir = isRoot ? await tmpfs('full', '48k') : null;
    if (!dir) {
      if (partsRequired) throw new Error('mounting a tmpfs needs root, which CI has');
      console.warn('SKIPPED: mounting a small tmpfs needs root');
      context.skip();
    }
    const stateDir = join(dir!, 'state');
    let full: { exitCode: number; stderr: string } | null = null;
    for (let i = 0; i < 6 && !full; i++) {
      const result = await cli(args, { stateDir, env: answers.env });
      if (result.exitCode !== 0) full = result;
    }
    expect(full, 'the file system never filled').not.toBeNull();
    expect(full!.exitCode, full!.stderr).toBe(5);
    const lines = full!.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^runbook: disk full while saving .* \(ENOSPC\); free some space/);
    noStack(full!.stderr);
    const files = filesUnder(stateDir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.lock'))).toEqual([]);
    // space is back: the interrupted run goes on
    await execa('mount', ['-o', 'remount,size=4m', dir!]);
    const unfinished = runDirs(stateDir).filter((d) => existsSync(join(d, 'checkpoint.json')) && readJsonFile(join(d, 'checkpoint.json')).status === 'active');
    expect(unfinished).toHaveLength(1);
    const resumed = await cli(['resume', '--answers', answers.path], { stateDir, env: answers.env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(readJsonFile(join(unfinished[0]!, 'simulated-server.json')).effects.filter((e: { op: string }) => e.op === 'abandon')).toHaveLength(1);
  });

  it('a state directory that cannot be written (a read-only file system): one line, exit 5, nothing created', async (context) => {
    const dir = isRoot ? join(root, 'read-only') : null;
    if (dir) mkdirSync(dir, { recursive: true });
    const mounted = dir ? await execa('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', dir], { reject: false }) : null;
    if (!dir || mounted?.exitCode !== 0) {
      if (partsRequired) throw new Error('mounting a read-only tmpfs needs root, which CI has');
      console.warn('SKIPPED: mounting a read-only tmpfs needs root');
      context.skip();
    }
    mounts.push(dir!);
    const result = await cli(args, { stateDir: join(dir!, 'state'), env: answers.env });
    expect(result.exitCode, result.stderr).toBe(5);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(/^runbook: state directory .*read-only\/state(\/locks)? is not writable \(EROFS\)/);
    noStack(result.stderr);
    expect(existsSync(join(dir!, 'state'))).toBe(false);
  });
});

describe('a run killed before its first record', () => {
  it('is listed as never started, never resumed, and removed by the next run on the state directory', async () => {
    const stateDir = join(root, 'never-started');
    const killed = await killAt(args, 'run-created', { stateDir, env: answers.env });
    expect(killed.reached, killed.stderr).toBe(true);
    const [husk] = runDirs(stateDir);
    expect(husk, 'the killed start left its directory').toBeDefined();
    const listed = await cli(['runs'], { stateDir, env: answers.env });
    expect(listed.stdout).toMatch(/NEVER STARTED\s+killed before its first record; nothing to resume/);
    const resumed = await cli(['resume'], { stateDir, env: answers.env });
    expect(resumed.exitCode).not.toBe(0);
    expect(resumed.stderr).toMatch(/no unfinished run/);
    const next = await cli(args, { stateDir, env: answers.env });
    expect(next.exitCode, next.stderr).toBe(0);
    const after = runDirs(stateDir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(husk);
    expect(existsSync(husk!)).toBe(false);
  });
});

describe('signals at early moments', () => {
  it('a SIGTERM at any moment of the start leaves nothing, or a run that resumes to its end', async () => {
    // before the run exists (loading, opening), and at moments after its directory appeared
    const moments: Array<{ afterRun: boolean; ms: number }> = [
      { afterRun: false, ms: 30 },
      { afterRun: false, ms: 150 },
      ...[0, 40, 120, 250, 450, 700, 1000].map((ms) => ({ afterRun: true, ms })),
    ];
    let interruptedRuns = 0;
    for (const [i, moment] of moments.entries()) {
      const delay = `${moment.afterRun ? 'run+' : ''}${moment.ms}`;
      const stateDir = join(root, `signal-${i}`);
      const child = startCli(args, { stateDir, env: { ...answers.env, RUNBOOK_SIM_DELAY_MS: '120' } });
      if (moment.afterRun) for (let t = 0; t < 2000 && runDirs(stateDir).length === 0; t++) await sleep(10);
      await sleep(moment.ms);
      child.kill('SIGTERM');
      const result = await child;
      noStack(String(result.stderr));
      const runs = runDirs(stateDir);
      if (runs.length === 0) continue;
      expect(runs).toHaveLength(1);
      // the checkpoint is a cache: a run stopped before its first one is resumed from its journal
      const checkpointPath = join(runs[0]!, 'checkpoint.json');
      if (existsSync(checkpointPath) && readJsonFile(checkpointPath).status === 'done') continue;
      interruptedRuns += 1;
      expect(result.exitCode, String(result.stderr)).toBe(130);
      // a write the kill interrupted leaves a temp file: the resume, holding the run, removes it
      writeFileSync(join(runs[0]!, `checkpoint.json.${child.pid}.tmp`), '{"half');
      const resumed = await cli(['resume', '--answers', resumeAnswers.path], { stateDir, env: answers.env });
      expect(resumed.exitCode, `${delay} ms: ${resumed.stderr}`).toBe(0);
      expect(readJsonFile(join(runs[0]!, 'simulated-server.json')).effects.filter((e: { op: string }) => e.op === 'abandon').length).toBeLessThanOrEqual(1);
      expect(filesUnder(stateDir).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'))).toEqual([]);
    }
    expect(interruptedRuns, 'some signal landed inside a run').toBeGreaterThan(0);
  });
});
