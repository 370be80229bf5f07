import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * The audit trail: a hash-chained journal that `runbook verify` checks (every kind of change
 * named by its record number), a crash tail told apart from tampering, the change report, and
 * rerun from a chosen step. Everything through the built CLI on the simulator.
 */
const root = tempDir();
const oneConnector = scenarios().find((s) => s.name === 'one-connector')!;
const rerunAnswers = { confirmRerun: 'AADC01', rerunReason: 'check the sync again after the change window' };
const answers = answersFor(root, oneConnector, rerunAnswers);
const args = ['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answers.path];
const env = answers.env;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/** A journal line as the engine writes it: its own sum last. */
const seal = (record: Record<string, unknown>) => {
  const core = JSON.stringify(record);
  return `${core.slice(0, -1)},"sum":"${sha(core)}"}`;
};
const unsealed = (line: string) => {
  const { sum: _sum, ...record } = JSON.parse(line) as Record<string, unknown>;
  return record;
};
const journalLines = (runDir: string) => readFileSync(join(runDir, 'journal.jsonl'), 'utf8').split('\n').slice(0, -1);
const writeLines = (runDir: string, lines: string[]) => writeFileSync(join(runDir, 'journal.jsonl'), `${lines.join('\n')}\n`);
const runIdOf = (runDir: string) => runDir.split('/').at(-1)!;

function snapshotFiles(runDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['checkpoint.json', 'journal.jsonl', 'simulated-server.json']) out[name] = readFileSync(join(runDir, name), 'utf8');
  return out;
}

// one finished run; each tampering works on a copy of it
const baseState = join(root, 'base');
const baseRun = await cli(args, { stateDir: baseState, env });
if (baseRun.exitCode !== 0) throw new Error(baseRun.stderr);
const baseId = runIdOf(runDirs(baseState)[0]!);
const baseHead = (await cli(['verify', baseId], { stateDir: baseState })).stdout.trim();

function copyOfBase(name: string) {
  const stateDir = join(root, name);
  cpSync(baseState, stateDir, { recursive: true });
  const runDir = runDirs(stateDir)[0]!;
  return { stateDir, runDir, lines: journalLines(runDir) };
}

describe('runbook verify', () => {
  it('an intact run: exit 0 and the head on stdout, the hash of the last line; --head accepts it', async () => {
    const lines = journalLines(runDirs(baseState)[0]!);
    expect(baseHead).toBe(sha(lines.at(-1)!));
    expect(lines.map((l) => JSON.parse(l).n)).toEqual(lines.map((_, i) => i + 1));
    const withHead = await cli(['verify', baseId, '--head', baseHead], { stateDir: baseState });
    expect(withHead.exitCode, withHead.stderr).toBe(0);
    expect(withHead.stdout.trim()).toBe(baseHead);
  });

  it.each([
    ['one byte changed in a middle record', (l: string[]) => (l[4] = l[4]!.replace(/"at":"(\d)/, (m, d) => m.slice(0, -1) + String((Number(d) + 1) % 10))), /record 5 was changed/],
    ['a record removed', (l: string[]) => l.splice(4, 1), /record 5 was removed/],
    ['two records swapped', (l: string[]) => ([l[4], l[5]] = [l[5]!, l[4]!]), /record 5 is out of order/],
    [
      'a record inserted',
      (l: string[]) =>
        l.splice(4, 0, seal({ n: 5, prev: sha(l[3]!), at: new Date().toISOString(), type: 'decision', question: 'confirmAbandon', state: 'confirmAbandon', answer: 'confirmed: AADC01', by: 'mallory' })),
      /record 5 was inserted/,
    ],
  ])('%s: exit 5, one line naming the record', async (name, damage, message) => {
    const run = copyOfBase(`tamper-${name.replace(/\W+/g, '-')}`);
    damage(run.lines);
    writeLines(run.runDir, run.lines);
    const result = await cli(['verify', baseId], { stateDir: run.stateDir });
    expect(result.exitCode).toBe(5);
    expect(expectOneLineError(result)).toMatch(message);
    // status and resume refuse it too, pointing to verify
    const status = await cli(['status', baseId], { stateDir: run.stateDir });
    expect(status.exitCode).toBe(5);
    expect(expectOneLineError(status)).toMatch(new RegExp(`journal of run ${baseId} is damaged: .*${message.source}.*runbook verify ${baseId}`));
  });

  it('the whole file rewritten consistently: the chain holds, only --head catches it, naming the last record', async () => {
    const run = copyOfBase('tamper-rewritten');
    const records = run.lines.map(unsealed);
    records[4]!.by = 'mallory';
    const rewritten: string[] = [];
    for (const record of records) rewritten.push(seal({ ...record, prev: rewritten.length ? sha(rewritten.at(-1)!) : '0'.repeat(64) }));
    writeLines(run.runDir, rewritten);
    const plain = await cli(['verify', baseId], { stateDir: run.stateDir });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout.trim()).not.toBe(baseHead);
    const result = await cli(['verify', baseId, '--head', baseHead], { stateDir: run.stateDir });
    expect(result.exitCode).toBe(5);
    expect(expectOneLineError(result)).toMatch(new RegExp(`record ${records.length} \\(the last\\) is not head ${baseHead}.*rewritten`));
  });

  it('a checkpoint that disagrees with the journal is reported', async () => {
    const run = copyOfBase('checkpoint-disagrees');
    const envelope = readJsonFile(join(run.runDir, 'checkpoint.json'));
    Object.assign(envelope, { status: 'active', state: 'verify', outcome: null });
    writeFileSync(join(run.runDir, 'checkpoint.json'), JSON.stringify(envelope));
    const result = await cli(['verify', baseId], { stateDir: run.stateDir });
    expect(result.exitCode).toBe(5);
    expect(expectOneLineError(result)).toMatch(/checkpoint disagrees with the journal: .*unfinished at verify, the journal says it finished at done/);
  });
});

describe('crashes are not tampering', () => {
  it('a torn last line from a SIGKILL mid-append: verify says so (exit 0), resume cuts it and records the repair', async () => {
    const stateDir = join(root, 'torn');
    const killed = await killAt(args, 'journal-torn:step-finished', { stateDir, env });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const id = runIdOf(runDir);
    expect(readFileSync(join(runDir, 'journal.jsonl'), 'utf8').endsWith('\n')).toBe(false);
    const verified = await cli(['verify', id], { stateDir });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect(verified.stderr).toMatch(/last line is torn .*a crash, not a change; resume repairs it/);

    const resumed = await cli(['resume', id, '--answers', answers.path], { stateDir, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    const repaired = journal.find((r) => r.type === 'journal-repaired');
    expect(repaired).toMatchObject({ reason: expect.stringMatching(/torn by a crash/), droppedBytes: expect.any(Number) });
    expect(journal.indexOf(repaired!)).toBe(journal.findIndex((r) => r.type === 'run-resumed') - 1);
    const after = await cli(['verify', id], { stateDir });
    expect(after.exitCode, after.stderr).toBe(0);
    expect(after.stderr).not.toMatch(/torn/);
  });

  it.each([
    ['its attempt id', (line: string) => line.replace(/"attemptId":"abandonKey#(\d+)/, (m, d) => m.slice(0, -1) + String((Number(d.at(-1)) + 1) % 10))],
    ['its JSON', (line: string) => line.replace('{', '[')],
  ])('one byte changed in %s of the in-flight "abandon key started" record: resume refuses (exit 5), nothing runs again', async (name, damage) => {
    const stateDir = join(root, `flip-${name.replace(/\W+/g, '-')}`);
    const killed = await killAt(args, 'applied:abandonKey', { stateDir, env });
    expect(killed.reached, killed.stderr).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const lines = journalLines(runDir);
    const index = lines.findIndex((l) => l.includes('"type":"step-started"') && l.includes('"stepId":"abandonKey"'));
    const changed = damage(lines[index]!);
    expect(Buffer.from(changed).length).toBe(Buffer.from(lines[index]!).length);
    lines[index] = changed;
    writeLines(runDir, lines);
    const before = snapshotFiles(runDir);
    const inDoubt = writeJson(root, `answers-flip-${name.replace(/\W+/g, '-')}.json`, { ...readJsonFile(answers.path), answers: { ...readJsonFile(answers.path).answers, inDoubt: 'rerun' } });
    const resumed = await cli(['resume', '--answers', inDoubt], { stateDir, env });
    expect(resumed.exitCode).toBe(5);
    expect(expectOneLineError(resumed)).toMatch(new RegExp(`record ${index + 1} was changed.*runbook verify ${runIdOf(runDir)}`));
    expect(snapshotFiles(runDir)).toEqual(before);
    expect(readJsonFile(join(runDir, 'simulated-server.json')).effects.filter((e: { op: string }) => e.op === 'abandon')).toHaveLength(1);
  });
});

describe('runbook report', () => {
  it('a drill run with failures, a skip with its reason, an interruption and a resume', async () => {
    const badNight = scenarios().find((s) => s.name === 'bad-night')!;
    const drill = answersFor(root, badNight, { stepFailed: { preChecks: 'skip', '*': 'retry' }, skipReason: 'pre-checks read by hand on the console' });
    const stateDir = join(root, 'report');
    const drillArgs = ['run', RUNBOOK, '--target', 'sim:bad-night', '--answers', drill.path];
    // SIGTERM while startNewKey runs: the run records the interruption and stops (130)
    const child = startCli(drillArgs, { stateDir, env: { ...drill.env, RUNBOOK_FAULT: 'step-started:startNewKey' } });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('RUNBOOK_FAULT_REACHED step-started:startNewKey')) child.kill('SIGTERM');
    });
    expect((await child).exitCode, stderr).toBe(130);
    const runDir = runDirs(stateDir)[0]!;
    const id = runIdOf(runDir);
    const resumed = await cli(['resume', id, '--answers', drill.path], { stateDir, env: drill.env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);

    const head = (await cli(['verify', id], { stateDir })).stdout.trim();
    const json = await cli(['report', id, '--format', 'json'], { stateDir });
    expect(json.exitCode, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({
      schema: 1,
      run: { id, target: 'sim:bad-night', status: 'done', outcome: 'success' },
      runbook: { id: RUNBOOK, title: expect.stringMatching(/encryption key/), definition: expect.stringMatching(/^[0-9a-f]{16}$/) },
      operators: ['test-operator'],
      journal: { head, verify: `runbook verify ${id} --head ${head}` },
    });
    expect(report.run.endedAt > report.run.startedAt).toBe(true);
    const failed = report.steps.filter((s: { result: string }) => s.result === 'failed');
    expect(failed.map((s: { stepId: string }) => s.stepId)).toEqual(expect.arrayContaining(['detect', 'abandonKey', 'verify']));
    expect(failed[0]).toMatchObject({ error: { message: expect.any(String) }, endedAt: expect.any(String), runner: 'simulator' });
    expect(report.steps.find((s: { stepId: string; result: string }) => s.stepId === 'connectorPassword' && s.result === 'done')).toMatchObject({
      title: 'Enter the AD DS connector password for contoso.com',
      evidence: [expect.stringMatching(/password entered for contoso.com/)],
    });
    expect(report.decisions).toContainEqual(
      expect.objectContaining({ question: 'stepFailed', about: 'Pre-checks before the destructive step: failed', answer: 'skip', reason: 'pre-checks read by hand on the console', by: 'test-operator', via: expect.stringMatching(/answers file .*answers-bad-night.json/) }),
    );
    expect(report.skipped).toEqual([expect.objectContaining({ stepId: 'preChecks', title: 'Pre-checks before the destructive step', reason: 'pre-checks read by hand on the console' })]);
    const kinds = report.events.map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(['interrupted', 'resumed', 'in-doubt']);
    expect(report.events[0].detail).toMatch(/SIGTERM/);
    expect(report.events[2]).toMatchObject({ stateTitle: 'Start the service (a new key is created)', detail: expect.stringMatching(/rerun \(idempotent step\)/) });

    const md = await cli(['report', id], { stateDir });
    expect(md.exitCode).toBe(0);
    for (const text of ['# Change report: ', '| Outcome | success', 'FAILED', 'Enter the AD DS connector password for contoso.com', 'pre-checks read by hand on the console', '**interrupted**', '**resumed** by test-operator', '**in-doubt**', `runbook verify ${id} --head ${head}`]) {
      expect(md.stdout).toContain(text);
    }
    const htmlPath = join(root, 'report.html');
    const html = await cli(['report', id, '--format', 'html', '-o', htmlPath], { stateDir });
    expect(html.exitCode, html.stderr).toBe(0);
    const page = readFileSync(htmlPath, 'utf8');
    expect(page).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(page).toContain('@media print');
    expect(page).not.toMatch(/<script|<link|https?:\/\//);
    expect(page).toContain(`runbook verify ${id} --head ${head}`);
    expect((await cli(['verify', id, '--head', head], { stateDir })).exitCode).toBe(0);
  });

  it('refuses a damaged journal and an unknown format', async () => {
    const run = copyOfBase('report-damaged');
    run.lines.splice(2, 1);
    writeLines(run.runDir, run.lines);
    const damaged = await cli(['report', baseId], { stateDir: run.stateDir });
    expect(damaged.exitCode).toBe(5);
    expect(expectOneLineError(damaged)).toMatch(/record 3 was removed/);
    const format = await cli(['report', baseId, '--format', 'pdf'], { stateDir: baseState });
    expect(format.exitCode).toBe(2);
    expect(expectOneLineError(format)).toMatch(/unknown report format 'pdf'; known: md, html, json/);
  });
});

describe('runbook rerun', () => {
  it('from verify after the run ended: who, why and from where are journaled; verify still passes', async () => {
    const run = copyOfBase('rerun-verify');
    const result = await cli(['rerun', baseId, '--from', 'verify', '--answers', answers.path], { stateDir: run.stateDir, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const journal = readJsonLines(join(run.runDir, 'journal.jsonl'));
    const rerun = journal.filter((r) => r.type === 'run-rerun');
    expect(rerun).toEqual([
      expect.objectContaining({ by: 'test-operator', reason: rerunAnswers.rerunReason, confirmed: 'AADC01', from: 'verify', fromTitle: 'Verify with a delta sync', state: 'done', status: 'done', via: expect.stringMatching(/^host .*, answers file /) }),
    ]);
    const after = journal.slice(journal.indexOf(rerun[0]!));
    expect(after.filter((r) => r.type === 'step-started').map((r) => r.stepId)).toEqual(['verify']);
    expect(after.at(-1)).toMatchObject({ type: 'run-finished', state: 'done', outcome: 'success' });
    expect(readJsonFile(join(run.runDir, 'checkpoint.json'))).toMatchObject({ status: 'done', state: 'done' });
    const verified = await cli(['verify', baseId], { stateDir: run.stateDir });
    expect(verified.exitCode, verified.stderr).toBe(0);
    // the head of the report made before the rerun still holds: records were only appended
    const old = await cli(['verify', baseId, '--head', baseHead], { stateDir: run.stateDir });
    expect(old.exitCode, old.stderr).toBe(0);
    expect(old.stderr).toMatch(/appended after it/);
    const report = JSON.parse((await cli(['report', baseId, '--format', 'json'], { stateDir: run.stateDir })).stdout);
    expect(report.events).toEqual([expect.objectContaining({ kind: 'rerun', by: 'test-operator', detail: expect.stringContaining(rerunAnswers.rerunReason) })]);
  });

  it('from the destructive step abandonKey, unattended: its typed confirmation is asked again, it runs once', async () => {
    const stateDir = join(root, 'rerun-abandon');
    const killed = await killAt(args, 'checkpoint:abandonKey', { stateDir, env });
    expect(killed.reached).toBe(true);
    const runDir = runDirs(stateDir)[0]!;
    const id = runIdOf(runDir);
    // without the confirmation in the answers file it is refused before anything is written
    const noConfirm = writeJson(root, 'answers-rerun-no-confirm.json', { ...readJsonFile(answers.path), answers: { ...rerunAnswers, manual: 'done' } });
    const before = snapshotFiles(runDir);
    const refused = await cli(['rerun', id, '--from', 'abandonKey', '--answers', noConfirm], { stateDir, env });
    expect(refused.exitCode).toBe(2);
    expect(expectOneLineError(refused)).toMatch(/no answer for 'confirmAbandon'/);
    expect(snapshotFiles(runDir)).toEqual(before);

    const result = await cli(['rerun', id, '--from', 'abandonKey', '--answers', answers.path], { stateDir, env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/destructive, it cannot be undone/);
    const journal = readJsonLines(join(runDir, 'journal.jsonl'));
    const at = journal.findIndex((r) => r.type === 'run-rerun');
    expect(journal[at]).toMatchObject({ from: 'abandonKey', status: 'active', state: 'abandonKey' });
    expect(journal[at + 1]).toMatchObject({ type: 'decision', question: 'confirmAbandon', state: 'abandonKey', answer: 'confirmed: AADC01', by: 'test-operator' });
    expect(journal[at + 2]).toMatchObject({ type: 'step-started', stepId: 'abandonKey' });
    const server = readJsonFile(join(runDir, 'simulated-server.json'));
    expect(server.effects.map((e: { op: string }) => e.op)).toEqual(['abandon', 'start', 'password:contoso.com', 'restart', 'entra', 'start-final', 'delta-sync']);
    expect((await cli(['verify', id], { stateDir })).exitCode).toBe(0);
  });

  it('refused with one line: unknown step (2, listing the steps), run in use (6), changed definition (5)', async () => {
    const run = copyOfBase('rerun-refused');
    const unknown = await cli(['rerun', baseId, '--from', 'nope', '--answers', answers.path], { stateDir: run.stateDir, env });
    expect(unknown.exitCode).toBe(2);
    expect(expectOneLineError(unknown)).toMatch(/no step 'nope' in aadconnect-encryption-key; rerun from one of: detect \(Detect what is wrong\), .*abandonKey \(Abandon the encryption key\), .*verify \(Verify with a delta sync\)/);

    const path = join(run.runDir, 'checkpoint.json');
    const envelope = readJsonFile(path);
    writeFileSync(path, JSON.stringify({ ...envelope, machineHash: '0000000000000000' }));
    const changed = await cli(['rerun', baseId, '--from', 'verify', '--answers', answers.path], { stateDir: run.stateDir, env });
    expect(changed.exitCode).toBe(5);
    expect(expectOneLineError(changed)).toMatch(/runbook aadconnect-encryption-key changed since run .* started/);

    const stateDir = join(root, 'rerun-busy');
    const first = startCli(args, { stateDir, env: { ...env, RUNBOOK_FAULT: 'checkpoint:abandonKey' } });
    let stderr = '';
    await new Promise<void>((resolve) => first.stderr!.on('data', (c: Buffer) => ((stderr += c), stderr.includes('RUNBOOK_FAULT_REACHED') && resolve())));
    const runDir = runDirs(stateDir)[0]!;
    const before = snapshotFiles(runDir);
    const busy = await cli(['rerun', runIdOf(runDir), '--from', 'verify', '--answers', answers.path], { stateDir, env });
    first.kill('SIGKILL');
    await first;
    expect(busy.exitCode).toBe(6);
    expect(expectOneLineError(busy)).toMatch(/in use by another runbook process/);
    expect(snapshotFiles(runDir)).toEqual(before);
  });
});

afterAll(() => {
  expect(filesContainingSecrets(root, Object.values(SECRETS)).filter((f) => !f.includes('answers-'))).toEqual([]);
});
