import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { answersFor, cli, filesContainingSecrets, readJsonFile, readJsonLines, RUNBOOK, runDirs, scenarios, SECRETS, tempDir } from './helpers/cli.js';

/** The built CLI, as a child process, runs the flagship runbook unattended on every simulator scenario. */
const stateRoot = tempDir();
const all = scenarios();

describe('every simulator scenario, end to end through an answers file', () => {
  it('has the scenarios the runbook is taught with', () => {
    expect(all.map((s) => s.name)).toEqual(
      expect.arrayContaining(['one-connector', 'three-forests', 'logon-failure', 'healthy', 'localdb-full', 'wrong-password-first-try', 'new-build-virtual-account', 'staging-server']),
    );
  });

  for (const scenario of all) {
    it(`${scenario.name} ends at ${scenario.expect.final} (exit ${scenario.expect.exitCode})`, async () => {
      const stateDir = join(stateRoot, scenario.name);
      const answers = answersFor(stateRoot, scenario);
      const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answers.path], { stateDir, env: answers.env });
      expect(result.exitCode, result.stderr).toBe(scenario.expect.exitCode);

      const [runDir] = runDirs(stateDir);
      const checkpoint = readJsonFile(join(runDir!, 'checkpoint.json'));
      expect(checkpoint.status).toBe('done');
      expect(checkpoint.state).toBe(scenario.expect.final);

      const server = readJsonFile(join(runDir!, 'simulated-server.json'));
      const ops: string[] = server.effects.map((e: { op: string }) => e.op);
      expect(ops.filter((op) => op === 'abandon').length).toBe(scenario.expect.abandoned ? 1 : 0);
      if (scenario.expect.final === 'done') {
        expect(server.service.status).toBe('Running');
        expect(server.connectors.every((c: { password: string }) => c.password === 'valid')).toBe(true);
        if (server.server.entraIdentity === 'ServiceAccount') expect(server.entraCredential).toBe('valid');
        const lastRun = server.runs.slice(-(server.connectors.length + 1));
        expect(lastRun.every((r: { result: string }) => r.result === 'success')).toBe(true);
      }
      if (scenario.expect.final === 'nothingToDo' || scenario.expect.final === 'localDbFull') {
        expect(ops.filter((op) => op === 'stop' || op === 'abandon' || op.startsWith('password:'))).toEqual([]);
      }
      // the hand-over names the runbook to run next
      if (scenario.expect.final === 'localDbFull') expect(result.stderr).toContain('runbook run aadconnect-localdb-full');

      const journal = readJsonLines(join(runDir!, 'journal.jsonl'));
      expect(journal.at(-1)).toMatchObject({ type: 'run-finished', state: scenario.expect.final });
      const started = journal.filter((r) => r.type === 'step-started');
      const finished = journal.filter((r) => r.type === 'step-finished' || r.type === 'step-failed');
      expect(finished.map((r) => r.attemptId)).toEqual(started.map((r) => r.attemptId));
    });
  }

  it('three forests: one recorded password step per AD connector, in order', async () => {
    const stateDir = join(stateRoot, 'three-forests');
    const journal = readJsonLines(join(runDirs(stateDir)[0]!, 'journal.jsonl'));
    const passwordSteps = journal.filter((r) => r.type === 'step-finished' && r.stepId === 'connectorPassword');
    const titles = journal.filter((r) => r.type === 'step-started' && r.stepId === 'connectorPassword').map((r) => r.params.connector);
    expect(titles).toEqual(['contoso.com', 'fabrikam.com', 'corp.tailspin.net']);
    expect(new Set(passwordSteps.map((r) => r.attemptId)).size).toBe(3);
    expect(journal.filter((r) => r.type === 'secret-supplied' && r.secretId.startsWith('adds-password:')).map((r) => r.secretId)).toEqual([
      'adds-password:contoso.com',
      'adds-password:fabrikam.com',
      'adds-password:corp.tailspin.net',
    ]);
  });

  it('a wrong AD DS password is rejected at verify and the run goes back to that connector', async () => {
    const runDir = runDirs(join(stateRoot, 'wrong-password-first-try'))[0]!;
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    const order = journal.filter((r) => r.type === 'step-finished').map((r) => r.stepId);
    const firstVerify = order.indexOf('verify');
    expect(order.slice(firstVerify + 1, firstVerify + 3)).toEqual(['connectorPassword', 'restartService']);
    const verifies = journal.filter((r) => r.type === 'step-finished' && r.stepId === 'verify');
    expect(verifies[0].output.failingAdConnectors).toEqual(['contoso.com']);
    expect(verifies.at(-1).output.failingAdConnectors).toEqual([]);
    const server = readJsonFile(join(runDir, 'simulated-server.json'));
    expect(server.effects.filter((e: { op: string }) => e.op === 'password:contoso.com').length).toBe(2);
    // the Entra account was reinitialized once: the second round does not redo it
    expect(server.effects.filter((e: { op: string }) => e.op === 'entra').length).toBe(1);
  });

  it('the pre-checks tell the operator what build, account type, staging and identity imply', async () => {
    const evidence = (name: string) =>
      readJsonLines(join(runDirs(join(stateRoot, name))[0]!, 'journal.jsonl')).find((r) => r.type === 'step-finished' && r.stepId === 'preChecks')!.evidence.join('\n');
    expect(evidence('new-build-virtual-account')).toMatch(/virtual/);
    expect(evidence('new-build-virtual-account')).toMatch(/application identity/);
    expect(evidence('staging-server')).toMatch(/STAGING/);
    expect(evidence('one-connector')).toMatch(/1\.1\.443\.0 or older/);
  });

  it('the MFA administrator falls back to a guided interactive sign-in, confirmed by the operator', async () => {
    const journal = readJsonLines(join(runDirs(join(stateRoot, 'entra-admin-mfa'))[0]!, 'journal.jsonl'));
    const manual = journal.find((r) => r.type === 'step-finished' && r.stepId === 'reinitEntraManual');
    expect(manual?.evidence.join(' ')).toMatch(/confirmed done by test-operator at \d{4}-/);
  });

  afterAll(() => {
    expect(filesContainingSecrets(stateRoot + '/', Object.values(SECRETS)).filter((f) => !f.includes('answers-'))).toEqual([]);
  });
});
