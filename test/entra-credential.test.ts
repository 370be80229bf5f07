import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { getNextSnapshot } from 'xstate';
import { cli, killAt, readJsonFile, readJsonLines, ROOT, runDirs, tempDir, writeJson } from './helpers/cli.js';
import { skipWithoutPart } from './helpers/parts.js';
import { PWSH } from './helpers/pwsh.js';
import { visitedStates } from '../src/run/debrief.js';
import { reachableStates } from '../src/runbook/reachable.js';
import type { TimedRecord } from '../src/journal/records.js';
import runbook, { APPLICATION_STATES, SERVICE_ACCOUNT_STEPS } from '../machines/aadconnect-entra-credential.js';
import type { Scenario } from '../runners/simulator/aadconnect-entra-credential/host.js';

/**
 * The Entra connector credential runbook through the built CLI: every scenario on the in-process
 * simulator, the same scenarios through the real PowerShell scripts against the simulated host
 * (same end state), the drills, a crash inside every step that is not safe to repeat (resumed
 * with `inDoubt: "probe"`), `runbook check`, and the machine's graph: from the application branch
 * no service-account step can be reached.
 */
const RUNBOOK = 'aadconnect-entra-credential';
const root = tempDir('runbook-entra-');
const all: Scenario[] = readdirSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios', f), 'utf8')) as Scenario);
const drills = all.filter((s) => s.drill);
const byName = (name: string) => all.find((s) => s.name === name)!;
const ADMIN_PASSWORD = 'Hybrid-Admin-Pa$$-7';
const env = { RB_TEST_ENTRA_ADMIN: ADMIN_PASSWORD };
const CREDENTIAL_OPS = ['reset-password', 'rotate', 'repair-parameters', 'switch'];

/** Answers everything the runbook asks: the server name, switch only where the scenario expects it, retry a failed step. */
function answersFor(scenario: Scenario, extra: Record<string, unknown> = {}, tag = ''): string {
  return writeJson(root, `answers-${scenario.name}${tag}.json`, {
    operator: 'test-operator',
    answers: {
      confirmReset: scenario.server.name,
      confirmRotate: scenario.server.name,
      offerSwitch: scenario.expect.final === 'switched' ? 'switch' : 'later',
      manual: 'done',
      stepFailed: 'retry',
      ...extra,
    },
    secrets: { 'entra-admin': { username: scenario.admin.upn, env: 'RB_TEST_ENTRA_ADMIN' } },
  });
}

/** The simulated server as both targets must leave it: no timestamps. */
function endState(runDir: string) {
  const s = readJsonFile(join(runDir, 'simulated-server.json'));
  const app = s.identity.application;
  return {
    service: s.service.status,
    identity: { type: s.identity.type, account: s.identity.account, passwordValid: s.identity.passwordValid },
    application: app ? { appId: app.appId, thumbprint: app.thumbprint, managedBy: app.managedBy, paramsLost: app.paramsLost } : null,
    legacyAccount: s.legacyAccount,
    scheduler: s.scheduler,
    runs: s.runs.map((r: { connector: string; result: string }) => `${r.connector}: ${r.result}`).sort(),
    events: s.events.map((e: { id: number }) => e.id).sort(),
    ops: s.effects.map((e: { op: string; stepId: string }) => `${e.stepId}:${e.op}`),
  };
}

const credentialOps = (runDir: string): string[] =>
  readJsonFile(join(runDir, 'simulated-server.json'))
    .effects.map((e: { op: string }) => e.op)
    .filter((op: string) => CREDENTIAL_OPS.includes(op));

const simRun = (name: string) => runDirs(join(root, `sim-${name}`))[0]!;

describe('aadconnect-entra-credential: the package', () => {
  it('is listed, shows its scenarios, offers drills, and passes runbook check', async () => {
    const list = await cli(['list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toContain(RUNBOOK);
    const show = await cli(['show', RUNBOOK, '--json'], { stateDir: join(root, 'meta') });
    expect(show.exitCode).toBe(0);
    const shown = JSON.parse(show.stdout).scenarios.map((s: { name: string }) => s.name).sort();
    expect(shown).toEqual(all.map((s) => s.name).sort());
    expect(shown.length).toBeGreaterThanOrEqual(3);
    const train = await cli(['train', RUNBOOK, '--list', '--json'], { stateDir: join(root, 'meta') });
    expect(JSON.parse(train.stdout).length).toBeGreaterThanOrEqual(2);
    const check = await cli(['check', RUNBOOK], { stateDir: join(root, 'meta'), env: PWSH ? { RUNBOOK_PWSH: PWSH } : {} });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  });

  it('has the scenarios the brief asks for, and drills with briefings that do not give the answer away', () => {
    expect(all.map((s) => s.name)).toEqual(
      expect.arrayContaining(['service-account-stale-password', 'application-rotation-due', 'service-account-mfa-admin', 'application-expired-certificate', 'old-build-service-account', 'shared-application']),
    );
    expect(drills.length).toBeGreaterThanOrEqual(2);
    for (const d of drills) {
      expect(d.drill!.briefing?.length, d.name).toBeGreaterThan(0);
      const briefing = d.drill!.briefing!.join(' ');
      for (const state of d.drill!.ideal.slice(1)) expect(briefing, `${d.name} names ${state}`).not.toContain(state);
      expect(briefing).not.toMatch(/wizard|interactive sign-in|hand(ed)? over|rotate/i);
    }
  });
});

describe('aadconnect-entra-credential: the machine never leads from the application branch to the service-account cmdlet', () => {
  const machine = runbook.machine;
  const states = Object.keys(machine.root.states);

  it('no service-account step is reachable from any state of the application branch (guards ignored)', () => {
    const branch = states.filter((s) => APPLICATION_STATES.some((a) => s === a || s === `${a}Failed`));
    expect(branch.length).toBeGreaterThanOrEqual(APPLICATION_STATES.length);
    for (const from of branch) {
      const reachable = reachableStates(machine, from);
      for (const step of SERVICE_ACCOUNT_STEPS) expect(reachable.has(step), `${step} reachable from ${from}`).toBe(false);
    }
    // nor from the ends of the branches that hand over an application-auth server
    for (const from of ['sharedApplication', 'ownCertificate', 'rotated']) {
      for (const step of SERVICE_ACCOUNT_STEPS) expect(reachableStates(machine, from).has(step)).toBe(false);
    }
    // and the service-account steps are reachable at all (the test is not vacuous)
    for (const step of SERVICE_ACCOUNT_STEPS) expect(reachableStates(machine).has(step)).toBe(true);
  });

  it('after the switch to an application (Path C) no service-account step is reachable either: no rollback', () => {
    for (const from of ['switchToApplication', 'verifySwitch', 'switched']) {
      for (const step of SERVICE_ACCOUNT_STEPS) expect(reachableStates(machine, from).has(step), `${step} from ${from}`).toBe(false);
    }
  });

  it('detect leads to the service-account confirmation only for a service account', () => {
    const atDetect = machine.resolveState({ value: 'detect', context: (machine.config as { context: object }).context } as never);
    const next = (output: Record<string, unknown>) => getNextSnapshot(machine, atDetect, { type: 'xstate.done.actor.detect', output: { server: 'AADC01', build: '2.6.84.0', ...output } } as never).value;
    expect(next({ classification: 'service-account', identityType: 'ServiceAccount' })).toBe('confirmReset');
    for (const classification of ['application', 'shared-application', 'own-certificate', 'service-stopped', 'unknown-identity', 'something-else']) {
      for (const paramsLost of [false, true]) {
        const to = next({ classification, identityType: 'Application', paramsLost });
        expect(to, classification).not.toBe('confirmReset');
        expect(SERVICE_ACCOUNT_STEPS as readonly string[]).not.toContain(to);
      }
    }
    expect(next({ classification: 'application', identityType: 'Application', paramsLost: false })).toBe('confirmRotate');
    expect(next({ classification: 'application', identityType: 'Application', paramsLost: true })).toBe('repairAppParameters');
  });

  it('the switch is offered only on a build with application-based authentication', () => {
    const at = (build: string) => machine.resolveState({ value: 'verifyServiceAccount', context: { ...(machine.config as { context: object }).context, server: 'AADC01', build } } as never);
    const done = { type: 'xstate.done.actor.verifyServiceAccount', output: { healthy: true } } as never;
    expect(getNextSnapshot(machine, at('2.5.3.0'), done).value).toBe('offerSwitch');
    expect(getNextSnapshot(machine, at('2.4.18.0'), done).value).toBe('resetDoneUpgradeFirst');
  });
});

describe('aadconnect-entra-credential on the simulator, through an answers file', () => {
  for (const scenario of all) {
    it(`${scenario.name} ends at ${scenario.expect.final} (exit ${scenario.expect.exitCode})`, async () => {
      const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`), env });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = simRun(scenario.name);
      const checkpoint = readJsonFile(join(runDir, 'checkpoint.json'));
      expect(checkpoint.state).toBe(scenario.expect.final);
      const journal = readJsonLines(join(runDir, 'journal.jsonl'));
      expect(journal.at(-1)).toMatchObject({ type: 'run-finished', state: scenario.expect.final });
      expect(credentialOps(runDir)).toEqual(scenario.expect.credentialOps);
      const server = readJsonFile(join(runDir, 'simulated-server.json'));
      const started = journal.filter((r) => r.type === 'step-started').map((r) => r.stepId);
      if (scenario.identity.type === 'Application') {
        // the service-account cmdlet never ran: the server still signs in as an application
        for (const step of SERVICE_ACCOUNT_STEPS) expect(started).not.toContain(step);
        expect(server.identity.type).toBe('Application');
      }
      if (scenario.expect.exitCode === 0) {
        expect(server.scheduler).toEqual({ syncCycleEnabled: scenario.syncCycleEnabled, suspended: false });
        const entra = scenario.connectors.find((c) => c.type === 'Entra')!.name;
        expect(server.runs.filter((r: { connector: string }) => r.connector === entra).at(-1).result).toBe('success');
      }
      if (scenario.expect.credentialOps.includes('reset-password')) {
        expect(journal.find((r) => r.type === 'decision' && r.question === 'confirmReset')).toMatchObject({ answer: `confirmed: ${scenario.server.name}`, by: 'test-operator' });
      }
      if (scenario.expect.credentialOps.includes('rotate')) {
        expect(journal.find((r) => r.type === 'decision' && r.question === 'confirmRotate')).toMatchObject({ answer: `confirmed: ${scenario.server.name}` });
      }
      // a handed-over server is left as it was
      if (scenario.expect.exitCode === 3 && scenario.expect.final !== 'stillFailing') expect(server.effects).toEqual([]);
    });
  }

  it('an MFA administrator: the scripted reset hands over to the interactive sign-in, recorded as confirmed', () => {
    const journal = readJsonLines(join(simRun('service-account-mfa-admin'), 'journal.jsonl'));
    const reset = journal.find((r) => r.type === 'step-finished' && r.stepId === 'resetServiceAccount');
    expect(reset.output).toEqual({ interactiveSignInRequired: true });
    expect(reset.evidence.join(' ')).toMatch(/multi-factor/);
    expect(journal.find((r) => r.type === 'step-finished' && r.stepId === 'resetServiceAccountInteractive').evidence.join(' ')).toMatch(/confirmed done by test-operator/);
  });

  it('an old build: the type comes from the account name, and the switch is not offered', () => {
    const journal = readJsonLines(join(simRun('old-build-service-account'), 'journal.jsonl'));
    const detect = journal.find((r) => r.type === 'step-finished' && r.stepId === 'detect');
    expect(detect.output).toMatchObject({ identityType: 'ServiceAccount', identitySource: 'username-pattern' });
    expect(journal.some((r) => r.type === 'decision' && r.question === 'offerSwitch')).toBe(false);
  });
});

describe('aadconnect-entra-credential drills', () => {
  for (const drill of drills) {
    it(`${drill.name}: runs to ${drill.expect.final} along its ideal path, with a debrief`, async () => {
      const stateDir = join(root, `drill-${drill.name}`);
      const result = await cli(['train', RUNBOOK, '--scenario', drill.name, '--answers', answersFor(drill)], { stateDir, env });
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
    });
  }
});

/** The steps that are not safe to repeat, each with a scenario that reaches it and its effect. */
const IN_DOUBT: Array<[step: string, scenario: string, op: string]> = [
  ['resetServiceAccount', 'service-account-stale-password', 'reset-password'],
  ['resetServiceAccountInteractive', 'service-account-mfa-admin', 'reset-password'],
  ['switchToApplication', 'switch-to-application', 'switch'],
  ['rotateCertificate', 'application-rotation-due', 'rotate'],
  ['rotateCertificateWizard', 'application-expired-certificate', 'rotate'],
];

describe('aadconnect-entra-credential: a crash inside a step that is not safe to repeat (simulator)', () => {
  const cases = IN_DOUBT.flatMap(([step, scenario, op]) => [
    [step, scenario, op, `step-started:${step}`, 'not-done', 'rerun'],
    [step, scenario, op, `applied:${step}`, 'done', 'mark-done'],
  ]);
  it.each(cases)('%s (%s): SIGKILL at %s… the probe says %s, the effect happens exactly once', async (step, scenarioName, op, point, verdict, answer) => {
    const scenario = byName(scenarioName);
    const stateDir = join(root, `crash-${point.replace(/\W+/g, '-')}`);
    const killed = await killAt(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], point, { stateDir, env });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const resumed = await cli(['resume', '--answers', answersFor(scenario, { inDoubt: 'probe' }, '-probe')], { stateDir, env });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(scenario.expect.exitCode);
    expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: step, verdict })]);
    expect(journal.filter((r) => r.type === 'decision' && r.question === 'inDoubt')).toEqual([expect.objectContaining({ answer, reason: `probe: ${verdict}` })]);
    const effects = readJsonFile(join(runDir, 'simulated-server.json')).effects as Array<{ op: string; stepId: string }>;
    expect(effects.filter((e) => e.op === op && e.stepId === step)).toHaveLength(1);
    expect(credentialOps(runDir)).toEqual(scenario.expect.credentialOps);
  });

  it('without a Graph session the reset probe cannot tell: the run stops saved for a person (exit 8), nothing repeated', async () => {
    const scenario = byName('old-build-service-account');
    const stateDir = join(root, 'crash-no-graph');
    const killed = await killAt(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], 'applied:resetServiceAccount', { stateDir, env });
    expect(killed.reached).toBe(true);
    const resumed = await cli(['resume', '--answers', answersFor(scenario, { inDoubt: 'probe' }, '-probe')], { stateDir, env });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(8);
    const runDir = runDirs(stateDir)[0]!;
    expect(readJsonLines(join(runDir, 'journal.jsonl')).filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: 'resetServiceAccount', verdict: 'unknown' })]);
    expect(credentialOps(runDir)).toEqual(['reset-password']);
    expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe('resetServiceAccount');
    // the person checks the account in Entra ID and says it took effect
    const decided = await cli(['resume', '--answers', answersFor(scenario, { inDoubt: 'mark-done' }, '-decided')], { stateDir, env });
    expect(decided.exitCode, decided.stderr.slice(-2000)).toBe(0);
    expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
    expect(credentialOps(runDir)).toEqual(['reset-password']);
    expect((await cli(['verify', runDirs(stateDir)[0]!.split('/').at(-1)!], { stateDir })).exitCode).toBe(0);
  });
});

describe.skipIf(skipWithoutPart('pwsh', PWSH))('aadconnect-entra-credential through pwsh against the simulated host', () => {
  for (const scenario of all) {
    it(`${scenario.name}: the PowerShell scripts leave the server as the simulator does`, async () => {
      if (runDirs(join(root, `sim-${scenario.name}`)).length === 0) {
        await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir: join(root, `sim-${scenario.name}`), env });
      }
      const stateDir = join(root, `pwsh-${scenario.name}`);
      const result = await cli(['run', RUNBOOK, '--target', `pwsh-sim:${scenario.name}`, '--answers', answersFor(scenario)], { stateDir, env: { ...env, RUNBOOK_PWSH: PWSH! } });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const runDir = runDirs(stateDir)[0]!;
      expect(readJsonFile(join(runDir, 'checkpoint.json')).state).toBe(scenario.expect.final);
      expect(endState(runDir)).toEqual(endState(simRun(scenario.name)));
      const journal = readJsonLines(join(runDir, 'journal.jsonl'));
      const detect = journal.find((r) => r.type === 'step-finished' && r.stepId === 'detect');
      expect(detect.details.command).toMatch(/-File .*detect\.ps1 -AttemptId detect#1/);
      // the administrator's password went on stdin, never on a command line
      for (const r of journal) expect(JSON.stringify(r)).not.toContain(ADMIN_PASSWORD);
    });
  }

  it.each([
    ['resetServiceAccount', 'service-account-stale-password', 'reset-password'],
    ['rotateCertificate', 'application-rotation-due', 'rotate'],
    ['switchToApplication', 'switch-to-application', 'switch'],
  ])('SIGKILL while pwsh runs %s (%s), then resume: the probe script reads it done, exactly once', async (step, scenarioName, op) => {
    const scenario = byName(scenarioName);
    const stateDir = join(root, `pwsh-crash-${step}`);
    const pwshEnv = { ...env, RUNBOOK_PWSH: PWSH! };
    const killed = await killAt(['run', RUNBOOK, '--target', `pwsh-sim:${scenario.name}`, '--answers', answersFor(scenario)], `spawned:${step}`, { stateDir, env: pwshEnv });
    expect(killed.reached, killed.stderr.slice(-2000)).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    // the script goes on after the CLI died, as it would on the server
    for (let i = 0; i < 1200 && !readFileSync(join(runDir, 'simulated-server.json'), 'utf8').includes(`"op": "${op}"`); i++) await sleep(100);
    const resumed = await cli(['resume', '--answers', answersFor(scenario, { inDoubt: 'probe' }, '-probe')], { stateDir, env: pwshEnv });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(scenario.expect.exitCode);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: step, verdict: 'done' })]);
    expect(journal.filter((r) => r.type === 'decision' && r.question === 'inDoubt')).toEqual([expect.objectContaining({ answer: 'mark-done', reason: 'probe: done' })]);
    expect(credentialOps(runDir)).toEqual(scenario.expect.credentialOps);
  });
});
