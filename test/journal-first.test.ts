import { afterAll, describe, expect, it } from 'vitest';
import fs, { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { setup, type AnyStateMachine } from 'xstate';
import { answersFor, cli, filesContainingSecrets, killAt, readJsonFile, readJsonLines, ROOT, RUNBOOK, runDirs, scenarios, SECRETS, tempDir } from './helpers/cli.js';
import { defineRunbook, type RunbookDefinition } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import { startRun, resumeRun, type RunPlugs } from '../src/run/open-run.js';
import { restoreRun } from '../src/run/restore-run.js';
import { overwriteInPlace } from '../src/checkpoint/durable-write.js';
import { readCheckpoint } from '../src/checkpoint/read-checkpoint.js';
import { CHECKPOINT_SCHEMA } from '../src/checkpoint/envelope.js';
import { namedRunPaths } from '../src/run/paths.js';
import { silentReporter } from '../src/run/reporter.js';
import { AnswersOperator } from '../src/operator/answers-operator.js';
import { loadRunbook } from '../src/runbook/load-runbook.js';
import { rebuildSnapshot } from '../src/journal/rebuild-snapshot.js';
import type { TimedRecord } from '../src/journal/records.js';
import type { Runner } from '../src/runner/contract.js';

/**
 * Journal first: the journal is the durable record, the checkpoint a cache rebuilt from it.
 * Counts the syncs per step, rebuilds snapshots from journals, and cuts a checkpoint at every
 * byte offset.
 */
const root = tempDir();

const syncs = { count: 0 };
{
  const f = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['fsyncSync', 'fdatasyncSync']) {
    const original = f[name]!;
    f[name] = (...args: unknown[]) => {
      syncs.count++;
      return original(...args);
    };
  }
  syncBuiltinESMExports();
}

function synthetic(steps: number, idempotent: boolean): RunbookDefinition {
  const ids = Array.from({ length: steps }, (_, i) => `s${i}`);
  const states: Record<string, object> = {};
  ids.forEach((id, i) => Object.assign(states, step(id, { title: `Step ${i}`, instructions: ['no-op'], commands: [], destructive: false, idempotent }, { onDone: { target: ids[i + 1] ?? 'done' } })));
  states.done = final('Done', 'success', 'all steps ran');
  states.aborted = final('Aborted', 'aborted', 'aborted');
  const machine = setup({ actors: stepActors(ids), guards: engineGuards, actions: engineActions }).createMachine({ id: 'synthetic', initial: 's0', context: engineContext(), states: states as never });
  return defineRunbook({ id: `synthetic-${idempotent}`, title: 'synthetic', summary: '', appliesTo: '', machine: machine as unknown as AnyStateMachine });
}

function plugs(runner: Runner): RunPlugs {
  return {
    runner: async () => runner,
    target: async (_runbook, id) => ({ id, kind: 'simulator', describe: id, lockKey: id }),
    operator: () => new AnswersOperator({ answers: {}, secrets: {} }, '(test)', 'test'),
    reporter: silentReporter,
    verbose: false,
  };
}

describe('syncs per step', () => {
  it.each([
    [true, 1],
    [false, 2],
  ])('idempotent %s: %i per step', async (idempotent, expected) => {
    const runbook = synthetic(40, idempotent);
    const counts: number[] = [];
    const runner: Runner = { name: 'simulator', canRun: () => true, run: async () => (counts.push(syncs.count), { evidence: [] }) };
    const opened = await startRun(join(root, `syncs-${idempotent}`), runbook, { id: `t:${idempotent}`, kind: 'simulator', describe: 't', lockKey: `t:${idempotent}` }, plugs(runner));
    const end = await opened.start();
    opened.release();
    expect(end.outcome).toBe('success');
    const perStep = counts.slice(1).map((c, i) => c - counts[i]!);
    expect(new Set(perStep)).toEqual(new Set([expected]));
  });

  it('a resume after 1,000 steps reads only the journal after the checkpoint', async () => {
    const runbook = synthetic(1000, true);
    const stateDir = join(root, 'long');
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const first = await startRun(stateDir, runbook, { id: 't:long', kind: 'simulator', describe: 't', lockKey: 't:long' }, plugs({ name: 'simulator', canRun: () => true, run: async (input) => (input.stepId === 's999' ? (stop(), new Promise(() => {})) : { evidence: [] }) }));
    void first.start();
    await stopped;
    first.release();
    const paths = namedRunPaths(stateDir, first.session.runId);
    const restored = await restoreRun(paths, first.session.runId, async () => runbook);
    expect(restored.rebuilt).toBeNull();
    expect(restored.envelope.state).toBe('s999');
    expect(restored.chain.from).toBeDefined();
    expect(restored.chain.records.length).toBeLessThan(40);
    // the attempt in flight keeps the id the crashed process gave it, and its number
    expect((restored.envelope.snapshot as { children: Record<string, { snapshot: { input: { attemptId: string } } }> }).children.s999!.snapshot.input.attemptId).toBe('s999#1000');
    expect(restored.stepNumbers?.get('s999#1000')).toBe(1000);
    let resumedWith = '';
    const again = await resumeRun(stateDir, first.session.runId, plugs({ name: 'simulator', canRun: () => true, run: async (input) => ((resumedWith = input.attemptId), { evidence: [] }) }), async () => runbook);
    const end = await again.start();
    again.release();
    expect(end.outcome).toBe('success');
    expect(resumedWith).toBe('s999#1000');
  });
});

describe('the checkpoint is rebuilt from the journal', () => {
  const drill = scenarios().find((s) => s.name === 'bad-night')!;
  const answers = answersFor(root, drill, { stepFailed: { preChecks: 'skip', '*': 'retry' }, skipReason: 'pre-checks read by hand' });
  const args = ['run', RUNBOOK, '--target', 'sim:bad-night', '--answers', answers.path];

  it('a whole run with failures, retries and a skip: the journal alone gives the final snapshot', async () => {
    const stateDir = join(root, 'replay');
    const result = await cli(args, { stateDir, env: answers.env });
    expect(result.exitCode, result.stderr).toBe(0);
    const runDir = runDirs(stateDir)[0]!;
    const runbook = await loadRunbook(RUNBOOK);
    const rebuilt = rebuildSnapshot(runbook.machine, null, readJsonLines(join(runDir, 'journal.jsonl')) as TimedRecord[]);
    expect(rebuilt.ok).toBe(true);
    const persisted = JSON.parse(JSON.stringify(runbook.machine.getPersistedSnapshot((rebuilt as { snapshot: never }).snapshot)));
    expect(persisted).toEqual(readJsonFile(join(runDir, 'checkpoint.json')).snapshot);
  });

  it('a checkpoint cut at every byte offset: the same state, snapshot and attempt ids as the whole one', async () => {
    const stateDir = join(root, 'cut');
    const killed = await killAt(args, 'applied:abandonKey', { stateDir, env: answers.env });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const runId = runDir.split('/').at(-1)!;
    const paths = namedRunPaths(stateDir, runId);
    const runbook = await loadRunbook(RUNBOOK);
    const whole = await restoreRun(paths, runId, async () => runbook);
    expect(whole.envelope.state).toBe('abandonKey');
    // a checkpoint once longer leaves trailing spaces (see overwriteInPlace): cuts into those are whole JSON
    const text = readFileSync(paths.checkpoint, 'utf8').trimEnd();
    for (let cut = 0; cut < text.length; cut++) {
      writeFileSync(paths.checkpoint, text.slice(0, cut));
      const restored = await restoreRun(paths, runId, async () => runbook);
      expect(restored.rebuilt, `cut at ${cut}`).toMatch(/corrupt or truncated|not usable/);
      expect(restored.envelope.state).toBe(whole.envelope.state);
      expect(restored.envelope.snapshot).toEqual(whole.envelope.snapshot);
    }
    writeFileSync(paths.checkpoint, text);
  });
});

describe('the checkpoint is overwritten in place', () => {
  it('one file through the whole run (no rename, no temp file), and a shorter text leaves it padded with spaces that JSON reads', async () => {
    const runbook = synthetic(300, true);
    let path = '';
    const inodes = new Set<number>();
    const sizes = new Set<number>();
    const runner: Runner = {
      name: 'simulator',
      canRun: () => true,
      run: async () => {
        if (path && existsSync(path)) {
          inodes.add(statSync(path).ino);
          sizes.add(statSync(path).size);
        }
        return { evidence: [] };
      },
    };
    const opened = await startRun(join(root, 'in-place'), runbook, { id: 't:in-place', kind: 'simulator', describe: 't', lockKey: 't:in-place' }, plugs(runner));
    path = opened.session.paths.checkpoint;
    const end = await opened.start();
    opened.release();
    expect(end.outcome).toBe('success');
    inodes.add(statSync(path).ino);
    expect(sizes.size, 'the checkpoint was written several times while steps ran').toBeGreaterThan(1);
    expect(inodes.size).toBe(1);
    expect(readdirSync(dirname(path)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readJsonFile(path).status).toBe('done');

    const before = statSync(path).size;
    overwriteInPlace(path, '{"short":true}');
    const text = readFileSync(path, 'utf8');
    expect(text.length).toBe(before);
    expect(text.startsWith('{"short":true} ')).toBe(true);
    expect(text.trim()).toBe('{"short":true}');
    expect(JSON.parse(text)).toEqual({ short: true });
  });
});

describe('a checkpoint read while its run overwrites it', () => {
  it('never reads as corrupt: a read that meets a write half done reads again', async () => {
    const path = join(root, 'contended', 'checkpoint.json');
    fs.mkdirSync(dirname(path), { recursive: true });
    // the same function runs in the writer process (as source text)
    const envelopeSource = `(schema, updatedAt, size) => JSON.stringify({ schema, runId: 'r', runbookId: 'b', machineHash: 'h', target: 't', createdAt: 'c', updatedAt: String(updatedAt), state: 's', status: 'active', outcome: null, snapshot: { value: 's', context: { fill: 'x'.repeat(size) } } })`;
    const envelope = new Function(`return ${envelopeSource}`)() as (schema: number, updatedAt: number, size: number) => string;
    overwriteInPlace(path, envelope(CHECKPOINT_SCHEMA, 0, 6000));
    // another process overwrites it as a run does (each text different, longer and shorter in
    // turn), every millisecond for two seconds: far more often than a run, which writes it every
    // 64 transitions (some 30 ms apart with no-op steps) and at prompts
    const module = pathToFileURL(join(ROOT, 'dist', 'src', 'checkpoint', 'durable-write.js')).href;
    const writer = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `import { overwriteInPlace } from ${JSON.stringify(module)}; const envelope = ${envelopeSource}; const end = Date.now() + 2000; const pause = new Int32Array(new SharedArrayBuffer(4)); for (let i = 1; Date.now() < end; i++) { overwriteInPlace(${JSON.stringify(path)}, envelope(${CHECKPOINT_SCHEMA}, i, i % 2 ? 3000 : 6000)); Atomics.wait(pause, 0, 0, 1); }`,
    ]);
    let writerErrors = '';
    writer.stderr.on('data', (chunk: Buffer) => (writerErrors += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
    let running = true;
    void exited.then(() => (running = false));
    let torn = 0;
    let reads = 0;
    const failures: string[] = [];
    while (running) {
      reads++;
      try {
        JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        torn++;
      }
      try {
        readCheckpoint(path);
      } catch (error) {
        failures.push((error as Error).message);
      }
      if (reads % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await exited, writerErrors).toBe(0);
    expect(torn, `plain reads that met a write half done, of ${reads}`).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});

describe('an older checkpoint put back', () => {
  it('repeats nothing: the journal is replayed over it; a run that ended stays ended and its checkpoint says so again', async () => {
    const one = scenarios().find((s) => s.name === 'one-connector')!;
    const answers = answersFor(root, one);
    const args = ['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answers.path];
    const stateDir = join(root, 'put-back');
    expect((await killAt(args, 'checkpoint:stopService', { stateDir, env: answers.env })).reached).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const runId = runDir.split('/').at(-1)!;
    const old = readFileSync(join(runDir, 'checkpoint.json'), 'utf8');
    const resumed = await cli(['resume', runId, '--answers', answers.path], { stateDir, env: answers.env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    writeFileSync(join(runDir, 'checkpoint.json'), old);
    const stale = JSON.parse((await cli(['runs', '--json'], { stateDir })).stdout)[0];
    expect(stale).toMatchObject({ runId, status: 'active' });
    // status reads the journal, not the stale cache
    const status = JSON.parse((await cli(['status', runId, '--json'], { stateDir })).stdout);
    expect(status).toMatchObject({ status: 'done', state: 'done' });
    const verified = await cli(['verify', runId], { stateDir });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stderr).toMatch(/the checkpoint agrees \(as of record \d+; resume replays the \d+ after it\)/);
    const again = await cli(['resume', runId, '--answers', answers.path], { stateDir, env: answers.env });
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/already ended: "Recovered" \(success\); nothing to resume/);
    expect(JSON.parse((await cli(['runs', '--json'], { stateDir })).stdout)[0]).toMatchObject({ runId, status: 'done', state: 'done' });
    const ops = readJsonFile(join(runDir, 'simulated-server.json')).effects.map((e: { op: string }) => e.op);
    expect(ops).toEqual(['abandon', 'start', 'password:contoso.com', 'restart', 'entra', 'start-final', 'delta-sync']);
    expect((await cli(['verify', runId], { stateDir })).exitCode).toBe(0);
  });
});

afterAll(() => {
  expect(filesContainingSecrets(root, Object.values(SECRETS)).filter((f) => !f.includes('answers-'))).toEqual([]);
});
