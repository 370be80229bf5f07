/**
 * `npm run bench`: figures and ratios measured in one run, printed, never asserted.
 *
 *  1. CLI cold start (`runbook --version`, `runbook list`) against `node -e 0`.
 *  2. The syncs the engine issues per step, counted (fs.fsync/fdatasync wrapped in this process):
 *     a step that is safe to repeat costs one (its result), one that is not two (its "started"
 *     record before it touches the target, its result). Engine overhead per step on a synthetic
 *     1,000-step machine with a no-op runner (checkpoint and journal included) against the floor:
 *     the same number of bare fdatasync'd appends of the same bytes; and against XState alone
 *     (no engine) doing those same appends, the lowest any engine built on XState can get.
 *  3. Resume after 10 steps against resume after 1,000 steps.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createActor, fromPromise, setup, type AnyStateMachine } from 'xstate';
import { defineRunbook, type RunbookDefinition } from '../../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../../src/runbook/step-states.js';
import { startRun, resumeRun, type RunPlugs } from '../../src/run/open-run.js';
import type { ResolvedTarget } from '../../src/runner/contract.js';
import { silentReporter } from '../../src/run/reporter.js';
import { AnswersOperator } from '../../src/operator/answers-operator.js';
import { writeFileAtomic } from '../../src/checkpoint/durable-write.js';
import { runPaths } from '../../src/run/paths.js';
import { runbookIds } from '../../src/runbook/load-runbook.js';
import { restoreRun } from '../../src/run/restore-run.js';
import { checkJournal } from '../../src/journal/verify-journal.js';
import type { Runner } from '../../src/runner/contract.js';
import { powershellRunner } from '../../runners/powershell/powershell-runner.js';
import { localTransport, sshTransport, type Transport } from '../../runners/powershell/transport.js';
import fs, { writeFileSync, mkdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { SIMULATED_WORK_MS } from '../../runners/simulator/simulated-work.js';

/**
 * Every fsync/fdatasync this process issues, counted: the fs functions are wrapped and the
 * wrappers pushed into the ESM bindings the engine imported (`syncBuiltinESMExports`).
 */
const syncs = { count: 0 };
function countSyncs(): void {
  const f = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['fsyncSync', 'fdatasyncSync', 'fsync', 'fdatasync']) {
    const original = f[name]!;
    f[name] = (...args: unknown[]) => {
      syncs.count++;
      return original(...args);
    };
  }
  syncBuiltinESMExports();
}
countSyncs();

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeCommand(args: string[], runs: number, warmUp = 2): number {
  const times: number[] = [];
  for (let i = 2 - warmUp; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, RUNBOOK_STATE_DIR: tmpdir() } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
    if (i >= 2) times.push(ms); // two warm-up runs fill the page cache
  }
  return median(times);
}

function syntheticRunbook(steps: number, idempotent = true): RunbookDefinition {
  const ids = Array.from({ length: steps }, (_, i) => `s${i}`);
  const states: Record<string, object> = {};
  ids.forEach((id, i) => {
    Object.assign(
      states,
      step(id, { title: `Step ${i}`, instructions: ['no-op'], commands: [], destructive: false, idempotent }, { onDone: { target: ids[i + 1] ?? 'done' } }),
    );
  });
  states.done = final('Done', 'success', 'all steps ran');
  states.aborted = final('Aborted', 'aborted', 'aborted');
  const machine = setup({ actors: stepActors(ids), guards: engineGuards, actions: engineActions }).createMachine({
    id: `synthetic-${steps}${idempotent ? '' : '-not-idempotent'}`,
    initial: 's0',
    context: engineContext(),
    states: states as never,
  });
  return defineRunbook({ id: `synthetic-${steps}${idempotent ? '' : '-not-idempotent'}`, title: 'synthetic', summary: '', appliesTo: '', machine: machine as unknown as AnyStateMachine });
}

function plugs(runner: Runner): RunPlugs {
  return {
    runner: async () => runner,
    target: async (_runbook, id) => benchTarget(id),
    operator: () => new AnswersOperator({ answers: {}, secrets: {} }, '(bench)', 'bench'),
    reporter: silentReporter,
    verbose: false,
  };
}

function benchTarget(id: string): ResolvedTarget {
  return { id, kind: 'simulator', describe: id, lockKey: id };
}

const noOp: Runner = { name: 'simulator', canRun: () => true, run: async () => ({ evidence: [] }) };

/**
 * Runs the machine with a no-op runner and times the steady state: from the first step's
 * runner call to the last one's, so the one-time start (loading, hashing the definition,
 * plugging the runners) is not counted per step.
 */
async function engineRun(stateDir: string, runbook: RunbookDefinition): Promise<{ msPerStep: number; syncsPerStep: number; runId: string }> {
  let first = 0n;
  let last = 0n;
  let calls = 0;
  let syncsAtFirst = 0;
  let syncsAtLast = 0;
  const timed: Runner = {
    name: 'simulator',
    canRun: () => true,
    run: async () => {
      last = process.hrtime.bigint();
      syncsAtLast = syncs.count;
      if (calls++ === 0) {
        first = last;
        syncsAtFirst = syncsAtLast;
      }
      return { evidence: [] };
    },
  };
  const opened = await startRun(stateDir, runbook, benchTarget(`bench:${runbook.id}:${Math.random()}`), plugs(timed));
  await opened.start();
  opened.release();
  return { msPerStep: Number(last - first) / 1e6 / (calls - 1), syncsPerStep: (syncsAtLast - syncsAtFirst) / (calls - 1), runId: opened.session.runId };
}

/**
 * The same machine with nothing of the engine: XState alone, its no-op step actors plugged in
 * with `provide()`, no journal, no checkpoint. What any engine built on XState pays per step.
 * With `appends`, each actor also does the floor's work (the same lines, the same fdatasyncs):
 * XState's cost where it really runs, between syncs, is about twice its cost in a hot loop here.
 */
async function xstateAlone(runbook: RunbookDefinition, appends?: { dir: string; lineBytes: number; syncsPerStep: number }): Promise<number> {
  let first = 0n;
  let last = 0n;
  let calls = 0;
  const line = appends ? `${'y'.repeat(appends.lineBytes - 1)}\n` : '';
  const fd = appends ? openSync(join(appends.dir, 'xstate-journal.jsonl'), 'a') : -1;
  const noOpActor = fromPromise(async () => {
    last = process.hrtime.bigint();
    if (calls++ === 0) first = last;
    if (appends) {
      writeSync(fd, line);
      if (appends.syncsPerStep > 1) fdatasyncSync(fd);
      writeSync(fd, line);
      fdatasyncSync(fd);
    }
    return null;
  });
  const actors = Object.fromEntries(Object.keys(runbook.machine.implementations.actors).map((name) => [name, noOpActor]));
  const actor = createActor(runbook.machine.provide({ actors }));
  const done = new Promise<void>((resolve) => actor.subscribe({ complete: resolve }));
  actor.start();
  await done;
  if (appends) closeSync(fd);
  return Number(last - first) / 1e6 / (calls - 1);
}

/**
 * The floor: per step, the same bytes the engine's journal grew by, appended bare with the same
 * number of fdatasyncs (one per step, or two: the first line synced on its own).
 */
function floorRun(dir: string, steps: number, lineBytes: number, syncsPerStep: number): number {
  const line = `${'y'.repeat(lineBytes - 1)}\n`;
  const fd = openSync(join(dir, 'floor-journal.jsonl'), 'a');
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    writeSync(fd, line);
    if (syncsPerStep > 1) fdatasyncSync(fd);
    writeSync(fd, line);
    fdatasyncSync(fd);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  closeSync(fd);
  return ms;
}

/**
 * Runs `steps` steps, leaves the run interrupted at the next one, and times resuming it. Each
 * resume gets a runbook built anew, as a resuming process loads it, so nothing derived from the
 * machine (its hash, its graph) is carried over; it is built before the clock starts (loading
 * the runbook is start-up, timed by the cold-start figures, and its garbage is noise here).
 */
async function resumeTime(stateDir: string, fresh: () => RunbookDefinition, after: number): Promise<{ resume: number; restore: number; full: number }> {
  let reached: () => void = () => {};
  const atStop = new Promise<void>((resolve) => (reached = resolve));
  const stopAt = `s${after}`;
  const stopping: Runner = {
    name: 'simulator',
    canRun: () => true,
    run: async (input) => {
      if (input.stepId !== stopAt) return { evidence: [] };
      reached();
      return new Promise(() => {});
    },
  };
  const first = await startRun(stateDir, fresh(), benchTarget(`bench:resume:${after}:${Math.random()}`), plugs(stopping));
  void first.start();
  await atStop;
  first.release();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    let resumedAt: () => void = () => {};
    const resumed = new Promise<void>((resolve) => (resumedAt = resolve));
    const probe: Runner = { name: 'simulator', canRun: () => true, run: async () => (resumedAt(), new Promise(() => {})) };
    const runbook = fresh();
    const start = process.hrtime.bigint();
    const again = await resumeRun(stateDir, first.session.runId, plugs(probe), async () => runbook);
    void again.start();
    await resumed;
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    again.release();
  }
  // the part that reads the run's state: the checkpoint, the journal checked and replayed after it
  const restores: number[] = [];
  const paths = runPaths(stateDir, first.session.runId);
  for (let i = 0; i < 9; i++) {
    const runbook = fresh();
    const start = process.hrtime.bigint();
    await restoreRun(paths, first.session.runId, async () => runbook);
    restores.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const full: number[] = [];
  for (let i = 0; i < 9; i++) {
    const start = process.hrtime.bigint();
    checkJournal(paths.journal);
    full.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { resume: median(times.slice(2)), restore: median(restores.slice(2)), full: median(full.slice(2)) };
}

/** `npm run bench -- engine start`: only those parts (all when none is named). */
const PARTS = ['cold', 'engine', 'resume', 'powershell', 'start', 'page'] as const;
const wanted = process.argv.slice(2);
for (const part of wanted) if (!(PARTS as readonly string[]).includes(part)) throw new Error(`no bench part '${part}'; parts: ${PARTS.join(', ')}`);
const runs = (part: (typeof PARTS)[number]) => wanted.length === 0 || wanted.includes(part);

async function main(): Promise<void> {
  const out = (label: string, value: string) => process.stdout.write(`${label.padEnd(58)} ${value}\n`);
  process.stdout.write('runbook bench (medians; ratios are what to read)\n\n');
  if (runs('cold')) coldStart(out);
  const dir = mkdtempSync(join(tmpdir(), 'runbook-bench-'));
  try {
    if (runs('engine')) await enginePerStep(dir, out);
    if (runs('resume')) await resume(dir, out);
    if (runs('powershell')) await powershellStep(dir, out);
    if (runs('start')) await npmStartToPrompt(dir, out);
    if (runs('page')) await trainingPageTime(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Out = (label: string, value: string) => void;

function coldStart(out: Out): void {
  // the three alternate, one run each per round, and the ratios are taken per round: the machine's
  // load drifts, and a ratio of neighbours drifts less than a ratio of medians
  const cold = { node: [] as number[], version: [] as number[], list: [] as number[] };
  for (const args of [['-e', '0'], [CLI, '--version'], [CLI, 'list']]) timeCommand(args, 0); // the page cache, the runbook index
  for (let round = 0; round < 21; round++) {
    cold.node.push(timeCommand(['-e', '0'], 1, 0));
    cold.version.push(timeCommand([CLI, '--version'], 1, 0));
    cold.list.push(timeCommand([CLI, 'list'], 1, 0));
  }
  const ratio = (of: number[]) => median(of.map((t, i) => t / cold.node[i]!));
  out('cold start: node -e 0', `${median(cold.node).toFixed(1)} ms`);
  out('cold start: runbook --version', `${median(cold.version).toFixed(1)} ms  (${ratio(cold.version).toFixed(2)}x node; target <= 1.2x)`);
  out(`cold start: runbook list (${runbookIds().length} runbooks)`, `${median(cold.list).toFixed(1)} ms  (${ratio(cold.list).toFixed(2)}x node; target <= 1.5x)`);
}

const STEPS = 1000;

async function enginePerStep(dir: string, out: Out): Promise<void> {
  const kinds = [
    { name: 'idempotent', runbook: syntheticRunbook(STEPS, true) },
    { name: 'non-idempotent', runbook: syntheticRunbook(STEPS, false) },
  ];
  await engineRun(join(dir, 'warm'), syntheticRunbook(50));
  // fsync latency drifts; engine and floor alternate and the median of the ratios is reported
  const rounds = new Map<string, Array<{ engine: number; floor: number; xstateFloor: number; syncs: number; atomic: number; sizes: string }>>();
  for (let round = 0; round < 3; round++) {
    for (const kind of kinds) {
      const engine = await engineRun(join(dir, `engine-${kind.name}-${round}`), kind.runbook);
      const paths = runPaths(join(dir, `engine-${kind.name}-${round}`), engine.runId);
      const checkpointBytes = statSync(paths.checkpoint).size;
      const journal = readFileSync(paths.journal, 'utf8').split('\n').filter(Boolean);
      const lineBytes = Math.round(journal.reduce((n, l) => n + l.length + 1, 0) / journal.length);
      const perStep = Math.max(1, Math.round(engine.syncsPerStep));
      const floor = floorRun(dir, STEPS, lineBytes, perStep) / STEPS;
      const xstateFloor = await xstateAlone(kind.runbook, { dir, lineBytes, syncsPerStep: perStep });
      const start = process.hrtime.bigint();
      for (let i = 0; i < STEPS; i++) writeFileAtomic(join(dir, 'atomic-only.json'), 'x'.repeat(checkpointBytes));
      const atomic = Number(process.hrtime.bigint() - start) / 1e6 / STEPS;
      const sizes = `2 x ${lineBytes} B per step, ${perStep} fdatasync${perStep > 1 ? 's' : ''}`;
      rounds.set(kind.name, [...(rounds.get(kind.name) ?? []), { engine: engine.msPerStep, floor, xstateFloor, syncs: engine.syncsPerStep, atomic, sizes }]);
    }
  }
  const alone: number[] = [];
  for (let i = 0; i < 3; i++) alone.push(await xstateAlone(kinds[0]!.runbook));
  const xstate = median(alone);
  const mid = (name: string, f: (r: { engine: number; floor: number; xstateFloor: number; syncs: number; atomic: number }) => number) => median(rounds.get(name)!.map(f));
  const count = (name: string) => Number(mid(name, (r) => r.syncs).toFixed(2));
  process.stdout.write(`syncs per step: idempotent ${count('idempotent')}, non-idempotent ${count('non-idempotent')}\n`);
  for (const { name } of kinds) {
    out(`engine: ${STEPS} no-op ${name} steps, per step (journal; checkpoint every 64 transitions)`, `${mid(name, (r) => r.engine).toFixed(3)} ms`);
    out(`  floor: the same appends, bare (${rounds.get(name)![0]!.sizes})`, `${mid(name, (r) => r.floor).toFixed(3)} ms`);
    out('  engine per step / floor per step (median of 3 alternating rounds)', `${mid(name, (r) => r.engine / r.floor).toFixed(2)}x  (target <= 1.3x)`);
    out('  engine per step / one atomic (fsync\'d) checkpoint write', `${mid(name, (r) => r.engine / r.atomic).toFixed(2)}x`);
    out('  XState alone doing the floor\'s appends and syncs, per step', `${mid(name, (r) => r.xstateFloor).toFixed(3)} ms`);
    out('  XState alone with them / floor: the lowest ratio an XState engine gets here', `${mid(name, (r) => r.xstateFloor / r.floor).toFixed(2)}x`);
    out('  engine per step / XState alone with them: the engine\'s own share', `${mid(name, (r) => r.engine / r.xstateFloor).toFixed(2)}x`);
  }
  out('XState alone, per step, in a hot loop (the same machine, no-op actors, no journal)', `${xstate.toFixed(3)} ms`);
}

async function resume(dir: string, out: Out): Promise<void> {
  const fresh = () => syntheticRunbook(STEPS, true);
  const resume10 = await resumeTime(join(dir, 'resume10'), fresh, 10);
  const resume1000 = await resumeTime(join(dir, 'resume1000'), fresh, 999);
  out('resume after 10 steps (to the next step running)', `${resume10.resume.toFixed(2)} ms`);
  out('resume after 1,000 steps', `${resume1000.resume.toFixed(2)} ms  (${(resume1000.resume / resume10.resume).toFixed(2)}x; target <= 1.2x)`);
  out('  of which reading the run state after 10 steps (checkpoint, journal tail)', `${resume10.restore.toFixed(2)} ms`);
  out('  of which reading the run state after 1,000 steps', `${resume1000.restore.toFixed(2)} ms  (${(resume1000.restore / resume10.restore).toFixed(2)}x)`);
  out('  the whole chain checked once (runbook verify) after 1,000 steps', `${resume1000.full.toFixed(2)} ms  (after 10: ${resume10.full.toFixed(2)} ms)`);
}

/**
 * A no-op step on the warm PowerShell session (one pwsh per run, a fresh runspace per step),
 * through the runner and the engine, against starting pwsh cold. The first step, which starts
 * the session, is not counted.
 */
async function powershellStep(dir: string, out: Out): Promise<void> {
  const pwsh = process.env.RUNBOOK_PWSH ?? 'pwsh';
  if (spawnSync(pwsh, ['-NoProfile', '-Command', 'exit'], { stdio: 'ignore' }).status !== 0) {
    out('powershell warm step', 'skipped: no pwsh (set RUNBOOK_PWSH)');
    return;
  }
  const scripts = noOpScripts(dir, 12);
  const cold: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = process.hrtime.bigint();
    spawnSync(pwsh, ['-NoProfile', '-Command', 'exit'], { stdio: 'ignore' });
    if (i >= 2) cold.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const warm = await stepTimes(dir, 'ps', localTransport(pwsh), scripts, 12);
  const ratio = median(warm) / median(cold);
  process.stdout.write(`powershell warm step: ${median(warm).toFixed(0)} ms, cold pwsh start: ${median(cold).toFixed(0)} ms\n`);
  out('  warm step / cold pwsh start', `${ratio.toFixed(2)}  (target <= 0.2)`);

  const sshd = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => existsSync(p));
  if (!sshd) {
    out('ssh warm step', 'skipped: no sshd');
    return;
  }
  const { startSshServer } = await import('../helpers/sshd.js');
  const server = await startSshServer(join(dir, 'sshd'), pwsh, join(ROOT, 'runners', 'powershell', 'aadconnect-encryption-key', 'sim-host'));
  try {
    const [, destination, port] = /^ssh:\/\/(.+):(\d+)$/.exec(server.target)!;
    const firstAt: number[] = [];
    const times = await stepTimes(dir, 'ssh', sshTransport(destination!, Number(port), server.config), scripts, 12, firstAt);
    process.stdout.write(`ssh warm step: ${median(times).toFixed(0)} ms\n`);
    out('  ssh first step (connect, start the remote session)', `${firstAt[0]!.toFixed(0)} ms`);
  } finally {
    await server.stop();
  }
}

function noOpScripts(dir: string, steps: number): string {
  const scripts = join(dir, 'ps-scripts');
  mkdirSync(scripts, { recursive: true });
  writeFileSync(join(scripts, '_common.ps1'), '');
  for (let i = 0; i < steps; i++) {
    writeFileSync(join(scripts, `s${i}.ps1`), 'param($AttemptId, $StepId, $PollIntervalSeconds, $TimeoutSeconds)\n. (Join-Path $PSScriptRoot \'_common.ps1\')\n[Console]::Out.WriteLine(\'RUNBOOK-RESULT {"ok":true,"output":null,"evidence":[]}\')\nexit 0\n');
  }
  return scripts;
}

/** Runs a synthetic runbook of no-op PowerShell steps; the time of each runner call but the first (which starts the session). */
async function stepTimes(dir: string, name: string, transport: Transport, scripts: string, steps: number, first: number[] = []): Promise<number[]> {
  const inner = powershellRunner({ transport, simulatedHost: false, pollSeconds: 0, scriptsDir: scripts });
  const times: number[] = [];
  const timed: Runner = {
    ...inner,
    run: async (input, ctx) => {
      const start = process.hrtime.bigint();
      const result = await inner.run(input, ctx);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      return result;
    },
  };
  const opened = await startRun(join(dir, `${name}-state`), syntheticRunbook(steps), benchTarget(`bench:${name}:${Math.random()}`), plugs(timed));
  const end = await opened.start();
  opened.release();
  await transport.close();
  if (end.outcome !== 'success' || times.length !== steps) throw new Error(`the ${name} bench run ended ${end.outcome} after ${times.length} steps`);
  first.push(times[0]!);
  return times.slice(1);
}

/**
 * `npm start` in a pseudo-terminal (script(1)) until the flagship run on sim:one-connector shows
 * its first prompt, the typed confirmation; nothing changed since the last build. The simulator
 * spends RUNBOOK_SIM_DELAY_MS (SIMULATED_WORK_MS by default) on each of the two steps before it, as a
 * real server would.
 */
async function npmStartToPrompt(dir: string, out: Out): Promise<void> {
  if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status !== 0) {
    out('npm start to the first prompt', 'skipped: no script(1) for a pseudo-terminal');
    return;
  }
  const once = (name: string, env: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const start = process.hrtime.bigint();
      const child = spawn('script', ['-qfc', 'npm start', '/dev/null'], {
        cwd: ROOT,
        env: { ...process.env, ...env, RUNBOOK_STATE_DIR: join(dir, name), NO_COLOR: '1' },
        stdio: ['pipe', 'pipe', 'ignore'],
        detached: true,
      });
      let seen = '';
      const timer = setTimeout(() => finish(new Error(`npm start showed no prompt in 60 s: ${seen.slice(-500)}`)), 60_000);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
        if (error) reject(error);
        else resolve(ms);
      };
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('Type the server name')) finish();
      });
      child.on('exit', () => setTimeout(() => finish(new Error(`npm start ended before its first prompt: ${seen.slice(-500)}`)), 100));
    });
  const times = async (label: string, env: Record<string, string>) => {
    const all: number[] = [];
    for (let i = 0; i < 6; i++) all.push(await once(`${label}-${i}`, env));
    return median(all.slice(1));
  };
  const real = await times('start', {});
  const noDelay = await times('start-nodelay', { RUNBOOK_SIM_DELAY_MS: '0' });
  out('npm start to the first prompt (nothing changed since the build)', `${real.toFixed(0)} ms  (target <= 1500 ms; ${2 * SIMULATED_WORK_MS} ms of it is the simulator's step delay)`);
  out('  the same with RUNBOOK_SIM_DELAY_MS=0 (start-up alone)', `${noDelay.toFixed(0)} ms`);
  const check = spawnSync(process.execPath, [join(ROOT, 'src', 'build-if-stale.mjs')], { stdio: 'ignore' });
  const checks: number[] = [];
  for (let i = 0; i < 5 && check.status === 0; i++) {
    const start = process.hrtime.bigint();
    spawnSync(process.execPath, [join(ROOT, 'src', 'build-if-stale.mjs')], { stdio: 'ignore' });
    checks.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  if (checks.length) out('  the freshness check alone (node start included)', `${median(checks).toFixed(0)} ms`);
}

/** Producing the offline training page for the flagship runbook (Graphviz WASM load included in the first). */
async function trainingPageTime(out: Out): Promise<void> {
  const { trainingPage } = await import('../../src/diagram/training-page.js');
  const { loadRunbook } = await import('../../src/runbook/load-runbook.js');
  const runbook = await loadRunbook('aadconnect-encryption-key');
  let start = process.hrtime.bigint();
  const html = await trainingPage(runbook);
  const cold = Number(process.hrtime.bigint() - start) / 1e6;
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    start = process.hrtime.bigint();
    await trainingPage(runbook);
    warm.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  out('training page (html) for the flagship, first in the process', `${cold.toFixed(0)} ms  (${(html.length / 1024).toFixed(0)} KiB)`);
  out('training page (html), warm', `${median(warm).toFixed(0)} ms`);
}

await main();
// the interrupted runs above leave step deadlines pending; the figures are printed
process.exit(0);
