import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, killAt, readJsonFile, readJsonLines, ROOT, runDirs, tempDir, writeJson } from './helpers/cli.js';
import { skipWithoutPart } from './helpers/parts.js';
import { PWSH } from './helpers/pwsh.js';
import { visitedStates } from '../src/run/debrief.js';
import type { TimedRecord } from '../src/journal/records.js';
import type { Scenario } from '../runners/simulator/aadconnect-localdb-full/host.js';

/**
 * The LocalDB 10-GB runbook through the built CLI: every scenario on the in-process simulator,
 * the same scenarios through the real PowerShell scripts against the simulated host (same end
 * state), every drill, the typed confirmation in front of the purge, and `runbook check`.
 */
const RUNBOOK = 'aadconnect-localdb-full';
const root = tempDir('runbook-localdb-');
const all: Scenario[] = readdirSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios', f), 'utf8')) as Scenario);
const drills = all.filter((s) => s.drill);

/** Answers everything the runbook asks: the server name for the purge, retry a failed step (abort a shrink that cannot run). */
function answersFor(scenario: Scenario, confirm = scenario.server.name): string {
  return writeJson(root, `answers-${scenario.name}-${confirm}.json`, {
    operator: 'test-operator',
    answers: { confirmPurge: confirm, stepFailed: { shrinkDatabase: 'abort', '*': 'retry' } },
    secrets: {},
  });
}

/** The simulated server as both targets must leave it: no timestamps, no run-specific paths. */
function endState(runDir: string) {
  const s = readJsonFile(join(runDir, 'simulated-server.json'));
  return {
    service: s.service.status,
    database: { mdfMb: s.database.mdfMb, ldfMb: s.database.ldfMb, freeInsideMb: s.database.freeInsideMb, oldHistoryMb: s.database.oldHistoryMb },
    diskFreeMb: s.diskFreeMb,
    retention: s.scheduler.purgeRunHistoryInterval,
    backup: s.backup ? { mdfMb: s.backup.mdfMb, ldfMb: s.backup.ldfMb } : null,
    runs: s.runs.map((r: { connector: string; result: string }) => `${r.connector}: ${r.result}`).sort(),
    events: s.events.map((e: { log: string; id: number }) => `${e.log} ${e.id}`).sort(),
    ops: s.effects.map((e: { op: string; stepId: string }) => `${e.stepId}:${e.op}`),
  };
}

const simRun = (name: string) => runDirs(join(root, `sim-${name}`))[0]!;

describe('aadconnect-localdb-full: the package', () => {
  it('is listed, shows its scenarios, offers drills, and passes runbook check', async () => {
    const list = await cli(['list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toContain(RUNBOOK);
    const show = await cli(['show', RUNBOOK, '--json'], { stateDir: join(root, 'meta') });
    expect(show.exitCode).toBe(0);
    expect(JSON.parse(show.stdout).scenarios.map((s: { name: string }) => s.name).sort()).toEqual(all.map((s) => s.name).sort());
    const train = await cli(['train', RUNBOOK, '--list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(train.stdout).length).toBeGreaterThanOrEqual(2);
    const check = await cli(['check', RUNBOOK], { stateDir: join(root, 'meta'), env: PWSH ? { RUNBOOK_PWSH: PWSH } : {} });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  });

  it('has the scenarios the brief asks for, and drills with briefings', () => {
    expect(all.map((s) => s.name)).toEqual(expect.arrayContaining(['service-will-not-start', 'still-running-disk-full', 'healthy', 'encryption-key-not-db', 'real-sql', 'shrink-frees-nothing']));
    expect(drills.length).toBeGreaterThanOrEqual(2);
    for (const d of drills) expect(d.drill!.briefing?.length, d.name).toBeGreaterThan(0);
  });
});

describe('aadconnect-localdb-full on the simulator, through an answers file', () => {
  for (const scenario of all) {
    it(`${scenario.name} ends at ${scenario.expect.final} (exit ${scenario.expect.exitCode})`, async () => {
      const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`) });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = simRun(scenario.name);
      const checkpoint = readJsonFile(join(runDir, 'checkpoint.json'));
      expect(checkpoint.status).toBe('done');
      expect(checkpoint.state).toBe(scenario.expect.final);
      const journal = readJsonLines(join(runDir, 'journal.jsonl'));
      expect(journal.at(-1)).toMatchObject({ type: 'run-finished', state: scenario.expect.final });

      const server = readJsonFile(join(runDir, 'simulated-server.json'));
      const ops: string[] = server.effects.map((e: { op: string }) => e.op);
      expect(ops.filter((op) => op === 'purge').length).toBe(scenario.expect.purged ? 1 : 0);
      // a service that ran at the start was never stopped, shrunk or backed up
      if (scenario.service.status === 'Running') expect(ops.filter((op) => ['shrink', 'backup', 'start'].includes(op))).toEqual([]);
      // nothing is changed on a server this runbook does not apply to
      if (scenario.expect.exitCode === 3 && scenario.expect.final !== 'stillFull') expect(ops).toEqual([]);
      // a shrink always comes after a backup
      if (ops.includes('shrink')) expect(ops.indexOf('backup')).toBeLessThan(ops.indexOf('shrink'));
      if (scenario.expect.final === 'done') {
        expect(server.service.status).toBe('Running');
        expect(server.runs.slice(-server.connectors.length).every((r: { result: string }) => r.result === 'success')).toBe(true);
        expect(server.scheduler.purgeRunHistoryInterval).toBe('2.00:00:00');
        const retention = journal.find((r) => r.type === 'step-finished' && r.stepId === 'shortenRetention');
        expect(retention.output).toEqual({ before: scenario.retention, after: '2.00:00:00' });
        expect(retention.evidence.join(' ')).toMatch(/other server/);
      }
      if (scenario.expect.purged) {
        const confirmed = journal.find((r) => r.type === 'decision' && r.question === 'confirmPurge');
        expect(confirmed).toMatchObject({ answer: `confirmed: ${scenario.server.name}`, by: 'test-operator' });
      }
    });
  }

  it('the purge is refused when the typed name is not the server: nothing deleted, the run can resume', async () => {
    const scenario = all.find((s) => s.name === 'still-running-disk-full')!;
    const stateDir = join(root, 'wrong-name');
    const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario, 'AADC99')], { stateDir });
    expect(result.exitCode).toBe(2);
    const runDir = runDirs(stateDir)[0]!;
    expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe('confirmPurge');
    const server = readJsonFile(join(runDir, 'simulated-server.json'));
    expect(server.effects.map((e: { op: string }) => e.op)).toEqual([]);
    const resumed = await cli(['resume', '--answers', answersFor(scenario)], { stateDir });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(0);
    expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe('done');
  });

  it('the nearly-full path reads the retention before changing it, and the summary gives the long-term advice', () => {
    const journal = readJsonLines(join(simRun('staging-server'), 'journal.jsonl'));
    const order = journal.filter((r) => r.type === 'step-finished').map((r) => r.stepId);
    expect(order).toEqual(['detect', 'preparePurge', 'purgeHistory', 'shortenRetention', 'verify', 'summary']);
    expect(journal.find((r) => r.stepId === 'preparePurge' && r.type === 'step-finished').evidence.join(' ')).toMatch(/STAGING/);
    expect(journal.find((r) => r.stepId === 'summary' && r.type === 'step-finished').evidence.join(' ')).toMatch(/full SQL Server/);
  });
});

describe('aadconnect-localdb-full drills', () => {
  for (const drill of drills) {
    it(`${drill.name}: runs to ${drill.expect.final} along its ideal path, with a debrief`, async () => {
      const stateDir = join(root, `drill-${drill.name}`);
      const result = await cli(['train', RUNBOOK, '--scenario', drill.name, '--answers', answersFor(drill)], { stateDir });
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(drill.expect.exitCode);
      expect(drill.drill!.ideal.at(-1)).toBe(drill.expect.final);
      const journal = readJsonLines(join(runDirs(join(stateDir, 'training'))[0]!, 'journal.jsonl')) as TimedRecord[];
      expect(journal.at(-1)).toMatchObject({ type: 'run-finished', state: drill.expect.final });
      // the debrief names the ideal path in titles, one per state
      const idealLine = result.stderr.split('\n').find((l) => l.includes('ideal path:'))!;
      expect(idealLine.split(' → ')).toHaveLength(drill.drill!.ideal.length);
      expect(idealLine).not.toMatch(/\b[a-z]+[A-Z][A-Za-z]*\b/);
      expect(result.stderr).toMatch(/mistakes: none/);
      for (const line of drill.drill!.briefing ?? []) expect(result.stderr).toContain(line);
      const visited = visitedStates(journal).map((v) => v.state);
      let at = -1;
      for (const state of drill.drill!.ideal) {
        at = visited.indexOf(state, at + 1);
        expect(at, `${state} in ${visited.join(',')}`).toBeGreaterThanOrEqual(0);
      }
      if (drill.faults?.failOnce?.length) expect(result.stderr).toMatch(/failures met: \d+, handled: (\d+) of \1\n\s+- /);
    });
  }
});

describe.skipIf(skipWithoutPart('pwsh', PWSH))('aadconnect-localdb-full through pwsh against the simulated host', () => {
  for (const scenario of all) {
    it(`${scenario.name}: the PowerShell scripts leave the server as the simulator does`, async () => {
      // the in-process run of the same scenario (from the suite above, or now when run alone)
      if (runDirs(join(root, `sim-${scenario.name}`)).length === 0) {
        await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`) });
      }
      const stateDir = join(root, `pwsh-${scenario.name}`);
      const result = await cli(['run', RUNBOOK, '--target', `pwsh-sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir, env: { RUNBOOK_PWSH: PWSH! } });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = runDirs(stateDir)[0]!;
      expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
      expect(endState(runDir)).toEqual(endState(simRun(scenario.name)));
      const detect = readJsonLines(join(runDir, 'journal.jsonl')).find((r) => r.type === 'step-finished' && r.stepId === 'detect');
      expect(detect.details.command).toMatch(/-File .*detect\.ps1 -AttemptId detect#1/);
    });
  }
});

describe('aadconnect-localdb-full: a crash inside the purge', () => {
  it.each([
    ['step-started:purgeHistory', 'not-done', 'rerun'],
    ['applied:purgeHistory', 'done', 'mark-done'],
  ])('SIGKILL at %s: the probe reads the history and says %s; the purge runs exactly once', async (point, verdict, answer) => {
    const scenario = all.find((s) => s.name === 'still-running-disk-full')!;
    const stateDir = join(root, `crash-${point.replace(/\W+/g, '-')}`);
    const answers = answersFor(scenario);
    const killed = await killAt(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answers], point, { stateDir });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const resumeAnswers = writeJson(root, `resume-${point.replace(/\W+/g, '-')}.json`, { ...readJsonFile(answers), answers: { ...readJsonFile(answers).answers, inDoubt: 'probe' } });
    const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir });
    expect(resumed.exitCode, resumed.stderr).toBe(scenario.expect.exitCode);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: 'purgeHistory', verdict })]);
    expect(journal.filter((r) => r.type === 'decision' && r.question === 'inDoubt')).toEqual([expect.objectContaining({ answer, reason: `probe: ${verdict}` })]);
    const ops = readJsonFile(join(runDir, 'simulated-server.json')).effects.map((e: { op: string }) => e.op);
    expect(ops.filter((op: string) => op === 'purge')).toHaveLength(1);
  });
});
