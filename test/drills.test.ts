import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import runbook from '../machines/aadconnect-encryption-key.js';
import { visitedStates } from '../src/run/debrief.js';
import { answersFor, cli, readJsonLines, RUNBOOK, runDirs, scenarios, tempDir } from './helpers/cli.js';
import type { Scenario } from '../runners/simulator/aadconnect-encryption-key/server.js';
import type { TimedRecord } from '../src/journal/records.js';

/** Drills: every one runs to its expected end unattended, and together they cover every failure branch. */
const root = tempDir();
const drills = (scenarios() as unknown as Scenario[]).filter((s) => s.drill);
const journals = new Map<string, TimedRecord[]>();

describe('drills on the simulator', () => {
  it('offers the drills the trainers asked for', () => {
    expect(drills.map((d) => d.name)).toEqual(
      expect.arrayContaining(['wrong-password-first-try', 'miiskmu-refused', 'service-fails-to-start', 'connector-still-failing', 'entra-admin-mfa', 'staging-server', 'healthy', 'logon-failure']),
    );
  });

  for (const drill of drills) {
    it(`${drill.name}: runs to ${drill.expect.final} and ends with a debrief`, async () => {
      const stateDir = join(root, drill.name);
      const answers = answersFor(root, drill);
      const result = await cli(['train', RUNBOOK, '--scenario', drill.name, '--answers', answers.path], { stateDir, env: answers.env });
      expect(result.exitCode, result.stderr.slice(-2000)).toBe(drill.expect.exitCode);
      expect(drill.drill!.ideal.at(-1)).toBe(drill.expect.final);
      const runDir = runDirs(join(stateDir, 'training'))[0]!;
      const journal = readJsonLines(join(runDir, 'journal.jsonl')) as TimedRecord[];
      journals.set(drill.name, journal);
      expect(journal.at(-1)).toMatchObject({ type: 'run-finished', state: drill.expect.final });
      expect(result.stderr).toMatch(/Debrief/);
      // the trainee reads the briefing first; the debrief speaks in titles, never in state ids
      for (const line of drill.drill!.briefing!) expect(result.stderr).toContain(line);
      const idealLine = result.stderr.split('\n').find((l) => l.includes('ideal path:'))!;
      expect(idealLine.split(' → ')).toHaveLength(drill.drill!.ideal.length);
      for (const key of Object.keys(runbook.machine.root.states)) if (/[a-z][A-Z]/.test(key)) expect(result.stderr, key).not.toMatch(new RegExp(`\\b${key}\\b`));
      expect(result.stderr).not.toMatch(/\{[a-z.]+\}/i);
      const wrongPassword = drill.name === 'wrong-password-first-try' || drill.name === 'connector-still-failing';
      if (wrongPassword) expect(result.stderr).toMatch(/AD DS connector account password for [a-z.]+ was entered 2 times \(the earlier ones were rejected\)/);
      else expect(result.stderr).toMatch(/mistakes: none/);
      // each ideal state is visited, in order
      const visited = visitedStates(journal).map((v) => v.state);
      let at = -1;
      for (const state of drill.drill!.ideal) {
        at = visited.indexOf(state, at + 1);
        expect(at, `${state} in ${visited.join(',')}`).toBeGreaterThanOrEqual(0);
      }
    });
  }

  it('the drill list describes the situation, never the lesson', async () => {
    const list = await cli(['train', RUNBOOK, '--list'], { stateDir: join(root, 'list') });
    expect(list.exitCode).toBe(0);
    for (const drill of drills) {
      expect(drill.drill!.briefing?.length, drill.name).toBeGreaterThan(0);
      expect(list.stdout).toContain(drill.drill!.title);
      expect(list.stdout).not.toContain(drill.drill!.lesson);
    }
  });

  it('an aborted drill\'s debrief counts the failure it met and says it was not handled', async () => {
    const drill = drills.find((d) => d.name === 'service-fails-to-start')!;
    const answers = answersFor(root, drill, { stepFailed: { '*': 'abort' } });
    const result = await cli(['train', RUNBOOK, '--scenario', drill.name, '--answers', answers.path], { stateDir: join(root, 'aborted'), env: answers.env });
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(4);
    expect(result.stderr).toMatch(/failures met: 1, handled: 0 of 1/);
    expect(result.stderr).toMatch(/- Start the service \(a new key is created\): .* \(the run was aborted here\)/);
    expect(result.stderr).toMatch(/aborted at "Start the service \(a new key is created\)"/);
  });

  it('every ideal path is a path of the machine', () => {
    for (const drill of drills) {
      const ideal = drill.drill!.ideal;
      for (let i = 0; i + 1 < ideal.length; i++) {
        expect(targetsOf(ideal[i]!), `${drill.name}: ${ideal[i]} → ${ideal[i + 1]}`).toContain(ideal[i + 1]);
      }
    }
  });

  it('the failure branches derived from the machine are each covered by some drill', () => {
    const ideal = drills.find((d) => d.name === 'wrong-password-first-try')!.drill!.ideal;
    const branches = failureBranches(ideal);
    expect(branches.length).toBeGreaterThanOrEqual(20);
    const covered = new Set<string>();
    for (const journal of journals.values()) {
      const visited = visitedStates(journal).map((v) => v.state);
      for (let i = 0; i + 1 < visited.length; i++) covered.add(`${visited[i]} → ${visited[i + 1]}`);
    }
    expect(journals.size).toBe(drills.length);
    expect(branches.filter((b) => !covered.has(b))).toEqual([]);
  });
});

/** Where a state's transitions lead (targets of every event, guard or not). */
function targetsOf(state: string): string[] {
  const node = runbook.machine.root.states[state]!;
  return [...node.transitions.values()].flat().flatMap((t) => (t.target ?? []).map((n) => n.key));
}

/**
 * A failure branch: a transition out of a step that leaves the ideal recovery path: a step's
 * error, a diagnosis or result that leads off the path (another procedure, nothing to do, a
 * manual fallback), or back up the path (verify sending the run back).
 */
function failureBranches(ideal: string[]): string[] {
  const branches: string[] = [];
  for (const [key, node] of Object.entries(runbook.machine.root.states)) {
    if ((node.meta as { kind?: string } | undefined)?.kind !== 'step') continue;
    for (const target of new Set(targetsOf(key))) {
      const from = ideal.indexOf(key);
      const to = ideal.indexOf(target);
      const leaves = target.endsWith('Failed') || to === -1 || (from !== -1 && to <= from) || (from === -1 && to === -1);
      if (leaves) branches.push(`${key} → ${target}`);
    }
  }
  return branches;
}
