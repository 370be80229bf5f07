import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, killAt, readJsonFile, readJsonLines, ROOT, runDirs, tempDir, writeJson } from './helpers/cli.js';
import { skipWithoutPart } from './helpers/parts.js';
import { PWSH } from './helpers/pwsh.js';
import { visitedStates } from '../src/run/debrief.js';
import type { TimedRecord } from '../src/journal/records.js';
import type { Scenario } from '../runners/simulator/aadconnect-deletion-threshold/host.js';

/**
 * The deletion-threshold runbook through the built CLI: every scenario on the simulator and through
 * the PowerShell scripts against the simulated host (same end state), the drills, and the rule
 * that the threshold is restored on every way out after it changed: an abort after the change,
 * and a SIGKILL inside the export followed by a resume.
 */
const RUNBOOK = 'aadconnect-deletion-threshold';
const root = tempDir('runbook-threshold-');
const all: Scenario[] = readdirSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios', f), 'utf8')) as Scenario);
const drills = all.filter((s) => s.drill);

function answersFor(scenario: Scenario, extra: Record<string, unknown> = {}, tag = ''): string {
  return writeJson(root, `answers-${scenario.name}${tag}.json`, {
    operator: 'test-operator',
    answers: { deletesIntended: scenario.expect.decision, confirmDeletes: scenario.server.name, manual: 'done', stepFailed: 'retry', ...extra },
    secrets: {},
  });
}

function endState(runDir: string) {
  const s = readJsonFile(join(runDir, 'simulated-server.json'));
  return {
    threshold: s.threshold,
    deleted: s.deleted,
    pending: s.pending,
    runs: s.runs.map((r: { profile: string; result: string }) => `${r.profile}: ${r.result}`).sort(),
    events: s.events.map((e: { id: number }) => e.id).sort(),
    ops: s.effects.map((e: { op: string; stepId: string }) => `${e.stepId}:${e.op}`),
  };
}

const simRun = (name: string) => runDirs(join(root, `sim-${name}`))[0]!;

describe('aadconnect-deletion-threshold: the package', () => {
  it('is listed, shows its scenarios, offers drills, and passes runbook check', async () => {
    const list = await cli(['list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toContain(RUNBOOK);
    const show = await cli(['show', RUNBOOK, '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(show.stdout).scenarios.length).toBeGreaterThanOrEqual(3);
    const train = await cli(['train', RUNBOOK, '--list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(train.stdout).length).toBeGreaterThanOrEqual(2);
    for (const d of drills) expect(d.drill!.briefing?.length, d.name).toBeGreaterThan(0);
    const check = await cli(['check', RUNBOOK], { stateDir: join(root, 'meta'), env: PWSH ? { RUNBOOK_PWSH: PWSH } : {} });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  });
});

describe('aadconnect-deletion-threshold on the simulator', () => {
  for (const scenario of all) {
    it(`${scenario.name} ends at ${scenario.expect.final} (exit ${scenario.expect.exitCode}), the threshold as it was`, async () => {
      const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`) });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = simRun(scenario.name);
      expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
      const s = endState(runDir);
      expect(s.threshold).toEqual(scenario.threshold);
      expect(s.deleted).toBe(scenario.expect.exported ? scenario.pending.reduce((n, g) => n + g.count, 0) : 0);
      if (!scenario.expect.exported) expect(s.ops).toEqual([]);
      else expect(s.ops.at(-2)).toBe('restoreThreshold:restore');
    });
  }

  it('shows counts, the OUs and a sample before the decision; the detected sign-in parameter is in the commands', () => {
    const journal = readJsonLines(join(simRun('ou-renamed'), 'journal.jsonl'));
    const shown = journal.find((r) => r.type === 'step-finished' && r.stepId === 'showDeletes');
    expect(shown.output).toMatchObject({ deletes: 1515, byType: { user: 1480, group: 35 }, ous: [{ ou: 'OU=Sales,DC=contoso,DC=com', count: 1515 }] });
    expect(shown.output.sample).toHaveLength(10);
    const detect = readJsonLines(join(simRun('credential-parameter-build'), 'journal.jsonl')).find((r) => r.type === 'step-finished' && r.stepId === 'detect');
    expect(detect.output).toMatchObject({ signInMode: 'AADCredential', thresholdBefore: 500 });
  });

  it('an abort after the threshold changed restores it before the run ends', async () => {
    const scenario = all.find((s) => s.name === 'export-interrupted')!;
    const stateDir = join(root, 'abort-after-change');
    const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario, { stepFailed: { exportDeletes: 'abort', '*': 'retry' } }, '-abort')], { stateDir });
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(4);
    const runDir = runDirs(stateDir)[0]!;
    expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe('abortedRestored');
    const s = endState(runDir);
    expect(s.ops).toEqual(['raiseThreshold:raise', 'restoreAfterAbort:restore']);
    expect(s.threshold).toEqual({ enabled: true, value: 400 });
    expect(s.deleted).toBe(0);
  });

  it.each([
    ['step-started:exportDeletes', 'not-done', 'rerun'],
    ['applied:exportDeletes', 'done', 'mark-done'],
  ])('SIGKILL at %s (after the change), then resume: the probe says %s; one export, the threshold restored', async (point, verdict, answer) => {
    const scenario = all.find((s) => s.name === 'intended-cleanup')!;
    const stateDir = join(root, `crash-${point.replace(/\W+/g, '-')}`);
    const answers = answersFor(scenario);
    const killed = await killAt(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answers], point, { stateDir });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    expect(endState(runDir).threshold).toEqual({ enabled: true, value: 612 });
    const resumeAnswers = writeJson(root, `resume-${point.replace(/\W+/g, '-')}.json`, { ...readJsonFile(answers), answers: { ...readJsonFile(answers).answers, inDoubt: 'probe' } });
    const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(0);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: 'exportDeletes', verdict })]);
    expect(journal.filter((r) => r.type === 'decision' && r.question === 'inDoubt')).toEqual([expect.objectContaining({ answer, reason: `probe: ${verdict}` })]);
    const s = endState(runDir);
    expect(s.ops.filter((o) => o.endsWith(':export'))).toHaveLength(1);
    expect(s.threshold).toEqual({ enabled: true, value: 500 });
    expect(s.deleted).toBe(612);
  });
});

describe('aadconnect-deletion-threshold drills', () => {
  for (const drill of drills) {
    it(`${drill.name}: runs to ${drill.expect.final} along its ideal path, with its briefing`, async () => {
      const stateDir = join(root, `drill-${drill.name}`);
      const result = await cli(['train', RUNBOOK, '--scenario', drill.name, '--answers', answersFor(drill)], { stateDir });
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

describe.skipIf(skipWithoutPart('pwsh', PWSH))('aadconnect-deletion-threshold through pwsh against the simulated host', () => {
  for (const scenario of all) {
    it(`${scenario.name}: the PowerShell scripts leave the server as the simulator does`, async () => {
      if (runDirs(join(root, `sim-${scenario.name}`)).length === 0) {
        await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`) });
      }
      const stateDir = join(root, `pwsh-${scenario.name}`);
      const result = await cli(['run', RUNBOOK, '--target', `pwsh-sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir, env: { RUNBOOK_PWSH: PWSH! } });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = runDirs(stateDir)[0]!;
      expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
      expect(endState(runDir)).toEqual(endState(simRun(scenario.name)));
      const shown = readJsonLines(join(runDir, 'journal.jsonl')).find((r) => r.type === 'step-finished' && r.stepId === 'showDeletes');
      const simShown = readJsonLines(join(simRun(scenario.name), 'journal.jsonl')).find((r) => r.type === 'step-finished' && r.stepId === 'showDeletes');
      expect(shown?.output).toEqual(simShown?.output);
    });
  }
});
