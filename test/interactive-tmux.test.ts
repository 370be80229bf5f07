import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { answersFor, CLI, filesContainingSecrets, killAt, readJsonFile, readJsonLines, RUNBOOK, runDirs, scenarios, tempDir } from './helpers/cli.js';
import { findExecutable, skipWithoutPart } from './helpers/parts.js';

/** The interactive CLI in a real terminal: tmux types, capture-pane reads the screen. */
const tmux = findExecutable('tmux');
const root = tempDir();
const TYPED = { adds: 'Typed-Forest-Secret-31', entra: 'Typed-Entra-Secret-47' };

class Terminal {
  readonly name = `runbook-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  readonly exitFile: string;

  private readonly size: [number, number];

  constructor(
    private readonly stateDir: string,
    args: string,
    size: [number, number] = [150, 50],
  ) {
    this.exitFile = join(root, `${this.name}.exit`);
    this.command = `RUNBOOK_STATE_DIR='${stateDir}' RUNBOOK_SIM_DELAY_MS=60 node '${CLI}' ${args}; echo $? > '${this.exitFile}'; sleep 600`;
    this.size = size;
  }

  private readonly command: string;

  async start(): Promise<void> {
    await execa(tmux!, ['new-session', '-d', '-s', this.name, '-x', String(this.size[0]), '-y', String(this.size[1]), this.command]);
  }

  async screen(): Promise<string> {
    return String((await execa(tmux!, ['capture-pane', '-p', '-J', '-S', '-400', '-t', this.name])).stdout);
  }

  async waitFor(text: string | RegExp, timeout = 20_000): Promise<string> {
    const end = Date.now() + timeout;
    for (;;) {
      const screen = await this.screen();
      if (typeof text === 'string' ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() > end) throw new Error(`timed out waiting for ${text}; screen:\n${screen}`);
      await sleep(100);
    }
  }

  async type(text: string): Promise<void> {
    await execa(tmux!, ['send-keys', '-t', this.name, '-l', text]);
    await execa(tmux!, ['send-keys', '-t', this.name, 'Enter']);
  }

  async keys(...keys: string[]): Promise<void> {
    await execa(tmux!, ['send-keys', '-t', this.name, ...keys]);
  }

  async exitCode(timeout = 20_000): Promise<number> {
    const end = Date.now() + timeout;
    while (!existsSync(this.exitFile) || readFileSync(this.exitFile, 'utf8').trim() === '') {
      if (Date.now() > end) throw new Error(`the CLI did not exit; screen:\n${await this.screen()}`);
      await sleep(100);
    }
    return Number(readFileSync(this.exitFile, 'utf8').trim());
  }

  async close(): Promise<void> {
    await execa(tmux!, ['kill-session', '-t', this.name], { reject: false });
  }
}

describe.skipIf(skipWithoutPart('tmux', tmux))('the interactive CLI in a real terminal', () => {
  it('runs the flagship runbook through masked prompts to the end', async () => {
    const stateDir = join(root, 'full');
    const term = new Terminal(stateDir, `run ${RUNBOOK}`);
    await term.start();
    try {
      let screen = await term.waitFor('Type the server name (AADC01)');
      expect(screen).toMatch(/▶ Detect what is wrong|✔ Detect what is wrong/);
      expect(screen).toMatch(/build 1\.1\.443\.0/);
      await term.type('wrong-server');
      await term.waitFor('"wrong-server" does not match. Nothing was changed');
      await term.type('aadc01');
      screen = await term.waitFor('Password: AD DS connector account password for contoso.com');
      expect(screen).toMatch(/DESTRUCTIVE/);
      await term.keys('-l', TYPED.adds);
      screen = await term.waitFor('*'.repeat(TYPED.adds.length));
      expect(screen).not.toContain(TYPED.adds);
      await term.keys('Enter');
      await term.waitFor('User name: Entra ID administrator');
      await term.type('admin@contoso.onmicrosoft.com');
      await term.waitFor('Password: Entra ID administrator');
      await term.type(TYPED.entra);
      screen = await term.waitFor('Recovered');
      expect(await term.exitCode()).toBe(0);
      expect(screen).not.toContain(TYPED.entra);
      expect(screen).toMatch(/✔ Verify with a delta sync/);
      const journal = readJsonLines(join(runDirs(stateDir)[0]!, 'journal.jsonl'));
      expect(journal.filter((r) => r.type === 'decision' && r.question === 'confirmAbandon').map((r) => r.answer)).toEqual([
        'rejected: wrong-server',
        'confirmed: aadc01',
      ]);
      expect(journal.filter((r) => r.type === 'secret-supplied').map((r) => r.source)).toEqual(['prompt', 'prompt']);
    } finally {
      await term.close();
    }
  });

  it('Ctrl-C at the password prompt saves the run; resume asks for the secret again and finishes', async () => {
    const stateDir = join(root, 'interrupted');
    const first = new Terminal(stateDir, `run ${RUNBOOK} --target sim:three-forests`);
    await first.start();
    try {
      await first.waitFor('Type the server name');
      await first.type('AADC01');
      await first.waitFor('Password: AD DS connector account password for contoso.com');
      await first.type(TYPED.adds);
      await first.waitFor('Password: AD DS connector account password for fabrikam.com');
      await first.keys('C-c');
      expect(await first.exitCode()).toBe(130);
      expect(await first.screen()).toMatch(/the run is saved, continue with: runbook resume/);
    } finally {
      await first.close();
    }
    const runDir = runDirs(stateDir)[0]!;
    expect(readJsonFile(join(runDir, 'checkpoint.json'))).toMatchObject({ status: 'active', state: 'connectorPassword' });

    const second = new Terminal(stateDir, 'resume');
    await second.start();
    try {
      const screen = await second.waitFor('Password: AD DS connector account password for fabrikam.com');
      expect(screen).toMatch(/Resuming run/);
      expect(screen).toMatch(/✔ Enter the AD DS connector password for contoso\.com/);
      await second.type(TYPED.adds);
      await second.waitFor('corp.tailspin.net');
      await second.type(TYPED.adds);
      await second.waitFor('User name: Entra ID administrator');
      await second.type('admin@contoso.onmicrosoft.com');
      await second.waitFor('Password: Entra ID administrator');
      await second.type(TYPED.entra);
      await second.waitFor('Recovered');
      expect(await second.exitCode()).toBe(0);
    } finally {
      await second.close();
    }
    const server = readJsonFile(join(runDir, 'simulated-server.json'));
    expect(server.effects.filter((e: { op: string }) => e.op.startsWith('password:')).map((e: { op: string }) => e.op)).toEqual([
      'password:contoso.com',
      'password:fabrikam.com',
      'password:corp.tailspin.net',
    ]);
  });
});

describe.skipIf(skipWithoutPart('tmux', tmux))('resuming after a crash, in a 120x40 terminal', () => {
  it('the probe settles the step in doubt: its verdict and evidence, the menu drawn once with the verdict as default, numbers kept, words not ids', async () => {
    const stateDir = join(root, 'in-doubt');
    const scenario = scenarios().find((s) => s.name === 'one-connector')!;
    const answers = answersFor(root, scenario);
    const killed = await killAt(['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answers.path], 'applied:abandonKey', { stateDir, env: answers.env });
    expect(killed.reached, killed.stderr).toBe(true);
    const firstNumber = /── (\d+)\. Abandon the encryption key/.exec(killed.stderr)?.[1];
    expect(firstNumber, killed.stderr).toBeDefined();

    const term = new Terminal(stateDir, 'resume', [120, 40]);
    await term.start();
    try {
      let screen = await term.waitFor(/In doubt: "Abandon the encryption key"/);
      await sleep(500);
      screen = await term.screen();
      expect(screen).toMatch(/The probe read the server and says it took effect/);
      expect(screen).toMatch(/no encryption key set is registered/);
      // drawn once, with nothing printed beneath it while it is open
      expect(screen.match(/In doubt: "Abandon the encryption key"/g)).toHaveLength(1);
      expect(screen.match(/It took effect: mark it done and continue/g)).toHaveLength(1);
      const lines = screen.split('\n').map((l) => l.trimEnd()).filter(Boolean);
      const menuEnd = lines.findIndex((l) => l.includes('Abort the run'));
      expect(lines.slice(menuEnd + 1).every((l) => /↑↓|navigate|enter/i.test(l)), lines.slice(menuEnd + 1).join('\n')).toBe(true);
      // the probe's verdict is the proposed answer: the pointer is on it
      expect(screen).toMatch(/❯ It took effect: mark it done and continue \(the probe says so\)/);
      await term.keys('Enter');
      screen = await term.waitFor('Password: AD DS connector account password for contoso.com');
      // the step list was printed before the menu, and numbers go on from the first run
      expect(screen).toMatch(new RegExp(`── ${Number(firstNumber) + 1}\\. Start the service \\(a new key is created\\)`));
      await term.type(TYPED.adds);
      await term.waitFor('User name: Entra ID administrator');
      await term.type('admin@contoso.onmicrosoft.com');
      await term.waitFor('Password: Entra ID administrator');
      await term.type(TYPED.entra);
      screen = await term.waitFor('Recovered');
      expect(await term.exitCode()).toBe(0);
      screen = await term.screen();
      expect(screen).toMatch(/– Fix the service logon password {2}\(not taken\)/);
      expect(screen).not.toMatch(/\{[A-Za-z.]+\}/);
      for (const id of ['abandonKey', 'connectorPassword', 'inDoubt', 'preChecks']) expect(screen).not.toContain(id);
    } finally {
      await term.close();
    }
    const journal = readJsonLines(join(runDirs(stateDir)[0]!, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'probe')).toEqual([expect.objectContaining({ stepId: 'abandonKey', verdict: 'done' })]);
    expect(readJsonFile(join(runDirs(stateDir)[0]!, 'simulated-server.json')).effects.filter((e: { op: string }) => e.op === 'abandon')).toHaveLength(1);
  });
});

afterAll(() => {
  if (tmux) expect(filesContainingSecrets(root, Object.values(TYPED))).toEqual([]);
});
