import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMachine } from 'xstate';
import { cli, readJsonFile, ROOT, runDirs, tempDir, writeJson } from './helpers/cli.js';
import { skipWithoutPart } from './helpers/parts.js';
import { PWSH } from './helpers/pwsh.js';
import { checkRunbook } from '../src/check/check-runbook.js';
import healthCheck from '../machines/aadconnect-health-check.js';
import { assess, type HealthFacts } from '../machines/lib/aadconnect-health-assess.js';
import world from '../runners/simulator/aadconnect-health-check/world.js';
import { read, initialState, type HealthScenario } from '../runners/simulator/aadconnect-health-check/host.js';

/**
 * The read-only health check: every scenario end to end through the built CLI on the simulator
 * (exit code, end state, one verdict per check, the report, --json), the same report from the
 * PowerShell scripts against the simulated host, a server state file untouched by the run, and
 * `runbook check` holding the runbook to read-only.
 */

const RUNBOOK = 'aadconnect-health-check';
const root = tempDir('runbook-health-');
const answers = writeJson(root, 'answers.json', { operator: 'test-operator', answers: { stepFailed: 'retry' } });
const scenarioDir = join(ROOT, 'runners', 'simulator', RUNBOOK, 'scenarios');
const all: HealthScenario[] = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(scenarioDir, f), 'utf8')));
const pwshEnv: Record<string, string> = PWSH ? { RUNBOOK_PWSH: PWSH } : {};

interface RunOutput {
  exitCode: number;
  stderr: string;
  json: { runId: string; runbook: string; target: string; outcome: string; state: string; result: { checks: Array<{ id: string; title: string; verdict: string; summary: string; evidence: string[] }>; ending: string } };
  stateFile: string;
}

const simRuns = new Map<string, RunOutput>();

async function runOn(target: string, scenario: HealthScenario): Promise<RunOutput> {
  const stateDir = join(root, target, scenario.name);
  const result = await cli(['run', RUNBOOK, '--target', `${target}:${scenario.name}`, '--answers', answers, '--json'], { stateDir, env: pwshEnv });
  const [runDir] = runDirs(stateDir);
  let json: RunOutput['json'];
  try {
    json = JSON.parse(result.stdout);
  } catch {
    throw new Error(`--json did not print one JSON object (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  }
  return { exitCode: result.exitCode, stderr: result.stderr, json, stateFile: join(runDir!, 'simulated-server.json') };
}

/** The server file as initialize wrote it: scenarios carry their date, so it is the same bytes every time. */
function pristineState(scenario: HealthScenario): string {
  const path = join(tempDir('runbook-health-state-'), 'state.json');
  world.initialize(scenario as never, path);
  return readFileSync(path, 'utf8');
}

describe('aadconnect-health-check on the simulator, through the CLI', () => {
  it('has the scenarios it is taught with, each with its own date', () => {
    expect(all.map((s) => s.name)).toEqual(expect.arrayContaining(['healthy', 'outdated-build', 'failing-connector', 'database-nearly-full', 'service-stopped']));
    for (const s of all) expect(s.today, s.name).toBeTruthy();
  });

  for (const scenario of all) {
    it(`${scenario.name}: ends at ${scenario.expect.final} (exit ${scenario.expect.exitCode}) with the expected verdicts, changing nothing`, async () => {
      const run = await runOn('sim', scenario);
      simRuns.set(scenario.name, run);
      expect(run.exitCode, run.stderr).toBe(scenario.expect.exitCode);
      expect(run.json).toMatchObject({ runbook: RUNBOOK, target: `sim:${scenario.name}`, state: scenario.expect.final });
      const verdicts = Object.fromEntries(run.json.result.checks.map((c) => [c.id, c.verdict]));
      expect(verdicts).toEqual(scenario.expect.checks);
      // the report on stderr: one line per check with its verdict and title
      for (const c of run.json.result.checks) {
        expect(run.stderr).toMatch(new RegExp(`^  ${c.verdict.padEnd(13)}  ${c.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\S`, 'm'));
      }
      // a failure names what to do next
      for (const c of run.json.result.checks.filter((c) => c.verdict === 'FAIL')) expect(run.stderr).toContain('-> ');
      // read-only: the simulated server is byte for byte what the run started with
      expect(readFileSync(run.stateFile, 'utf8')).toBe(pristineState(scenario));
    });
  }

  it('hands each failure to the runbook that fits it', () => {
    const key = simRuns.get('key-unreadable')!;
    expect(key.json.result.checks.find((c) => c.id === 'encryptionKey')).toMatchObject({ verdict: 'FAIL', next: { runbook: 'aadconnect-encryption-key' } });
    expect(key.stderr).toContain('runbook aadconnect-encryption-key');
    const full = simRuns.get('database-nearly-full')!;
    expect(full.json.result.checks.find((c) => c.id === 'database')).toMatchObject({ verdict: 'FAIL', next: { runbook: 'aadconnect-localdb-full' } });
    const stopped = simRuns.get('service-stopped')!;
    // the engine cannot be asked while the service is stopped: not collected, never failed
    expect(stopped.json.result.checks.find((c) => c.id === 'scheduler')).toMatchObject({ verdict: 'NOT COLLECTED', summary: 'the ADSync service is Stopped: the sync engine cannot be asked' });
  });
});

describe('the PowerShell scripts against the simulated host report what the simulator reports', () => {
  const skip = skipWithoutPart('pwsh', PWSH);
  for (const scenario of all) {
    it.skipIf(skip)(`${scenario.name} on pwsh-sim`, async () => {
      const run = await runOn('pwsh-sim', scenario);
      const sim = simRuns.get(scenario.name) ?? (await runOn('sim', scenario));
      expect(run.exitCode, run.stderr).toBe(sim.exitCode);
      expect(run.json.state).toBe(sim.json.state);
      expect(run.json.result).toEqual(sim.json.result);
      expect(readFileSync(run.stateFile, 'utf8')).toBe(pristineState(scenario));
    });
  }
});

describe('runbook check keeps the runbook read-only', () => {
  it('runbook check aadconnect-health-check exits 0', async () => {
    const result = await cli(['check', RUNBOOK], { stateDir: join(root, 'check'), env: pwshEnv });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain(`${RUNBOOK}: clean`);
  });

  it('refuses a copy of the machine with one step not marked read-only', async () => {
    const machine = healthCheck.machine;
    const states = machine.config.states as Record<string, { meta: object }>;
    const changed = createMachine({
      ...(machine.config as object),
      states: { ...states, readEvents: { ...states.readEvents!, meta: { ...states.readEvents!.meta, readOnly: false } } },
    } as never).provide(machine.implementations as never);
    const report = await checkRunbook({ ...healthCheck, machine: changed });
    expect(report.problems.map((p) => p.message)).toContainEqual(expect.stringContaining("runbook is read-only but step 'readEvents'"));
  });
});

describe('the support table and the run date decide the build and identity verdicts', () => {
  const base = initialState(all.find((s) => s.name === 'healthy')!);
  const factsOn = (date: string, build: string, identity: 'ServiceAccount' | 'Application'): HealthFacts => {
    const s = { ...base, now: Date.parse(date), server: { ...base.server, build }, entra: { ...base.entra, identityType: identity } };
    return { service: read.service(s), events: read.events(s), database: read.database(s), engine: read.engine(s) };
  };
  const verdict = (facts: HealthFacts, id: string) => assess(facts).checks.find((c) => c.id === id)!.verdict;

  it('the 2.5.79.0 floor warns before 30 Sep 2026 and fails after it', () => {
    expect(verdict(factsOn('2026-09-30T12:00:00Z', '2.5.3.0', 'Application'), 'build')).toBe('WARN');
    expect(verdict(factsOn('2026-10-01T00:00:00Z', '2.5.3.0', 'Application'), 'build')).toBe('FAIL');
  });

  it('a service account warns until 7 Apr 2027 and fails after it; a withdrawn build fails', () => {
    expect(verdict(factsOn('2027-04-07T12:00:00Z', '2.6.84.0', 'ServiceAccount'), 'entraIdentity')).toBe('WARN');
    expect(verdict(factsOn('2027-04-08T00:00:00Z', '2.6.84.0', 'ServiceAccount'), 'entraIdentity')).toBe('FAIL');
    expect(verdict(factsOn('2027-04-08T00:00:00Z', '2.6.1.0', 'Application'), 'build')).toBe('FAIL');
    expect(verdict(factsOn('2026-12-01T00:00:00Z', '2.6.79.0', 'Application'), 'build')).toBe('FAIL');
    expect(verdict(factsOn('2026-12-01T00:00:00Z', '1.6.16.0', 'Application'), 'build')).toBe('FAIL');
  });
});

describe('list, show and train know the runbook', () => {
  it('runbook list --json shows it; show --json lists its scenarios; train --list lists its drills', async () => {
    const stateDir = join(root, 'cli');
    const list = await cli(['list', '--json'], { stateDir });
    expect(JSON.parse(list.stdout).map((r: { id: string }) => r.id)).toContain(RUNBOOK);
    const show = JSON.parse((await cli(['show', RUNBOOK, '--json'], { stateDir })).stdout);
    expect(show.scenarios.map((s: { name: string }) => s.name).sort()).toEqual(all.map((s) => s.name).sort());
    expect(show.states.filter((s: { kind: string }) => s.kind === 'step').every((s: { readOnly: boolean; destructive: boolean; idempotent: boolean }) => s.readOnly && !s.destructive && s.idempotent)).toBe(true);
    const drills = JSON.parse((await cli(['train', RUNBOOK, '--list', '--json'], { stateDir })).stdout);
    expect(drills.length).toBeGreaterThanOrEqual(2);
    for (const d of drills) expect(d.briefing?.length, d.scenario).toBeGreaterThan(0);
  });

  it('a drill shows its briefing, and retrying a failed read is the ideal path', async () => {
    const result = await cli(['train', RUNBOOK, '--scenario', 'event-log-hiccup', '--answers', answers], { stateDir: join(root, 'drill') });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('Briefing: a routine check of AADC01');
    expect(result.stderr).toMatch(/mistakes: none/);
    expect(result.stderr).toMatch(/^ {2}OK {13}events, last 24 h/m);
    const [runDir] = runDirs(join(root, 'drill', 'training'));
    const state = readJsonFile(join(runDir!, 'simulated-server.json'));
    expect(JSON.stringify(state, null, 2)).toBe(pristineState(all.find((s) => s.name === 'event-log-hiccup')!));
  });
});
