import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, killAt, readJsonFile, readJsonLines, ROOT, runDirs, startCli, tempDir, writeJson } from './helpers/cli.js';
import { skipWithoutPart } from './helpers/parts.js';
import { PWSH } from './helpers/pwsh.js';
import { visitedStates } from '../src/run/debrief.js';
import type { TimedRecord } from '../src/journal/records.js';
import type { Scenario } from '../runners/simulator/aadconnect-staging-switch/host.js';

/**
 * The active/staging switch through the built CLI, on two simulated servers: every scenario on
 * the in-process simulator and through the real PowerShell scripts (same end state), both servers
 * locked for the whole run, the gate "never two active", kills inside both wizard steps, drills.
 */
const RUNBOOK = 'aadconnect-staging-switch';
const root = tempDir('runbook-staging-');
const dir = join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios');
const all: Scenario[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Scenario);
const drills = all.filter((s) => s.drill);
const byName = (name: string) => all.find((s) => s.name === name)!;

function answersFor(scenario: Scenario, extra: Record<string, unknown> = {}): string {
  return writeJson(root, `answers-${scenario.name}-${Object.keys(extra).join('-')}.json`, {
    operator: 'test-operator',
    answers: { approveExports: 'approve', confirmSwitch: scenario.servers.active.name, manual: 'done', stepFailed: 'abort', ...scenario.expect.answers, ...extra },
    secrets: {},
  });
}

/** Both simulated servers as a run leaves them: no times, no run-specific paths. */
function endState(runDir: string) {
  const s = readJsonFile(join(runDir, 'simulated-server.json'));
  const server = (v: any) => ({
    stagingMode: v.stagingMode,
    reachable: v.reachable,
    pending: { add: v.pending.add, update: v.pending.update, delete: v.pending.delete },
    runs: v.runs.map((r: any) => `${r.connector}: ${r.profile} ${r.result}`).sort(),
  });
  return { active: server(s.servers.active), staging: server(s.servers.staging), ops: s.effects.map((e: any) => `${e.server}:${e.stepId}:${e.op}`) };
}

const simRun = (name: string) => runDirs(join(root, `sim-${name}`))[0]!;

describe('aadconnect-staging-switch: the package', () => {
  it('is listed, shows its scenarios and roles, offers drills, and passes runbook check', async () => {
    const meta = join(root, 'meta');
    const list = await cli(['list', '--json'], { stateDir: meta });
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toContain(RUNBOOK);
    const show = await cli(['show', RUNBOOK, '--json'], { stateDir: meta });
    const shown = JSON.parse(show.stdout);
    expect(shown.scenarios.length).toBeGreaterThanOrEqual(3);
    expect(shown.targetRoles.map((r: { name: string }) => r.name)).toEqual(['active', 'staging']);
    for (const s of shown.states.filter((x: { kind: string }) => x.kind === 'step')) expect(['active', 'staging'], s.key).toContain(s.on);
    const text = await cli(['show', RUNBOOK], { stateDir: meta });
    expect(text.stdout).toMatch(/\[on staging\]/);
    const train = await cli(['train', RUNBOOK, '--list', '--json'], { stateDir: meta });
    expect(JSON.parse(train.stdout).length).toBeGreaterThanOrEqual(2);
    for (const d of drills) expect(d.drill!.briefing?.length, d.name).toBeGreaterThan(0);
    const mermaid = await cli(['diagram', RUNBOOK], { stateDir: meta });
    expect(mermaid.stdout).toMatch(/on active/);
    const check = await cli(['check', RUNBOOK], { stateDir: meta, env: PWSH ? { RUNBOOK_PWSH: PWSH } : {} });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  });

  it('refuses a single real server, an unknown role, or the same server twice, before anything is written', async () => {
    const stateDir = join(root, 'refused');
    for (const args of [
      ['--target', 'ssh://aadc01'],
      ['--target', 'active=ssh://aadc01'],
      ['--target', 'active=ssh://aadc01', '--target', 'primary=ssh://aadc02'],
      ['--target', 'active=ssh://aadc01', '--target', 'staging=ssh://AADC01'],
    ]) {
      const result = await cli(['run', RUNBOOK, ...args, '--answers', answersFor(byName('happy'))], { stateDir });
      expect(result.exitCode, result.stderr).toBe(2);
    }
    expect(runDirs(stateDir)).toEqual([]);
  });
});

describe('aadconnect-staging-switch on two simulated servers', () => {
  for (const scenario of all) {
    it(`${scenario.name} ends at ${scenario.expect.final} (exit ${scenario.expect.exitCode})`, async () => {
      const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`) });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = simRun(scenario.name);
      const checkpoint = readJsonFile(join(runDir, 'checkpoint.json'));
      expect(checkpoint).toMatchObject({ status: 'done', state: scenario.expect.final, target: `active=sim:${scenario.name};staging=sim:${scenario.name}` });
      expect(checkpoint.lockKey.split(' + ').sort()).toEqual([`sim-${RUNBOOK}-${scenario.name}-active`, `sim-${RUNBOOK}-${scenario.name}-staging`]);
      const journal = readJsonLines(join(runDir, 'journal.jsonl'));
      expect(journal.at(-1)).toMatchObject({ type: 'run-finished', state: scenario.expect.final });
      // every step ran on its role's runner
      for (const r of journal.filter((x) => x.type === 'step-started')) expect(r.runner).toMatch(/^simulator on (active|staging)$/);
      const server = readJsonFile(join(runDir, 'simulated-server.json'));
      const ops: string[] = server.effects.map((e: { server: string; op: string }) => `${e.server}:${e.op}`);
      expect(ops.includes('staging:staging-off')).toBe(scenario.expect.promoted);
      // the staging server is never promoted unless the old one was read in staging mode or recorded isolated
      if (scenario.expect.promoted) {
        const gate = journal.find((r) => r.type === 'step-finished' && r.stepId === 'checkOldActive' && r.output?.stagingMode === true);
        const isolated = journal.find((r) => r.type === 'decision' && r.question === 'neverTwoActive' && r.answer === 'isolated');
        expect(gate ?? isolated).toBeTruthy();
        if (isolated) expect(isolated.reason).toMatch(/powered off/);
        const approved = journal.find((r) => r.type === 'decision' && r.question === 'approveExports');
        expect(approved).toMatchObject({ answer: 'approve', by: 'test-operator' });
        expect(journal.find((r) => r.type === 'step-finished' && r.stepId === 'verifyExports').output.ok).toBe(true);
      }
      if (scenario.expect.exitCode === 3) expect(ops).toEqual([]);
    });
  }

  it('the pending-export check shows counts per operation and a sample before the approval', () => {
    const journal = readJsonLines(join(simRun('happy'), 'journal.jsonl'));
    const pending = journal.find((r) => r.type === 'step-finished' && r.stepId === 'pendingExports');
    expect(pending.output).toMatchObject({ add: 3, update: 12, delete: 1 });
    expect(pending.evidence.join('\n')).toMatch(/3 add, 12 update, 1 delete[\s\S]*sample: delete CN=Temp Contractor 7/);
    const order = journal.filter((r) => r.type === 'step-finished' || r.type === 'decision').map((r) => r.stepId ?? r.question);
    expect(order.indexOf('approveExports')).toBeGreaterThan(order.indexOf('pendingExports'));
    expect(order.indexOf('demoteActive')).toBeGreaterThan(order.indexOf('confirmSwitch'));
  });

  it('never two active: while the old active server is still active, the staging server is not promoted', () => {
    const runDir = simRun('active-stays-active');
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.find((r) => r.type === 'step-finished' && r.stepId === 'checkOldActive').output).toEqual({ stagingMode: false });
    expect(journal.find((r) => r.type === 'decision' && r.question === 'neverTwoActive')).toMatchObject({ answer: 'abort' });
    expect(journal.some((r) => r.type === 'step-started' && r.stepId === 'promoteStaging')).toBe(false);
    const server = readJsonFile(join(runDir, 'simulated-server.json'));
    expect(server.servers.staging.stagingMode).toBe(true);
    expect(server.servers.active.stagingMode).toBe(false);
  });

  it('status says which server each step touched', async () => {
    const stateDir = join(root, 'sim-happy');
    const status = await cli(['status'], { stateDir });
    expect(status.stdout).toMatch(/Switch AADC01 to staging mode .*\[on active: sim:happy\]/);
    expect(status.stdout).toMatch(/Make AADC02 active .*\[on staging: sim:happy\]/);
    const json = JSON.parse((await cli(['status', '--json'], { stateDir })).stdout);
    expect(json.targets).toEqual({ active: 'sim:happy', staging: 'sim:happy' });
    expect(json.steps.find((s: { key: string }) => s.key === 'promoteStaging')).toMatchObject({ on: 'staging', onTarget: 'sim:happy' });
  });
});

describe('aadconnect-staging-switch: both servers are locked for the whole run', () => {
  it('a second run on either server is refused (exit 6) while the first holds them; both are free afterwards', async () => {
    const stateDir = join(root, 'locks');
    const answers = answersFor(byName('happy'));
    const first = startCli(['run', RUNBOOK, '--target', 'active=ssh://aadc01', '--target', 'staging=ssh://aadc02', '--answers', answers], {
      stateDir,
      env: { RUNBOOK_FAULT: 'step-started:checkActive' },
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      first.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('RUNBOOK_FAULT_REACHED')) resolve();
      });
      first.on('exit', () => reject(new Error(`the first run ended: ${stderr}`)));
    });
    const emptyAnswers = writeJson(root, 'no-answers.json', { answers: {}, secrets: {} });
    try {
      const locks = readdirSync(join(stateDir, 'locks')).sort();
      expect(locks).toEqual(['server-aadc01.lock', 'server-aadc02.lock']);
      // the same two servers in another switch, either one in a switch with a third server, and another runbook on one of them
      for (const args of [
        ['run', RUNBOOK, '--target', 'active=ssh://aadc01', '--target', 'staging=ssh://aadc02'],
        ['run', RUNBOOK, '--target', 'active=ssh://aadc03', '--target', 'staging=ssh://aadc02'],
        ['run', RUNBOOK, '--target', 'active=ssh://aadc01', '--target', 'staging=ssh://aadc04'],
        ['run', 'aadconnect-localdb-full', '--target', 'ssh://aadc02'],
      ]) {
        // an answers file is checked against its own runbook first: another runbook gets one of its own
        const second = await cli([...args, '--answers', args[1] === RUNBOOK ? answers : emptyAnswers], { stateDir });
        expect(second.exitCode, `${args.join(' ')}: ${second.stderr}`).toBe(6);
        expect(second.stderr).toMatch(/in use/);
      }
      expect(runDirs(stateDir)).toHaveLength(1);
    } finally {
      first.kill('SIGKILL');
      await first.catch(() => {});
    }
    // the killed run is unfinished: a new run on either of its servers is refused with the command that resumes it
    const again = await cli(['run', 'aadconnect-localdb-full', '--target', 'ssh://aadc01', '--answers', emptyAnswers], { stateDir });
    expect(again.exitCode).toBe(6);
    expect(again.stderr).toMatch(/unfinished run .* resume it with: runbook resume/);
  });

  it('on the simulator each role is its own server: a run killed mid-run keeps both from a new run until it is resumed', async () => {
    const stateDir = join(root, 'sim-locks');
    const killed = await killAt(['run', RUNBOOK, '--target', 'sim:happy', '--answers', answersFor(byName('happy'))], 'step-started:pendingExports', { stateDir });
    expect(killed.reached, killed.stderr).toBe(true);
    const second = await cli(['run', RUNBOOK, '--target', 'active=sim:happy', '--target', 'staging=sim:happy', '--answers', answersFor(byName('happy'))], { stateDir });
    expect(second.exitCode).toBe(6);
    expect(second.stderr).toMatch(/unfinished run/);
    const resumed = await cli(['resume', '--answers', answersFor(byName('happy'))], { stateDir });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(0);
    expect(readdirSync(join(stateDir, 'locks'))).toEqual([]);
  });
});

describe('aadconnect-staging-switch: a crash inside each wizard step', () => {
  it.each([
    ['step-started:demoteActive', 'demoteActive', 'not-done', 'rerun'],
    ['applied:demoteActive', 'demoteActive', 'done', 'mark-done'],
    ['step-started:promoteStaging', 'promoteStaging', 'not-done', 'rerun'],
    ['applied:promoteStaging', 'promoteStaging', 'done', 'mark-done'],
  ])('SIGKILL at %s: the probe reads the server (%s), each wizard takes effect exactly once', async (point, stepId, verdict, answer) => {
    const scenario = byName('happy');
    const stateDir = join(root, `crash-${point.replace(/\W+/g, '-')}`);
    const killed = await killAt(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], point, { stateDir });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const resumed = await cli(['resume', '--answers', answersFor(scenario, { inDoubt: 'probe' })], { stateDir });
    expect(resumed.exitCode, resumed.stderr.slice(-3000)).toBe(0);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId, verdict })]);
    expect(journal.filter((r) => r.type === 'decision' && r.question === 'inDoubt')).toEqual([expect.objectContaining({ stepId, answer, reason: `probe: ${verdict}` })]);
    const ops: string[] = readJsonFile(join(runDir, 'simulated-server.json')).effects.map((e: { server: string; op: string }) => `${e.server}:${e.op}`);
    expect(ops.filter((op) => op === 'active:staging-on')).toHaveLength(1);
    expect(ops.filter((op) => op === 'staging:staging-off')).toHaveLength(1);
    // after the promotion the demotion never starts again
    if (stepId === 'promoteStaging') expect(journal.filter((r) => r.type === 'step-started' && r.stepId === 'demoteActive')).toHaveLength(1);
  });
});

describe('aadconnect-staging-switch drills', () => {
  for (const drill of drills) {
    it(`${drill.name}: runs to ${drill.expect.final} along its ideal path, with a debrief`, async () => {
      const stateDir = join(root, `drill-${drill.name}`);
      const result = await cli(['train', RUNBOOK, '--scenario', drill.name, '--answers', answersFor(drill)], { stateDir });
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(drill.expect.exitCode);
      const journal = readJsonLines(join(runDirs(join(stateDir, 'training'))[0]!, 'journal.jsonl')) as TimedRecord[];
      expect(journal.at(-1)).toMatchObject({ type: 'run-finished', state: drill.expect.final });
      // the debrief names the ideal path in titles, one per state
      const idealLine = result.stderr.split('\n').find((l) => l.includes('ideal path:'))!;
      expect(idealLine.split(' → ')).toHaveLength(drill.drill!.ideal.length);
      expect(idealLine).not.toMatch(/\b[a-z]+[A-Z][A-Za-z]*\b/);
      for (const line of drill.drill!.briefing ?? []) expect(result.stderr).toContain(line);
      const visited = visitedStates(journal).map((v) => v.state);
      let at = -1;
      for (const state of drill.drill!.ideal) {
        at = visited.indexOf(state, at + 1);
        expect(at, `${state} in ${visited.join(',')}`).toBeGreaterThanOrEqual(0);
      }
    });
  }
});

describe.skipIf(skipWithoutPart('pwsh', PWSH))('aadconnect-staging-switch through pwsh against two simulated hosts', () => {
  for (const scenario of all) {
    it(`${scenario.name}: the PowerShell scripts leave both servers as the simulator does`, async () => {
      if (runDirs(join(root, `sim-${scenario.name}`)).length === 0) {
        await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`) });
      }
      const stateDir = join(root, `pwsh-${scenario.name}`);
      const result = await cli(['run', RUNBOOK, '--target', `active=pwsh-sim:${scenario.name}`, '--target', `staging=pwsh-sim:${scenario.name}`, '--answers', answersFor(scenario)], {
        stateDir,
        env: { RUNBOOK_PWSH: PWSH! },
      });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = runDirs(stateDir)[0]!;
      expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
      expect(endState(runDir)).toEqual(endState(simRun(scenario.name)));
      const journal = readJsonLines(join(runDir, 'journal.jsonl'));
      for (const r of journal.filter((x) => x.type === 'step-started')) expect(r.runner).toMatch(/^powershell on (active|staging)$/);
      expect(existsSync(join(runDir, 'simulated-server.json'))).toBe(true);
    });
  }
});
