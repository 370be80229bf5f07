import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  answersFor,
  cli,
  expectOneLineError,
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
} from './helpers/cli.js';

/** Bad input: one line, a documented non-zero exit code, no stack trace, nothing lost. */
const root = tempDir();
const oneConnector = scenarios().find((s) => s.name === 'one-connector')!;

/** A run interrupted (SIGKILL) while it waits for the typed confirmation. */
async function interruptedRun(name: string) {
  const stateDir = join(root, name);
  const answers = answersFor(root, oneConnector);
  const args = ['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answers.path];
  const killed = await killAt(args, 'checkpoint:stopService', { stateDir, env: answers.env });
  expect(killed.reached).toBe(true);
  const runDir = runDirs(stateDir)[0]!;
  return { stateDir, runDir, answers, runId: runDir.split('/').at(-1)! };
}

function snapshotFiles(runDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['checkpoint.json', 'journal.jsonl', 'simulated-server.json']) out[name] = readFileSync(join(runDir, name), 'utf8');
  return out;
}

describe('bad input', () => {
  it('an unknown runbook', async () => {
    const stateDir = join(root, 'unknown');
    const result = await cli(['run', 'no-such-runbook'], { stateDir });
    expect(result.exitCode).toBe(2);
    expect(expectOneLineError(result)).toMatch(/unknown runbook 'no-such-runbook'; known: .*aadconnect-encryption-key/);
    expect(existsSync(join(stateDir, 'runs'))).toBe(false);
  });

  it('an unknown scenario', async () => {
    const result = await cli(['run', RUNBOOK, '--target', 'sim:nope'], { stateDir: join(root, 'unknown-scenario') });
    expect(result.exitCode).toBe(2);
    expect(expectOneLineError(result)).toMatch(/unknown scenario 'nope'/);
  });

  it('no terminal and no answers file: refused before anything is created', async () => {
    const stateDir = join(root, 'no-tty');
    const result = await cli(['run', RUNBOOK], { stateDir, input: '' });
    expect(result.exitCode).toBe(2);
    expect(expectOneLineError(result)).toMatch(/not a terminal: give --answers/);
    expect(existsSync(join(stateDir, 'runs'))).toBe(false);
  });

  it.each([
    ['not JSON', '{ "answers": ', /not valid JSON/],
    ['an unknown field', JSON.stringify({ answer: {} }), /unknown field 'answer'/],
    ['a secret value in the file', JSON.stringify({ secrets: { 'entra-admin': { password: 'x' } } }), /never the value itself/],
    ['a secret-looking answer', JSON.stringify({ answers: { adminPassword: 'x' } }), /looks like a secret/],
    ['a wrong answer type', JSON.stringify({ answers: { confirmAbandon: 42 } }), /must be a string/],
    ['an unknown question', JSON.stringify({ answers: { confirmAbandonn: 'AADC01' } }), /'confirmAbandonn' is not a question aadconnect-encryption-key asks/],
    ['a choice no question offers', JSON.stringify({ answers: { stepFailed: 'maybe' } }), /'maybe' is not an answer to 'stepFailed' \(one of: (retry|skip|abort)(, (retry|skip|abort)){2}\)/],
    ['an answer for a step the runbook does not have', JSON.stringify({ answers: { stepFailed: { verfy: 'retry' } } }), /'stepFailed' has an answer for 'verfy', which is not a step/],
    ['answers that are null', JSON.stringify({ answers: null }), /'answers' must be an object/],
    ['no secret for the per-connector password', JSON.stringify({ answers: {}, secrets: { 'entra-admin': { username: 'a@b', stdin: true } } }), /no entry under 'secrets' for 'adds-password:\{connector\}'/],
    ['a credential without its user name', JSON.stringify({ answers: {}, secrets: { 'adds-password:*': { stdin: true }, 'entra-admin': { stdin: true } } }), /secret 'entra-admin' needs a username/],
    ['a file far too big', '['.repeat(2 * 1024 * 1024), /at most 1048576 bytes/],
    ['an unset secret variable', JSON.stringify({ secrets: { 'entra-admin': { env: 'RB_TEST_UNSET_VARIABLE' } } }), /RB_TEST_UNSET_VARIABLE, which is not set/],
  ])('a malformed answers file: %s', async (name, content, message) => {
    const stateDir = join(root, `answers-${name.replace(/\W+/g, '-')}`);
    const path = join(root, `bad-${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(path, content);
    const result = await cli(['run', RUNBOOK, '--answers', path], { stateDir });
    expect(result.exitCode).toBe(2);
    expect(expectOneLineError(result)).toMatch(message);
    expect(existsSync(join(stateDir, 'runs'))).toBe(false);
  });

  it('an answers file without an answer the run needs: the run stops there, saved and resumable', async () => {
    const stateDir = join(root, 'missing-answer');
    const path = writeJson(root, 'no-confirm.json', { answers: { manual: 'done' }, secrets: { 'adds-password:*': { stdin: true }, 'entra-admin': { username: 'admin@x', stdin: true } } });
    const result = await cli(['run', RUNBOOK, '--answers', path], { stateDir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/no answer for 'confirmAbandon'/);
    expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    const checkpoint = readJsonFile(join(runDirs(stateDir)[0]!, 'checkpoint.json'));
    expect(checkpoint).toMatchObject({ status: 'active', state: 'confirmAbandon' });
    const server = readJsonFile(join(runDirs(stateDir)[0]!, 'simulated-server.json'));
    expect(server.effects).toEqual([]);
  });

  it('an answers file with a byte order mark (Notepad) is read; a device or a directory is refused at once', async () => {
    const answers = answersFor(root, oneConnector);
    const bom = join(root, 'bom.json');
    writeFileSync(bom, `\uFEFF${readFileSync(answers.path, 'utf8')}`);
    const ok = await cli(['run', RUNBOOK, '--answers', bom], { stateDir: join(root, 'bom'), env: answers.env });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const zero = join(root, 'zero.json');
    symlinkSync('/dev/zero', zero);
    for (const path of [zero, root]) {
      const result = await cli(['run', RUNBOOK, '--answers', path], { stateDir: join(root, 'special') });
      expect(result.exitCode).toBe(2);
      expect(expectOneLineError(result)).toMatch(/is not a regular file/);
    }
    expect(existsSync(join(root, 'special', 'runs'))).toBe(false);
  });

  it('a connector found at run time with no secret: the step is not attempted nor counted, the run stops saved, and resume with a fixed file goes on', async () => {
    const stateDir = join(root, 'late-secret');
    const three = scenarios().find((s) => s.name === 'three-forests')!;
    const full = answersFor(root, three);
    const partial = writeJson(root, 'partial-secrets.json', {
      ...readJsonFile(full.path),
      secrets: { 'adds-password:contoso.com': { env: 'RB_TEST_ADDS' }, 'entra-admin': { username: 'admin@contoso.onmicrosoft.com', env: 'RB_TEST_ENTRA' } },
    });
    const first = await cli(['run', RUNBOOK, '--target', 'sim:three-forests', '--answers', partial], { stateDir, env: full.env });
    expect(first.exitCode, first.stderr).toBe(2);
    expect(first.stderr).toMatch(/no entry under 'secrets' for 'adds-password:fabrikam\.com'.*was not attempted/);
    expect(first.stderr).toMatch(/was not attempted; run \S+ is saved, continue with: runbook resume/);
    const runDir = runDirs(stateDir)[0]!;
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    expect(journal.filter((r) => r.type === 'step-failed')).toEqual([]);
    expect(journal.filter((r) => r.type === 'step-started' && r.params?.connector === 'fabrikam.com')).toEqual([]);
    const resumed = await cli(['resume', '--answers', full.path], { stateDir, env: full.env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(readJsonFile(join(runDir, 'checkpoint.json'))).toMatchObject({ status: 'done', state: 'done' });
  });

  it('a wrong typed server name changes nothing', async () => {
    const stateDir = join(root, 'wrong-name');
    const answers = answersFor(root, { name: 'wrong-name', server: { name: 'NOT-THE-SERVER' } });
    const result = await cli(['run', RUNBOOK, '--answers', answers.path], { stateDir, env: answers.env });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/does not match; nothing was changed/);
    expect(readJsonFile(join(runDirs(stateDir)[0]!, 'simulated-server.json')).effects).toEqual([]);
  });
});

describe('run state: the journal is the record, the checkpoint a cache of it', () => {
  it.each([
    ['that is corrupt', (text: string) => text.replace(/[{}]/g, '#')],
    ['truncated in the middle', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['cut after its first byte', (text: string) => text.slice(0, 1)],
    ['that is empty', () => ''],
    ['from another schema', (text: string) => text.replace('"schema":1', '"schema":99')],
    ['naming a state the runbook does not have', (text: string) => text.replace(/"value":"[^"]+"/, '"value":"noSuchState"')],
  ])('a checkpoint %s: rebuilt from the journal, with a notice, and the run goes on', async (name, damage) => {
    const run = await interruptedRun(`checkpoint-${name.replace(/\W+/g, '-')}`);
    const path = join(run.runDir, 'checkpoint.json');
    writeFileSync(path, damage(readFileSync(path, 'utf8')));
    const journalBefore = readFileSync(join(run.runDir, 'journal.jsonl'), 'utf8');
    // the listing shows it instead of failing
    const runs = await cli(['runs', '--json'], { stateDir: run.stateDir });
    if (!name.startsWith('naming')) expect(JSON.parse(runs.stdout)[0]).toMatchObject({ runId: run.runId, status: 'unreadable' });
    const result = await cli(['resume', run.runId, '--answers', run.answers.path], { stateDir: run.stateDir, env: run.answers.env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/The checkpoint was rebuilt from the journal \(checkpoint .*(corrupt or truncated|not usable|does not have)/);
    expect(result.stderr).toMatch(/Resuming run .* at "Wait for an idle sync, then stop the service"/);
    // the journal was only appended to, and the run ended where the baseline ends, every effect once
    expect(readFileSync(join(run.runDir, 'journal.jsonl'), 'utf8').startsWith(journalBefore)).toBe(true);
    expect(readJsonFile(path)).toMatchObject({ status: 'done', state: 'done' });
    const ops = readJsonFile(join(run.runDir, 'simulated-server.json')).effects.map((e: { op: string }) => e.op);
    expect(ops).toEqual(['abandon', 'start', 'password:contoso.com', 'restart', 'entra', 'start-final', 'delta-sync']);
    const verified = await cli(['verify', run.runId], { stateDir: run.stateDir });
    expect(verified.exitCode, verified.stderr).toBe(0);
  });

  it('a damaged journal is still refused: one line, exit 5, every file left as it was', async () => {
    const run = await interruptedRun('journal-damaged');
    const journal = join(run.runDir, 'journal.jsonl');
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"type":"', '"type": "');
    writeFileSync(journal, lines.join('\n'));
    writeFileSync(join(run.runDir, 'checkpoint.json'), '');
    const before = snapshotFiles(run.runDir);
    const result = await cli(['resume', run.runId, '--answers', run.answers.path], { stateDir: run.stateDir, env: run.answers.env });
    expect(result.exitCode).toBe(5);
    expect(expectOneLineError(result)).toMatch(/journal of run .* is damaged: record 3 was changed/);
    expect(snapshotFiles(run.runDir)).toEqual(before);
  });

  it('a changed runbook definition is refused', async () => {
    const run = await interruptedRun('changed-definition');
    const path = join(run.runDir, 'checkpoint.json');
    const envelope = readJsonFile(path);
    envelope.machineHash = '0000000000000000';
    writeFileSync(path, JSON.stringify(envelope));
    const before = snapshotFiles(run.runDir);
    const result = await cli(['resume', '--answers', run.answers.path], { stateDir: run.stateDir, env: run.answers.env });
    expect(result.exitCode).toBe(5);
    expect(expectOneLineError(result)).toMatch(/runbook aadconnect-encryption-key changed since run .* started/);
    expect(snapshotFiles(run.runDir)).toEqual(before);
  });

  it('resume with nothing to resume', async () => {
    const result = await cli(['resume'], { stateDir: join(root, 'empty-state'), input: '' });
    expect(result.exitCode).toBe(5);
    expect(expectOneLineError(result)).toMatch(/no unfinished run/);
  });
});

describe('one process per run and per target', () => {
  it('a second process is refused while the first holds the run; a killed holder is taken over', async () => {
    const stateDir = join(root, 'concurrent');
    const answers = answersFor(root, oneConnector);
    const args = ['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answers.path];
    const first = startCli(args, { stateDir, env: { ...answers.env, RUNBOOK_FAULT: 'checkpoint:abandonKey' } });
    let stderr = '';
    await new Promise<void>((resolve) => first.stderr!.on('data', (c: Buffer) => ((stderr += c), stderr.includes('RUNBOOK_FAULT_REACHED') && resolve())));
    const runId = runDirs(stateDir)[0]!.split('/').at(-1)!;
    const before = snapshotFiles(runDirs(stateDir)[0]!);

    const second = await cli(['resume', runId, '--answers', answers.path], { stateDir, env: answers.env });
    expect(second.exitCode).toBe(6);
    expect(expectOneLineError(second)).toMatch(/in use by another runbook process .* \(pid \d+/);
    const sameTarget = await cli(args, { stateDir, env: answers.env });
    expect(sameTarget.exitCode).toBe(6);
    expect(expectOneLineError(sameTarget)).toMatch(/target sim:one-connector is in use/);
    expect(snapshotFiles(runDirs(stateDir)[0]!)).toEqual(before);

    first.kill('SIGKILL');
    await first;
    // the unfinished run blocks a new run on the same target and says how to continue
    const another = await cli(args, { stateDir, env: answers.env });
    expect(another.exitCode).toBe(6);
    expect(expectOneLineError(another)).toMatch(new RegExp(`unfinished run ${runId} .*runbook resume ${runId}`));
    const inDoubt = writeJson(root, 'concurrent-resume.json', {
      ...readJsonFile(answers.path),
      answers: { ...readJsonFile(answers.path).answers, inDoubt: 'rerun' },
    });
    const resumed = await cli(['resume', '--answers', inDoubt], { stateDir, env: answers.env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/In doubt|NOT safe to run twice/);
  });
});

afterAll(() => {
  expect(filesContainingSecrets(root, Object.values(SECRETS)).filter((f) => !f.includes('answers-'))).toEqual([]);
});
