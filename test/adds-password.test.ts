import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, filesContainingSecrets, killAt, readJsonFile, readJsonLines, ROOT, runDirs, tempDir, writeJson } from './helpers/cli.js';
import { skipWithoutPart } from './helpers/parts.js';
import { PWSH } from './helpers/pwsh.js';
import { visitedStates } from '../src/run/debrief.js';
import type { TimedRecord } from '../src/journal/records.js';
import type { Scenario } from '../runners/simulator/aadconnect-adds-password/host.js';

/**
 * The AD DS connector password runbook through the built CLI: every scenario on the in-process
 * simulator, the same scenarios through the PowerShell scripts against the simulated host (same
 * end state), the drills, and a SIGKILL inside the restart (not idempotent: probed on resume).
 */
const RUNBOOK = 'aadconnect-adds-password';
const root = tempDir('runbook-adds-');
const all: Scenario[] = readdirSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios', f), 'utf8')) as Scenario);
const drills = all.filter((s) => s.drill);
const NEW = 'Forest-Pass-2026!';
const WRONG = 'Forest-Pass-2O26!';
const env = { RB_ADDS_NEW: NEW, RB_ADDS_WRONG: WRONG };

/** Every connector, the optional check (not where the first password typed is wrong), retry a failed step. */
function answersFor(scenario: Scenario): string {
  const wrongFirst = scenario.name === 'wrong-password-typed';
  return writeJson(root, `answers-${scenario.name}.json`, {
    operator: 'test-operator',
    answers: { whichConnectors: 'all', checkFirst: wrongFirst ? 'nocheck' : 'check', manual: 'done', stepFailed: 'retry' },
    secrets: { 'adds-password:*': { env: wrongFirst ? ['RB_ADDS_WRONG', 'RB_ADDS_NEW'] : 'RB_ADDS_NEW' } },
  });
}

function endState(runDir: string) {
  const s = readJsonFile(join(runDir, 'simulated-server.json'));
  return {
    service: s.service.status,
    connectors: s.connectors.map((c: { name: string; storedSha256: string; inUseSha256: string }) => `${c.name}: ${c.storedSha256} ${c.inUseSha256}`),
    runs: s.runs.map((r: { connector: string; result: string }) => `${r.connector}: ${r.result}`).sort(),
    events: s.events.map((e: { id: number }) => e.id).sort(),
    ops: s.effects.map((e: { op: string; stepId: string }) => `${e.stepId}:${e.op}`),
  };
}

const simRun = (name: string) => runDirs(join(root, `sim-${name}`))[0]!;

describe('aadconnect-adds-password: the package', () => {
  it('is listed, shows its scenarios, offers drills, and passes runbook check', async () => {
    const list = await cli(['list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toContain(RUNBOOK);
    const show = await cli(['show', RUNBOOK, '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(show.stdout).scenarios.map((s: { name: string }) => s.name).sort()).toEqual(all.map((s) => s.name).sort());
    expect(all.length).toBeGreaterThanOrEqual(3);
    const train = await cli(['train', RUNBOOK, '--list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(train.stdout).length).toBeGreaterThanOrEqual(2);
    for (const d of drills) expect(d.drill!.briefing?.length, d.name).toBeGreaterThan(0);
    const check = await cli(['check', RUNBOOK], { stateDir: join(root, 'meta'), env: PWSH ? { RUNBOOK_PWSH: PWSH } : {} });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  });
});

describe('aadconnect-adds-password on the simulator', () => {
  for (const scenario of all) {
    it(`${scenario.name} ends at ${scenario.expect.final} (exit ${scenario.expect.exitCode})`, async () => {
      const stateDir = join(root, `sim-${scenario.name}`);
      const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir, env });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = simRun(scenario.name);
      expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
      const server = readJsonFile(join(runDir, 'simulated-server.json'));
      const ops: string[] = server.effects.map((e: { op: string }) => e.op);
      expect(ops.filter((op) => op.startsWith('password:'))).toHaveLength(scenario.expect.passwordsEntered);
      // a gate, a hand-over or a healthy server: nothing changed
      if (scenario.expect.final !== 'done') expect(ops).toEqual([]);
      if (scenario.expect.final === 'done') {
        // the password was stored before the restart, and verified after it
        expect(ops.lastIndexOf('restart')).toBeGreaterThan(ops.lastIndexOf(ops.filter((o) => o.startsWith('password:')).at(-1)!));
        for (const c of server.connectors.filter((c: { type: string }) => c.type === 'AD')) expect(c.inUseSha256).toBe(server.accounts[0].passwordSha256);
      }
      expect(filesContainingSecrets(stateDir, [NEW, WRONG])).toEqual([]);
    });
  }

  it('a password still refused after the restart sends the run back to that connector, named', () => {
    const journal = readJsonLines(join(simRun('wrong-password-typed'), 'journal.jsonl'));
    const verifies = journal.filter((r) => r.type === 'step-finished' && r.stepId === 'verify');
    expect(verifies.map((v) => v.output.failing)).toEqual([['contoso.com'], []]);
    expect(verifies[0].evidence.join(' ')).toMatch(/still no-start-credentials: contoso\.com/);
  });

  it('the gates say why: a Domain Admin on a 2.x build, a managed service account', () => {
    for (const name of ['domain-admin-account', 'managed-account']) {
      const pre = readJsonLines(join(simRun(name), 'journal.jsonl')).find((r) => r.type === 'step-finished' && r.stepId === 'preChecks');
      expect(pre.output.blockers.join(' ')).toMatch(name === 'managed-account' ? /managed service account/ : /Domain Admins.*refuses/);
    }
  });
});

describe('aadconnect-adds-password drills', () => {
  for (const drill of drills) {
    it(`${drill.name}: runs to ${drill.expect.final} along its ideal path, with its briefing`, async () => {
      const stateDir = join(root, `drill-${drill.name}`);
      const result = await cli(['train', RUNBOOK, '--scenario', drill.name, '--answers', answersFor(drill)], { stateDir, env });
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(drill.expect.exitCode);
      for (const line of drill.drill!.briefing ?? []) expect(result.stderr).toContain(line);
      const journal = readJsonLines(join(runDirs(join(stateDir, 'training'))[0]!, 'journal.jsonl')) as TimedRecord[];
      const visited = visitedStates(journal).map((v) => v.state);
      let at = -1;
      for (const state of drill.drill!.ideal) {
        at = visited.indexOf(state, at + 1);
        expect(at, `${state} in ${visited.join(',')}`).toBeGreaterThanOrEqual(0);
      }
    });
  }
});

describe.skipIf(skipWithoutPart('pwsh', PWSH))('aadconnect-adds-password through pwsh against the simulated host', () => {
  const pwshEnv = { ...env, RUNBOOK_PWSH: PWSH! };
  for (const scenario of all) {
    it(`${scenario.name}: the PowerShell scripts leave the server as the simulator does`, async () => {
      if (runDirs(join(root, `sim-${scenario.name}`)).length === 0) {
        await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`), env });
      }
      const stateDir = join(root, `pwsh-${scenario.name}`);
      const result = await cli(['run', RUNBOOK, '--target', `pwsh-sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir, env: pwshEnv });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = runDirs(stateDir)[0]!;
      expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
      expect(endState(runDir)).toEqual(endState(simRun(scenario.name)));
      expect(filesContainingSecrets(stateDir, [NEW, WRONG])).toEqual([]);
    });
  }

  it('SIGKILL while pwsh restarts the service, then resume: restartService.probe.ps1 reads the process start time; one restart', async () => {
    const scenario = all.find((s) => s.name === 'password-changed')!;
    const stateDir = join(root, 'pwsh-crash-restart');
    const answers = answersFor(scenario);
    const killed = await killAt(['run', RUNBOOK, '--target', `pwsh-sim:${scenario.name}`, '--answers', answers], 'spawned:restartService', { stateDir, env: pwshEnv });
    expect(killed.reached).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    // the script goes on after the CLI died, as it would on the server
    for (let i = 0; i < 1200 && !readFileSync(join(runDir, 'simulated-server.json'), 'utf8').includes('"op": "restart"'); i++) await sleep(100);
    const resumeAnswers = writeJson(root, 'resume-pwsh-restart.json', { ...readJsonFile(answers), answers: { ...readJsonFile(answers).answers, inDoubt: 'probe' } });
    const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir, env: pwshEnv });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(0);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: 'restartService', verdict: 'done' })]);
    expect(endState(runDir).ops.filter((o) => o.endsWith(':restart'))).toHaveLength(1);
  });
});

describe('aadconnect-adds-password: a crash inside the restart', () => {
  it.each([
    ['step-started:restartService', 'not-done', 'rerun'],
    ['applied:restartService', 'done', 'mark-done'],
  ])('SIGKILL at %s: the probe reads the service start time and says %s; one restart, verified', async (point, verdict, answer) => {
    const scenario = all.find((s) => s.name === 'password-changed')!;
    const stateDir = join(root, `crash-${point.replace(/\W+/g, '-')}`);
    const answers = answersFor(scenario);
    const killed = await killAt(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answers], point, { stateDir, env });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const resumeAnswers = writeJson(root, `resume-${point.replace(/\W+/g, '-')}.json`, { ...readJsonFile(answers), answers: { ...readJsonFile(answers).answers, inDoubt: 'probe' } });
    const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: 'restartService', verdict })]);
    expect(journal.filter((r) => r.type === 'decision' && r.question === 'inDoubt')).toEqual([expect.objectContaining({ answer, reason: `probe: ${verdict}` })]);
    const ops = endState(runDir).ops;
    expect(ops.filter((o) => o.endsWith(':restart'))).toHaveLength(1);
    expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe('done');
  });
});
