/**
 * `npm run bench`: figures and ratios measured in one run, printed, never asserted.
 *
 *  1. CLI cold start (`runbook --version`, `runbook list`) against `node -e 0`.
 *  2. Engine overhead per step on a synthetic 1,000-step machine with a no-op runner
 *     (checkpoint and journal included) against the floor: the same durable writes (one atomic
 *     checkpoint write and two fdatasync'd journal appends of the same sizes per step) done bare.
 *  3. Resume after 10 steps against resume after 1,000 steps.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup, type AnyStateMachine } from 'xstate';
import { defineRunbook, type RunbookDefinition } from '../../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../../src/runbook/step-states.js';
import { startRun, resumeRun, type RunPlugs } from '../../src/run/open-run.js';
import type { ResolvedTarget } from '../../src/runner/contract.js';
import { silentReporter } from '../../src/run/reporter.js';
import { AnswersOperator } from '../../src/operator/answers-operator.js';
import { writeFileAtomic } from '../../src/checkpoint/durable-write.js';
import { runPaths } from '../../src/run/paths.js';
import type { Runner } from '../../src/runner/contract.js';
import { powershellRunner } from '../../runners/powershell/powershell-runner.js';
import { localTransport } from '../../runners/powershell/transport.js';
import { writeFileSync, mkdirSync } from 'node:fs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function timeCommand(args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, RUNBOOK_STATE_DIR: tmpdir() } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
    if (i >= 2) times.push(ms); // two warm-up runs fill the page cache
  }
  return median(times);
}

function syntheticRunbook(steps: number): RunbookDefinition {
  const ids = Array.from({ length: steps }, (_, i) => `s${i}`);
  const states: Record<string, object> = {};
  ids.forEach((id, i) => {
    Object.assign(
      states,
      step(id, { title: `Step ${i}`, instructions: ['no-op'], commands: [], destructive: false, idempotent: true }, { onDone: { target: ids[i + 1] ?? 'done' } }),
    );
  });
  states.done = final('Done', 'success', 'all steps ran');
  states.aborted = final('Aborted', 'aborted', 'aborted');
  const machine = setup({ actors: stepActors(ids), guards: engineGuards, actions: engineActions }).createMachine({
    id: `synthetic-${steps}`,
    initial: 's0',
    context: engineContext(),
    states: states as never,
  });
  return defineRunbook({ id: `synthetic-${steps}`, title: 'synthetic', summary: '', appliesTo: '', machine: machine as unknown as AnyStateMachine });
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
async function engineRun(stateDir: string, runbook: RunbookDefinition): Promise<{ msPerStep: number; runId: string }> {
  let first = 0n;
  let last = 0n;
  let calls = 0;
  const timed: Runner = {
    name: 'simulator',
    canRun: () => true,
    run: async () => {
      last = process.hrtime.bigint();
      if (calls++ === 0) first = last;
      return { evidence: [] };
    },
  };
  const opened = await startRun(stateDir, runbook, benchTarget(`bench:${runbook.id}:${Math.random()}`), plugs(timed));
  await opened.start();
  opened.release();
  return { msPerStep: Number(last - first) / 1e6 / (calls - 1), runId: opened.session.runId };
}

/** The same durable writes as the engine made, bare: sizes taken from the run's own files. */
function floorRun(dir: string, steps: number, checkpointBytes: number, journalLineBytes: number): number {
  const checkpoint = 'x'.repeat(checkpointBytes);
  const line = `${'y'.repeat(journalLineBytes - 1)}\n`;
  const path = join(dir, 'floor-checkpoint.json');
  const fd = openSync(join(dir, 'floor-journal.jsonl'), 'a');
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) {
    writeSync(fd, line);
    fdatasyncSync(fd);
    writeSync(fd, line);
    fdatasyncSync(fd);
    writeFileAtomic(path, checkpoint);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  closeSync(fd);
  return ms;
}

/** Runs `steps` steps, leaves the run interrupted at the next one, and times resuming it. */
async function resumeTime(stateDir: string, runbook: RunbookDefinition, after: number): Promise<number> {
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
  const first = await startRun(stateDir, runbook, benchTarget(`bench:resume:${after}:${Math.random()}`), plugs(stopping));
  void first.start();
  await atStop;
  first.release();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    let resumedAt: () => void = () => {};
    const resumed = new Promise<void>((resolve) => (resumedAt = resolve));
    const probe: Runner = { name: 'simulator', canRun: () => true, run: async () => (resumedAt(), new Promise(() => {})) };
    const start = process.hrtime.bigint();
    const again = await resumeRun(stateDir, first.session.runId, plugs(probe), async () => runbook);
    void again.start();
    await resumed;
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    again.release();
  }
  return median(times.slice(2));
}

async function main(): Promise<void> {
  const out = (label: string, value: string) => process.stdout.write(`${label.padEnd(58)} ${value}\n`);
  process.stdout.write('runbook bench (medians; ratios are what to read)\n\n');

  const node = timeCommand(['-e', '0'], 15);
  const version = timeCommand([CLI, '--version'], 15);
  const list = timeCommand([CLI, 'list'], 15);
  out('cold start: node -e 0', `${node.toFixed(1)} ms`);
  out('cold start: runbook --version', `${version.toFixed(1)} ms  (${(version / node).toFixed(2)}x node; target <= 2x)`);
  out('cold start: runbook list', `${list.toFixed(1)} ms  (${(list / node).toFixed(2)}x node)`);

  const dir = mkdtempSync(join(tmpdir(), 'runbook-bench-'));
  try {
    const steps = 1000;
    const runbook = syntheticRunbook(steps);
    await engineRun(join(dir, 'warm'), syntheticRunbook(50));
    // fsync latency drifts; engine and floor alternate and the median of the ratios is reported
    const rounds: Array<{ engine: number; floor: number; atomic: number }> = [];
    let sizes = '';
    for (let round = 0; round < 3; round++) {
      const engine = await engineRun(join(dir, `engine-${round}`), runbook);
      const paths = runPaths(join(dir, `engine-${round}`), engine.runId);
      const checkpointBytes = statSync(paths.checkpoint).size;
      const journal = readFileSync(paths.journal, 'utf8').split('\n').filter(Boolean);
      const lineBytes = Math.round(journal.reduce((n, l) => n + l.length + 1, 0) / journal.length);
      sizes = `1 atomic ${checkpointBytes} B + 2 x ${lineBytes} B appends per step`;
      const floor = floorRun(dir, steps, checkpointBytes, lineBytes) / steps;
      const start = process.hrtime.bigint();
      for (let i = 0; i < steps; i++) writeFileAtomic(join(dir, 'atomic-only.json'), 'x'.repeat(checkpointBytes));
      const atomic = Number(process.hrtime.bigint() - start) / 1e6 / steps;
      rounds.push({ engine: engine.msPerStep, floor, atomic });
    }
    const mid = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
    out(`engine: ${steps} no-op steps, per step (checkpoint + journal)`, `${mid((r) => r.engine).toFixed(3)} ms`);
    out(`floor: the same durable writes, bare (${sizes})`, `${mid((r) => r.floor).toFixed(3)} ms`);
    out('engine per step / floor per step (median of 3 alternating rounds)', `${mid((r) => r.engine / r.floor).toFixed(2)}x  (target <= 1.2x)`);
    out('engine per step / one atomic checkpoint write', `${mid((r) => r.engine / r.atomic).toFixed(2)}x`);

    const resume10 = await resumeTime(join(dir, 'resume10'), runbook, 10);
    const resume1000 = await resumeTime(join(dir, 'resume1000'), runbook, 999);
    out('resume after 10 steps (to the next step running)', `${resume10.toFixed(2)} ms`);
    out('resume after 1,000 steps', `${resume1000.toFixed(2)} ms  (${(resume1000 / resume10).toFixed(2)}x; target: flat, ~1x)`);
    await powershellStep(dir, out);
    await trainingPageTime(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The engine's overhead per PowerShell step: a no-op script through the runner against bare pwsh. */
async function powershellStep(dir: string, out: (label: string, value: string) => void): Promise<void> {
  const pwsh = process.env.RUNBOOK_PWSH ?? 'pwsh';
  if (spawnSync(pwsh, ['-NoProfile', '-Command', 'exit'], { stdio: 'ignore' }).status !== 0) {
    out('powershell step', 'skipped: no pwsh (set RUNBOOK_PWSH)');
    return;
  }
  const steps = 8;
  const scripts = join(dir, 'ps-scripts');
  mkdirSync(scripts);
  writeFileSync(join(scripts, '_common.ps1'), '');
  for (let i = 0; i < steps; i++) writeFileSync(join(scripts, `s${i}.ps1`), 'param($AttemptId, $StepId, $PollIntervalSeconds, $TimeoutSeconds)\n[Console]::Out.WriteLine(\'RUNBOOK-RESULT {"ok":true,"output":null,"evidence":[]}\')\n');
  const bare: number[] = [];
  for (let i = 0; i < steps + 2; i++) {
    const start = process.hrtime.bigint();
    spawnSync(pwsh, ['-NoProfile', '-Command', 'exit'], { stdio: 'ignore' });
    if (i >= 2) bare.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const runner = powershellRunner({ transport: localTransport(pwsh), simulatedHost: false, pollSeconds: 0, scriptsDir: scripts });
  const runbook = syntheticRunbook(steps);
  const start = process.hrtime.bigint();
  const opened = await startRun(join(dir, 'ps-state'), runbook, benchTarget(`bench:ps:${Math.random()}`), plugs(runner));
  await opened.start();
  const engine = Number(process.hrtime.bigint() - start) / 1e6 / steps;
  opened.release();
  const floor = bare.reduce((a, b) => a + b, 0) / bare.length;
  out('bare: pwsh -NoProfile -Command exit', `${floor.toFixed(0)} ms`);
  out(`engine: one no-op PowerShell step (mean of ${steps})`, `${engine.toFixed(0)} ms  (${(engine / floor).toFixed(2)}x bare pwsh; target <= 1.1x)`);
}

/** Producing the offline training page for the flagship runbook (Graphviz WASM load included in the first). */
async function trainingPageTime(out: (label: string, value: string) => void): Promise<void> {
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
