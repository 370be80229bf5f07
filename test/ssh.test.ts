import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answersFor, cli, filesContainingSecrets, killAt, readJsonFile, readJsonLines, RUNBOOK, runDirs, scenarios, SECRETS, startCli, tempDir, writeJson } from './helpers/cli.js';
import { skipWithoutPart, watchProcesses } from './helpers/parts.js';
import { PWSH, SIM_HOST, simHostState } from './helpers/pwsh.js';
import { SSHD, startSshServer, type TestSshServer } from './helpers/sshd.js';
import type { Scenario } from '../runners/simulator/aadconnect-encryption-key/server.js';

/** The same scripts over a real OpenSSH server on 127.0.0.1 whose `powershell` is pwsh with the simulated ADSync module. */
const root = tempDir();
const all = scenarios() as unknown as Scenario[];
const skip = skipWithoutPart('sshd', SSHD) || skipWithoutPart('pwsh', PWSH);

/** A PowerShell process of a step still running on the (local) host. */
function remoteStepRunning(): boolean {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .some((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
        return cmdline.includes('-EncodedCommand') || cmdline.includes('abandonKey#') || cmdline.includes('miiskmu');
      } catch {
        return false;
      }
    });
}

function ops(statePath: string): string[] {
  return readJsonFile(statePath).effects.map((e: { op: string }) => e.op);
}

describe.skipIf(skip)('the ssh runner against a local OpenSSH server', () => {
  let server: TestSshServer;
  beforeAll(async () => {
    server = await startSshServer(join(root, 'sshd'), PWSH!, SIM_HOST);
  });
  afterAll(async () => {
    await server?.stop();
  });
  const target = () => ['--target', server.target, '--simulated-host', '--ssh-config', server.config];

  for (const name of ['one-connector', 'three-forests', 'wrong-password-first-try']) {
    it(`${name} runs end to end over ssh and ends as through the in-process simulator`, async () => {
      const scenario = all.find((s) => s.name === name)!;
      simHostState(server.statePath, scenario);
      const answers = answersFor(root, scenario);
      const stateDir = join(root, `ssh-${name}`);
      const result = await cli(['run', RUNBOOK, ...target(), '--answers', answers.path], { stateDir, env: answers.env });
      expect(result.exitCode, result.stderr.slice(-3000)).toBe(scenario.expect.exitCode);
      const reference = join(root, `sim-${name}`);
      await cli(['run', RUNBOOK, '--target', `sim:${name}`, '--answers', answers.path], { stateDir: reference, env: answers.env });
      expect(ops(server.statePath)).toEqual(ops(join(runDirs(reference)[0]!, 'simulated-server.json')));
      const journal = readJsonLines(join(runDirs(stateDir)[0]!, 'journal.jsonl'));
      const detect = journal.find((r) => r.type === 'step-finished' && r.stepId === 'detect');
      expect(detect.details.command).toMatch(/ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes .* powershell -EncodedCommand <bootstrap>/);
      expect(journal.filter((r) => r.type === 'step-started').every((r) => r.runner === 'powershell')).toBe(true);
    });
  }

  it('SIGKILL while the remote script runs the destructive step, then resume: in doubt, decided, exactly once', async () => {
    const scenario = all.find((s) => s.name === 'one-connector')!;
    simHostState(server.statePath, scenario);
    const answers = answersFor(root, scenario);
    const stateDir = join(root, 'ssh-crash');
    const killed = await killAt(['run', RUNBOOK, ...target(), '--answers', answers.path], 'spawned:abandonKey', { stateDir, env: answers.env });
    expect(killed.reached).toBe(true);
    // with the operator's end gone, the session may still finish the step on the host, or have
    // died with the connection: wait until nothing of it runs there, then answer as an operator
    // who checked the server
    for (let quiet = 0, i = 0; quiet < 10 && i < 1200; i++) {
      await sleep(100);
      quiet = remoteStepRunning() ? 0 : quiet + 1;
    }
    expect(remoteStepRunning()).toBe(false);
    const abandoned = ops(server.statePath).includes('abandon');
    const resumeAnswers = writeJson(root, 'ssh-crash.json', { ...readJsonFile(answers.path), answers: { ...readJsonFile(answers.path).answers, inDoubt: { abandonKey: abandoned ? 'mark-done' : 'rerun' } } });
    const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir, env: answers.env });
    expect(resumed.exitCode, resumed.stderr.slice(-2000)).toBe(0);
    expect(ops(server.statePath)).toEqual(['abandon', 'start', 'password:contoso.com', 'restart', 'entra', 'start-final', 'delta-sync']);
    expect(readJsonLines(join(runDirs(stateDir)[0]!, 'journal.jsonl')).find((r) => r.question === 'inDoubt')).toMatchObject({
      answer: abandoned ? 'mark-done' : 'rerun',
      by: 'test-operator',
    });
  });

  it('secrets travel on stdin only: not in any argv, not in the remote command lines, not in any file', async () => {
    simHostState(server.statePath, all.find((s) => s.name === 'one-connector')!);
    const dir = join(root, 'ssh-audit');
    mkdirSync(dir, { recursive: true });
    const answers = writeJson(dir, 'answers.json', {
      answers: { confirmAbandon: 'AADC01', manual: 'done' },
      secrets: { 'adds-password:*': { stdin: true }, 'entra-admin': { username: 'admin@contoso.onmicrosoft.com', stdin: true } },
    });
    const child = startCli(['run', RUNBOOK, ...target(), '--answers', answers], { stateDir: join(dir, 'state'), input: `${SECRETS.adds}\n${SECRETS.entra}\n` });
    const watch = watchProcesses([SECRETS.adds, SECRETS.entra], () => child.pid);
    const result = await child;
    expect(watch.stop()).toEqual([]);
    expect(result.exitCode, String(result.stderr).slice(-2000)).toBe(0);
    const remote = readFileSync(server.commandLog, 'utf8');
    expect(remote).toMatch(/ARGV: -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand /);
    // every remote command line is the same fixed bootstrap; scripts and secrets came on stdin
    expect(new Set(remote.split('\n').filter(Boolean)).size).toBe(1);
    expect(remote).not.toContain(SECRETS.adds);
    expect(remote).not.toContain(SECRETS.entra);
    expect(filesContainingSecrets(dir, [SECRETS.adds, SECRETS.entra])).toEqual([]);
    expect(filesContainingSecrets(join(root, 'sshd'), [SECRETS.adds, SECRETS.entra])).toEqual([]);
  });

  it('host key checking is on: an unknown host key stops the run before anything runs on it', async () => {
    const config = join(root, 'ssh_config_unknown_host');
    writeFileSync(config, readFileSync(server.config, 'utf8').replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${join(root, 'empty_known_hosts')}`));
    writeFileSync(join(root, 'empty_known_hosts'), '');
    simHostState(server.statePath, all.find((s) => s.name === 'one-connector')!);
    const before = readFileSync(server.statePath, 'utf8');
    const result = await cli(['run', RUNBOOK, '--target', server.target, '--simulated-host', '--ssh-config', config, '--dry-run'], { stateDir: join(root, 'ssh-unknown-host') });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/✖ failed {2}Detect what is wrong/);
    expect(result.stdout).toMatch(/Host key verification failed|host key/i);
    expect(readFileSync(server.statePath, 'utf8')).toBe(before);
  });
});

afterAll(() => {
  if (!skip) expect(filesContainingSecrets(root, Object.values(SECRETS)).filter((f) => !f.includes('answers-'))).toEqual([]);
});
