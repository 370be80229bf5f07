import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { answersFor, cli, filesContainingSecrets, killAt, readJsonFile, readJsonLines, RUNBOOK, runDirs, scenarios, SECRETS, tempDir, writeJson } from './helpers/cli.js';

/**
 * SIGKILL of the CLI at every step boundary and in the middle of every step, then resume:
 * each run must end with every effect applied exactly once on the simulated server, and the
 * non-idempotent step left in doubt must be decided by the operator.
 */
const root = tempDir();
const scenario = scenarios().find((s) => s.name === 'one-connector')!;
const answers = answersFor(root, scenario);
const args = ['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answers.path];

interface Baseline {
  ops: string[];
  steps: string[];
  stepsWithEffects: string[];
  states: string[];
}

async function baseline(): Promise<Baseline> {
  const stateDir = join(root, 'baseline');
  const result = await cli(args, { stateDir, env: answers.env });
  expect(result.exitCode, result.stderr).toBe(0);
  const runDir = runDirs(stateDir)[0]!;
  const server = readJsonFile(join(runDir, 'simulated-server.json'));
  const journal = readJsonLines(join(runDir, 'journal.jsonl'));
  const steps = [...new Set(journal.filter((r) => r.type === 'step-started').map((r) => r.stepId as string))];
  const prompts = journal.filter((r) => r.type === 'decision').map((r) => r.state as string);
  return {
    ops: server.effects.map((e: { op: string }) => e.op),
    steps,
    stepsWithEffects: [...new Set(server.effects.map((e: { stepId: string }) => e.stepId))] as string[],
    states: [...new Set([...steps, ...prompts])],
  };
}

const base = await baseline();
const points = [
  ...base.states.map((s) => `checkpoint:${s}`),
  ...base.steps.map((s) => `step-started:${s}`),
  ...base.stepsWithEffects.map((s) => `applied:${s}`),
  ...base.steps.map((s) => `step-finished:${s}`),
];

describe('crash anywhere, resume, every effect exactly once', () => {
  it('covers every step boundary and the middle of every step of the flagship path', () => {
    expect(base.steps).toEqual(expect.arrayContaining(['detect', 'preChecks', 'stopService', 'abandonKey', 'startNewKey', 'connectorPassword', 'restartService', 'reinitEntra', 'startAfterReinit', 'verify']));
    expect(base.ops).toEqual(['abandon', 'start', 'password:contoso.com', 'restart', 'entra', 'start-final', 'delta-sync']);
    expect(points.length).toBeGreaterThan(30);
  });

  for (const point of points) {
    it(`SIGKILL at ${point}`, async () => {
      const stateDir = join(root, point.replace(/\W+/g, '-'));
      const killed = await killAt(args, point, { stateDir, env: answers.env });
      expect(killed.reached, killed.stderr).toBe(true);
      const runDir = runDirs(stateDir)[0]!;
      expect(readJsonFile(join(runDir, 'checkpoint.json')).status).toBe('active');

      // what the journal knows at the crash: a step started and not finished is in doubt
      const atKill = readJsonLines(join(runDir, 'journal.jsonl'));
      const ended = new Set(atKill.filter((r) => r.type === 'step-finished' || r.type === 'step-failed').map((r) => r.attemptId));
      const open = atKill.filter((r) => r.type === 'step-started' && !ended.has(r.attemptId)).map((r) => r.stepId as string);

      // the answers file lets the step's probe decide; the probe reads the server, as an operator would
      const abandoned = readJsonFile(join(runDir, 'simulated-server.json')).effects.some((e: { op: string }) => e.op === 'abandon');
      const resumeAnswers = writeJson(root, `resume-${point.replace(/\W+/g, '-')}.json`, {
        ...readJsonFile(answers.path),
        answers: { ...readJsonFile(answers.path).answers, inDoubt: { abandonKey: 'probe' } },
      });
      const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir, env: answers.env });
      expect(resumed.exitCode, resumed.stderr).toBe(0);

      const checkpoint = readJsonFile(join(runDir, 'checkpoint.json'));
      expect(checkpoint).toMatchObject({ status: 'done', state: 'done' });
      const server = readJsonFile(join(runDir, 'simulated-server.json'));
      expect(server.effects.map((e: { op: string }) => e.op)).toEqual(base.ops);

      const journal = readJsonLines(join(runDir, 'journal.jsonl'));
      const inDoubt = journal.filter((r) => r.type === 'decision' && r.question === 'inDoubt');
      const [kind, step] = point.split(':') as [string, string];
      if (kind === 'step-started' || kind === 'applied') expect(open).toEqual([step]);
      if (kind === 'step-finished') expect(open).toEqual([]);
      const probes = journal.filter((r) => r.type === 'probe');
      if (open[0] === 'abandonKey') {
        // on both sides of the effect the probe's verdict is right, and it is what was answered
        expect(probes).toEqual([expect.objectContaining({ stepId: 'abandonKey', verdict: abandoned ? 'done' : 'not-done' })]);
        expect(inDoubt).toEqual([expect.objectContaining({ stepId: 'abandonKey', by: 'test-operator', answer: abandoned ? 'mark-done' : 'rerun', reason: `probe: ${abandoned ? 'done' : 'not-done'}` })]);
      } else if (open.length) {
        expect(inDoubt).toEqual([expect.objectContaining({ stepId: open[0], by: 'engine', answer: 'rerun' })]);
      } else {
        expect(inDoubt).toEqual([]);
      }
      if (open[0] !== 'abandonKey') expect(probes).toEqual([]);
      if (kind === 'step-finished') {
        // the finished attempt was replayed from the journal, not started again
        const attempts = journal.filter((r) => r.type === 'step-started' && r.stepId === step).map((r) => r.attemptId);
        expect(new Set(attempts).size).toBe(attempts.length);
      }
      expect(journal.filter((r) => r.type === 'run-resumed')).toHaveLength(1);
    });
  }
});

afterAll(() => {
  expect(filesContainingSecrets(root, Object.values(SECRETS)).filter((f) => !f.includes('answers-'))).toEqual([]);
});
