import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  answersFor,
  cli,
  filesContainingSecrets,
  killAt,
  readJsonFile,
  readJsonLines,
  RUNBOOK,
  runDirs,
  scenarios,
  SECRETS,
  startCli,
  tempDir,
  writeJson,
  ROOT,
} from './helpers/cli.js';
import { skipWithoutPart, watchProcesses } from './helpers/parts.js';
import { PWSH, pwshJson, recordingPwsh, SCRIPTS, SIM_HOST, simHostState } from './helpers/pwsh.js';
import type { Scenario } from '../runners/simulator/aadconnect-encryption-key/server.js';

/** The flagship runbook's steps as real PowerShell scripts, run by real pwsh against the simulated ADSync host. */
const root = tempDir();
const all = scenarios() as unknown as Scenario[];
const env = { RUNBOOK_PWSH: PWSH ?? 'pwsh' };

function endState(runDir: string) {
  const s = readJsonFile(join(runDir, 'simulated-server.json'));
  return {
    service: s.service.status,
    key: s.key,
    keyGeneration: s.keyGeneration,
    connectors: Object.fromEntries(s.connectors.map((c: { name: string; password: string }) => [c.name, c.password])),
    entraCredential: s.entraCredential,
    ops: s.effects.map((e: { op: string; stepId: string }) => `${e.stepId}:${e.op}`),
  };
}

describe.skipIf(skipWithoutPart('pwsh', PWSH))('PowerShell runner on real pwsh', () => {
  const lint = async (files: string[]) => (await pwshJson(join(ROOT, 'runners', 'powershell', 'lint-ps51.ps1'), files)).split('\n').filter(Boolean).map((l) => JSON.parse(l));

  it('every script parses with PowerShell\'s parser and uses nothing Windows PowerShell 5.1 cannot run', async () => {
    const files = [
      ...readdirSync(SCRIPTS).map((f) => join(SCRIPTS, f)),
      ...readdirSync(join(SIM_HOST, 'manual')).map((f) => join(SIM_HOST, 'manual', f)),
    ].filter((f) => f.endsWith('.ps1'));
    // the warm session's host script runs there too (locally with -File, over SSH as -EncodedCommand)
    const { SESSION_HOST_PATH } = await import('../runners/powershell/warm-session.js');
    // and the step contract every script dot-sources (through _common.ps1)
    const { STEP_CONTRACT_PATH } = await import('../runners/powershell/powershell-runner.js');
    const reports = await lint([...files, SESSION_HOST_PATH, STEP_CONTRACT_PATH]);
    expect(reports).toHaveLength(files.length + 2);
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const report of reports) expect({ file: report.file, parseErrors: report.parseErrors, problems: report.problems }).toEqual({ file: report.file, parseErrors: [], problems: [] });
  });

  it('the 5.1 check finds what 5.1 cannot run', async () => {
    const bad = join(root, 'pwsh7-only.ps1');
    writeFileSync(bad, '$a = $null\n$b = $a ?? 1\n$c = $a ? 1 : 2\nGet-Date && Get-Date\n$d = $a?.Length\n1..2 | ForEach-Object -Parallel { $_ }\n');
    const [report] = await lint([bad]);
    expect(report.problems.join(' ')).toMatch(/\?\?/);
    expect(report.problems.join(' ')).toMatch(/ternary/);
    expect(report.problems.join(' ')).toMatch(/&& \/ \|\|/);
    expect(report.problems.join(' ')).toMatch(/ForEach-Object -Parallel/);
  });

  // drills with training faults exist only in the in-process simulator
  for (const scenario of all.filter((s) => !s.faults)) {
    it(`${scenario.name}: through pwsh it ends as through the in-process simulator`, async () => {
      const answers = answersFor(root, scenario);
      const inProcess = await cli(['run', RUNBOOK, '--target', `sim:${scenario.name}`, '--answers', answers.path], { stateDir: join(root, `sim-${scenario.name}`), env: answers.env });
      const real = await cli(['run', RUNBOOK, '--target', `pwsh-sim:${scenario.name}`, '--answers', answers.path], { stateDir: join(root, `pwsh-${scenario.name}`), env: { ...answers.env, ...env } });
      expect(real.exitCode, real.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      expect(inProcess.exitCode).toBe(scenario.expect.exitCode);
      const pwshRun = runDirs(join(root, `pwsh-${scenario.name}`))[0]!;
      expect(readJsonFile(join(pwshRun, 'checkpoint.json')).state).toBe(scenario.expect.final);
      expect(endState(pwshRun)).toEqual(endState(runDirs(join(root, `sim-${scenario.name}`))[0]!));
      const journal = readJsonLines(join(pwshRun, 'journal.jsonl'));
      const scripted = journal.find((r) => r.type === 'step-finished' && r.stepId === 'detect');
      expect(scripted.details).toMatchObject({ exitCode: 0 });
      expect(scripted.details.command).toMatch(/-NoProfile -NonInteractive -ExecutionPolicy Bypass -File .*detect\.ps1 -AttemptId detect#1/);
    });
  }

  const baseline = () => endState(runDirs(join(root, 'pwsh-one-connector'))[0]!).ops;

  it.each([
    ['abandonKey', 'mark-done'],
    ['restartService', null],
  ])('SIGKILL while pwsh runs %s, then resume: exactly once', async (step, operatorAnswer) => {
    const scenario = all.find((s) => s.name === 'one-connector')!;
    const stateDir = join(root, `crash-${step}`);
    const answers = answersFor(root, scenario);
    const args = ['run', RUNBOOK, '--target', 'pwsh-sim:one-connector', '--answers', answers.path];
    const killed = await killAt(args, `spawned:${step}`, { stateDir, env: { ...answers.env, ...env } });
    expect(killed.reached).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    // the script goes on after the CLI died, as a real one would on the server (slow under load: up to 2 min)
    const op = step === 'abandonKey' ? 'abandon' : 'restart';
    for (let i = 0; i < 1200 && !readFileSync(join(runDir, 'simulated-server.json'), 'utf8').includes(`"op": "${op}"`); i++) await sleep(100);
    expect(endState(runDir).ops).toContain(`${step}:${op}`);
    const resumeAnswers = writeJson(root, `crash-${step}.json`, { ...readJsonFile(answers.path), answers: { ...readJsonFile(answers.path).answers, inDoubt: { abandonKey: 'probe' } } });
    const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir, env: { ...answers.env, ...env } });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(0);
    expect(endState(runDir).ops).toEqual(baseline());
    const decision = readJsonLines(join(runDir, 'journal.jsonl')).find((r) => r.type === 'decision' && r.question === 'inDoubt');
    expect(decision).toMatchObject({ stepId: step, answer: operatorAnswer ?? 'rerun', by: operatorAnswer ? 'test-operator' : 'engine' });
    // the key was abandoned before the resume: abandonKey.probe.ps1 reads that on the host and the answers file follows it
    const probes = readJsonLines(join(runDir, 'journal.jsonl')).filter((r) => r.type === 'probe');
    expect(probes).toEqual(step === 'abandonKey' ? [expect.objectContaining({ stepId: step, verdict: 'done' })] : []);
  });

  it('no secret in the argv or environment of any process, in any file the run wrote, or in the journal', async () => {
    const scenario = all.find((s) => s.name === 'one-connector')!;
    const dir = join(root, 'audit');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'pwsh-calls.log');
    const shim = recordingPwsh(dir, log);
    const answers = writeJson(dir, 'answers.json', {
      operator: 'auditor',
      answers: { confirmAbandon: 'AADC01', manual: 'done' },
      secrets: { 'adds-password:*': { stdin: true }, 'entra-admin': { username: 'admin@contoso.onmicrosoft.com', stdin: true } },
    });
    const stateDir = join(dir, 'state');
    const child = startCli(['run', RUNBOOK, '--target', 'pwsh-sim:one-connector', '--answers', answers], {
      stateDir,
      env: { RUNBOOK_PWSH: shim },
      input: `${SECRETS.adds}\n${SECRETS.entra}\n`,
    });
    const watch = watchProcesses([SECRETS.adds, SECRETS.entra], () => child.pid);
    const result = await child;
    const findings = watch.stop();
    expect(result.exitCode, String(result.stderr).slice(-2000)).toBe(0);
    expect(findings).toEqual([]);
    expect(watch.seen()).toBeGreaterThan(3);
    const calls = readFileSync(log, 'utf8');
    // one warm session served every step: no step script has a pwsh process of its own
    expect(calls.match(/^ARGV:.*session-host\.ps1$/gm)).toHaveLength(1);
    expect(calls).not.toMatch(/^ARGV:.*(detect|abandonKey|reinitEntra)\.ps1/m);
    expect(calls).not.toContain(SECRETS.adds);
    expect(calls).not.toContain(SECRETS.entra);
    expect(filesContainingSecrets(dir, [SECRETS.adds, SECRETS.entra])).toEqual([]);
    const journal = readJsonLines(join(runDirs(stateDir)[0]!, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'secret-supplied').map((r) => r.source)).toEqual(['stdin', 'stdin']);
    void scenario;
  });

  it('--dry-run on every scenario runs only read-only scripts and changes nothing on the host', async () => {
    for (const scenario of all) {
      const statePath = simHostState(join(root, `dry-${scenario.name}.json`), scenario);
      const before = readFileSync(statePath, 'utf8');
      const result = await cli(['run', RUNBOOK, '--target', 'local', '--simulated-host', '--dry-run'], {
        stateDir: join(root, `dry-state-${scenario.name}`),
        env: {
          ...env,
          RUNBOOK_SIM_STATE: statePath,
          PSModulePath: SIM_HOST,
          PATH: [dirname(PWSH!), process.env.PATH].join(delimiter),
        },
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(readFileSync(statePath, 'utf8')).toBe(before);
      expect(runDirs(join(root, `dry-state-${scenario.name}`))).toEqual([]);
      expect(result.stdout).toMatch(/✔ ran {2}Detect what is wrong/);
      expect(result.stdout).toMatch(/Nothing was changed on the target/);
      // a key problem found at once: pre-checks run, and the plan shows the destructive and manual steps
      if (scenario.expect.abandoned && scenario.service.logonValid) {
        expect(result.stdout).toMatch(/✔ ran {2}Pre-checks/);
        expect(result.stdout).toMatch(/→ would run {2}Abandon the encryption key {2}\[DESTRUCTIVE, not safe to repeat\]/);
        expect(result.stdout).toMatch(/✋ manual {2}Enter the AD DS connector password/);
      }
      if (!scenario.expect.abandoned) expect(result.stdout).not.toMatch(/Abandon the encryption key/);
      expect(result.stdout).toContain(`■ ends`);
    }
  }, 600_000);
});

afterAll(() => {
  if (PWSH) expect(filesContainingSecrets(root, Object.values(SECRETS)).filter((f) => !f.includes('answers-'))).toEqual([]);
});
