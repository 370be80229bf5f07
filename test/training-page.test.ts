import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import runbook from '../machines/aadconnect-encryption-key.js';
import type { StateMeta } from '../src/runbook/define.js';
import { diagram } from '../src/cli/commands/diagram.js';
import { CLI, cli, readJsonLines, RUNBOOK, runDirs, tempDir, writeJson } from './helpers/cli.js';
import { findExecutable, skipWithoutPart } from './helpers/parts.js';

/**
 * The offline training page in real headless Chromium (Debian's, driven by playwright-core):
 * states selected by mouse and keyboard show the machine's own meta, recorded runs replay with
 * the right states highlighted, and the page asks for nothing over the network.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ? findExecutable(process.env.CHROMIUM_PATH) : findExecutable('chromium', ['/usr/bin/chromium']);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const meta = (key: string) => (runbook.machine.root.states as Record<string, { meta: StateMeta }>)[key]!.meta;
const stateKeys = Object.keys(runbook.machine.root.states);
const text = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

/** The states a run visited, read from its journal here (independently of the page's own replay code). */
function visitedStates(journal: Array<Record<string, any>>): string[] {
  const visited: string[] = [];
  const attempts = new Set<string>();
  for (const r of journal) {
    if (r.type === 'step-started' && !attempts.has(r.attemptId)) {
      attempts.add(r.attemptId);
      visited.push(r.stepId);
    } else if ((r.type === 'decision' || r.type === 'run-finished') && r.state !== visited.at(-1)) {
      visited.push(r.state);
    }
  }
  return visited;
}

interface RecordedRun {
  runId: string;
  journal: Array<Record<string, any>>;
  page: string;
}

/** Runs the built CLI against the simulator, then writes the training page replaying that run. */
async function recordRun(root: string, name: string, scenario: string, answers: Record<string, unknown>, env: Record<string, string>, exitCode: number): Promise<RecordedRun> {
  const stateDir = join(root, name);
  const answersFile = writeJson(root, `answers-${name}.json`, {
    operator: name === 'aborted' ? 'trainer' : 't',
    answers,
    secrets: { 'adds-password:*': { env: 'RB_A' }, 'entra-admin': { username: 'admin@x', env: 'RB_E' } },
  });
  const result = await cli(['run', RUNBOOK, '--target', `sim:${scenario}`, '--answers', answersFile], { stateDir, env });
  expect(result.exitCode, result.stderr).toBe(exitCode);
  const runDir = runDirs(stateDir)[0]!;
  const runId = basename(runDir);
  const page = join(root, `${name}.html`);
  expect(await diagram(RUNBOOK, { format: 'html', run: runId, stateDir, output: page })).toBe(0);
  return { runId, journal: readJsonLines(join(runDir, 'journal.jsonl')), page };
}

describe.skipIf(skipWithoutPart('chromium', CHROMIUM))('training page in headless Chromium', () => {
  const root = tempDir('runbook-training-');
  const userDataDir = mkdtempSync(join(tmpdir(), 'runbook-chromium-'));
  let context: BrowserContext;
  let plainPage: string;
  let success: RecordedRun;
  let aborted: RecordedRun;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`the CLI is not built (${CLI}); run npx tsc -p . first`);
    plainPage = join(root, 'plain.html');
    expect(await diagram(RUNBOOK, { format: 'html', output: plainPage })).toBe(0);
    success = await recordRun(root, 'success', 'one-connector', { confirmAbandon: 'AADC01', manual: 'done' }, { RB_A: 'pw-a', RB_E: 'pw-e' }, 0);
    aborted = await recordRun(
      root,
      'aborted',
      'wrong-password-first-try',
      { confirmAbandon: 'AADC01', manual: 'done', stepFailed: { '*': 'abort' } },
      { RB_A: 'always-wrong', RB_E: 'pw-e' },
      4,
    );
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM ?? '/usr/bin/chromium',
      args: ARGS,
      headless: true,
      viewport: { width: 1280, height: 800 },
    });
  });

  afterAll(async () => {
    await context?.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Opens a page from disk, recording every request and every error it makes. */
  async function open(file: string): Promise<{ page: Page; requests: string[]; failed: string[]; errors: string[] }> {
    const page = await context.newPage();
    const requests: string[] = [];
    const failed: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]');
    return { page, requests, failed, errors };
  }

  const details = async (page: Page) => ({
    title: text(await page.textContent('#details-title')),
    instructions: text(await page.textContent('#details-instructions')),
    commands: await page.$$eval('#details-commands pre', (pres) => pres.map((p) => p.textContent ?? '')),
    warnings: await page.$$eval('#details-warnings li', (lis) => lis.map((l) => l.textContent ?? '')),
  });

  it('is one file that needs no network, with a CSP that forbids it', async () => {
    const html = readFileSync(plainPage, 'utf8');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    expect(html).not.toMatch(/\bsrc="(?!data:)/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/);
    const { page, requests, failed, errors } = await open(plainPage);
    await page.click('#state-abandonKey');
    await page.click('#toggle-large');
    await page.close();
    expect(requests).toEqual([pathToFileURL(plainPage).href]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a click on a state shows its instructions, commands and warnings', async () => {
    const { page } = await open(plainPage);
    await page.click('#state-abandonKey');
    const shown = await details(page);
    const m = meta('abandonKey');
    if (m.kind !== 'step') throw new Error('abandonKey is a step');
    expect(shown.title).toBe(m.title);
    expect(shown.instructions).toBe(text(m.instructions.join(' ')));
    expect(shown.commands).toEqual(m.commands);
    expect(shown.warnings.some((w) => w.startsWith('Destructive'))).toBe(true);
    expect(shown.warnings.some((w) => w.startsWith('Not safe to repeat'))).toBe(true);
    expect(await page.getAttribute('#state-abandonKey', 'class')).toMatch(/\bselected\b/);

    await page.click('#state-connectorPassword');
    expect((await details(page)).warnings.some((w) => w.startsWith('Manual'))).toBe(true);
    await page.close();
  });

  it('every state shows its own meta', async () => {
    const { page } = await open(plainPage);
    for (const key of stateKeys) {
      await page.click(`#state-${key}`);
      const m = meta(key);
      const shown = await details(page);
      expect(shown.title, key).toBe(m.title);
      expect(shown.instructions, key).toBe(text(m.kind === 'final' ? m.summary : m.instructions.join(' ')));
      expect(shown.commands, key).toEqual(m.kind === 'step' ? m.commands : []);
      if (m.kind === 'step') expect(shown.warnings.some((w) => w.startsWith('Destructive')), key).toBe(m.destructive);
    }
    await page.close();
  });

  it('states are reachable with Tab and selected with Enter or Space; arrows move between them', async () => {
    const { page } = await open(plainPage);
    let focused = '';
    for (let i = 0; i < 20 && focused !== 'state-detect'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.id ?? '');
    }
    expect(focused).toBe('state-detect');
    await page.keyboard.press('Enter');
    expect((await details(page)).title).toBe(meta('detect').title);

    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`state-${stateKeys[1]}`);
    await page.keyboard.press(' ');
    expect((await details(page)).title).toBe(meta(stateKeys[1]!).title);
    const choices = await page.$$eval('#details-choices li', (lis) => lis.map((l) => l.textContent));
    const m = meta(stateKeys[1]!);
    expect(choices).toEqual(m.kind === 'decision' && m.prompt.type === 'choice' ? m.prompt.choices.map((c) => c.label) : []);

    await page.focus('#state-confirmAbandon');
    await page.keyboard.press('Enter');
    expect((await details(page)).title).toBe(meta('confirmAbandon').title);
    await page.close();
  });

  /** Steps forward through the replay and checks the highlighted states and edges at each position. */
  async function checkReplay(run: RecordedRun) {
    const expected = visitedStates(run.journal);
    const { page, requests, failed, errors } = await open(run.page);
    for (let i = 0; i < expected.length; i++) {
      if (i > 0) await page.click('#replay-forward');
      expect(text(await page.textContent('#replay-position'))).toBe(`${i + 1} / ${expected.length}`);
      const current = await page.$$eval('g.node.current', (gs) => gs.map((g) => g.id));
      expect(current, `position ${i}`).toEqual([`state-${expected[i]}`]);
      const visited = await page.$$eval('g.node.state.visited', (gs) => gs.map((g) => g.id.replace(/^state-/, '')));
      expect(new Set(visited)).toEqual(new Set(expected.slice(0, i + 1)));
      const lastEdges = await page.$$eval('g.edge.last-taken', (gs) => gs.map((g) => g.querySelector('title')?.textContent ?? ''));
      expect(lastEdges.length, `edges into position ${i}`).toBeGreaterThan(0);
      for (const title of lastEdges) expect(title).toBe(`${i === 0 ? '__start__' : expected[i - 1]}->${expected[i]}`);
      expect((await details(page)).title).toBe(meta(expected[i]!).title);
    }
    expect(await page.isDisabled('#replay-forward')).toBe(true);
    await page.click('#replay-back');
    expect(await page.$$eval('g.node.current', (gs) => gs.map((g) => g.id))).toEqual([`state-${expected.at(-2)}`]);
    expect(requests).toEqual([pathToFileURL(run.page).href]);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    return { page, expected };
  }

  it('replays a successful run: each visited state highlighted in turn, with times and outcomes', async () => {
    const { page, expected } = await checkReplay(success);
    expect(expected[0]).toBe('detect');
    expect(expected).toContain('confirmAbandon');
    expect(expected.at(-1)).toBe('done');
    // the operator's decision and its time are shown on the prompt's visit
    await page.click(`#replay-timeline li:nth-child(${expected.indexOf('confirmAbandon') + 1}) button`);
    const decision = success.journal.find((r) => r.type === 'decision')!;
    expect(text(await page.textContent('#details-run'))).toContain(`confirmAbandon: ${decision.answer} (by t)`);
    expect(text(await page.textContent('#details-run'))).toContain(decision.at.slice(11, 23));
    // the destructive step's evidence is shown on its visit
    await page.click(`#replay-timeline li:nth-child(${expected.indexOf('abandonKey') + 1}) button`);
    const finished = success.journal.find((r) => r.type === 'step-finished' && r.stepId === 'abandonKey')!;
    expect(text(await page.textContent('#details-run'))).toContain(finished.evidence[0]);
    expect(await page.$$eval('g.node.current', (gs) => gs.map((g) => g.id))).toEqual(['state-abandonKey']);
    // play moves on by itself, pause stops it
    await page.click('#replay-timeline li:nth-child(1) button');
    await page.click('#replay-play');
    await page.waitForFunction(() => Number(document.body.dataset.replayIndex) >= 2, undefined, { timeout: 10_000 });
    await page.click('#replay-play');
    const stoppedAt = await page.evaluate(() => document.body.dataset.replayIndex);
    await page.waitForTimeout(1_800);
    expect(await page.evaluate(() => document.body.dataset.replayIndex)).toBe(stoppedAt);
    await page.close();
  });

  it('replays an aborted run through the verify loop, the failure decision and the abort', async () => {
    const { page, expected } = await checkReplay(aborted);
    expect(expected.filter((s) => s === 'verify').length).toBeGreaterThan(1);
    expect(expected.slice(-3)).toEqual(['verify', 'verifyFailed', 'aborted']);
    // verify finished (it did not fail): the edge taken to the decision is the "done [otherwise]" one
    await page.click(`#replay-timeline li:nth-child(${expected.length - 1}) button`);
    const edge = await page.$$eval('g.edge.last-taken', (gs) => gs.map((g) => `${g.getAttribute('class')} ${g.querySelector('text')?.textContent}`));
    expect(edge).toHaveLength(1);
    expect(edge[0]).toMatch(/edge-done/);
    await page.click('#replay-forward');
    expect(text(await page.textContent('#replay-now'))).toContain('run ended: aborted');
    await page.click(`#replay-timeline li:nth-child(${expected.length - 1}) button`);
    expect(text(await page.textContent('#details-run'))).toContain('stepFailed: abort (by trainer)');
    await page.close();
  });

  it('reads on a laptop and on a projector: large text, and a stacked layout on narrow screens', async () => {
    const { page } = await open(success.page);
    const size = () => page.$eval('#details-title', (e) => parseFloat(getComputedStyle(e).fontSize));
    const before = await size();
    await page.click('#toggle-large');
    expect(await size()).toBeGreaterThan(before * 1.2);
    expect(await page.getAttribute('#toggle-large', 'aria-pressed')).toBe('true');
    const side = async () => {
      const d = (await page.locator('#diagram').boundingBox())!;
      const p = (await page.locator('#details').boundingBox())!;
      return { beside: p.x >= d.x + d.width - 1, below: p.y >= d.y + d.height - 1 };
    };
    expect((await side()).beside).toBe(true);
    await page.setViewportSize({ width: 760, height: 900 });
    expect((await side()).below).toBe(true);
    await page.close();
  });

  it('embeds only the journal fields it needs', () => {
    const html = readFileSync(success.page, 'utf8');
    const data = JSON.parse(html.match(/<script type="application\/json" id="runbook-data">([\s\S]*?)<\/script>/)![1]!);
    const fields = new Set<string>();
    for (const frame of data.run.frames) for (const record of frame.records) for (const key of Object.keys(record)) fields.add(key);
    for (const key of fields) expect(['type', 'at', 'stepId', 'title', 'state', 'answer', 'question', 'by', 'error', 'evidence', 'outcome']).toContain(key);
    expect(html).not.toContain('pw-a');
    expect(html).not.toContain('attemptId');
    expect(html).not.toContain('machineHash');
  });
});
