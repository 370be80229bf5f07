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
import { runbookGraph } from '../src/diagram/graph.js';
import { fillText, foldGraph, genericPlaceholders } from '../src/diagram/fold.js';
import { mkdirSync } from 'node:fs';
import { execa } from 'execa';
import { startCli, ROOT } from './helpers/cli.js';

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
const graph = runbookGraph(runbook);
const folded = foldGraph(graph);
const generic = genericPlaceholders(graph);
/** A text as the page shows it without a run: placeholders in their generic form. */
const plain = (s: string) => fillText(s, {}, generic);
const PLACEHOLDER = /\{[A-Za-z0-9_.]+\}/;
/** Internal ids that are not plain words (detectFailed, confirmAbandon): never in the visible text. */
const internalIds = stateKeys.filter((k) => /[A-Z]/.test(k));
const OUT = join(ROOT, 'test-output');
mkdirSync(OUT, { recursive: true });

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
      await page.keyboard.press('Escape');
      await page.click(`#state-${key}`);
      const m = meta(key);
      const shown = await details(page);
      expect(shown.title, key).toBe(plain(m.title));
      expect(shown.instructions, key).toBe(text(plain(m.kind === 'final' ? m.summary : m.instructions.join(' '))));
      expect(shown.commands, key).toEqual(m.kind === 'step' ? m.commands.map(plain) : []);
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
    expect((await details(page)).title).toBe('Confirm: abandon the encryption key on the server');
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
      const lastEdges = await page.$$eval('g.edge.last-taken', (gs) => gs.map((g) => g.id));
      const from = i === 0 ? '__start__' : expected[i - 1]!;
      if (folded.foldedInto.has(from) || folded.abortEnds.has(expected[i]!)) {
        // a retry, skip or abort chosen on a folded failure: no arrow of its own
        expect(lastEdges, `edges into position ${i}`).toEqual([]);
      } else {
        expect(lastEdges.length, `edges into position ${i}`).toBeGreaterThan(0);
        for (const id of lastEdges) {
          if (i === 0) expect(id).toBe('edge-start');
          else if (folded.foldedInto.get(expected[i]!) === from) expect(id).toBe(`fold-edge-${from}`);
          else expect(graph.edges.find((e) => e.id === id), id).toMatchObject({ from, to: expected[i] });
        }
      }
      // the title as this visit had it: a step's as the run filled it, never a raw placeholder
      const shownTitle = (await details(page)).title;
      expect(shownTitle).not.toMatch(PLACEHOLDER);
      if (meta(expected[i]!).kind === 'step') {
        const visit = run.journal.filter((r) => r.type === 'step-started' && r.stepId === expected[i]);
        expect(visit.map((r) => r.title)).toContain(shownTitle);
      }
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
    expect(text(await page.textContent('#details-run'))).toContain(`Confirm: abandon the encryption key on AADC01: ${decision.answer} (by t)`);
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
    const edge = await page.$$eval('g.edge.last-taken', (gs) => gs.map((g) => g.id));
    expect(edge).toEqual(['fold-edge-verify']);
    // the replay at a failure decision opens its fold
    expect(await page.getAttribute('#state-verifyFailed', 'aria-expanded')).toBe('true');
    expect(await page.isVisible('#fold-card')).toBe(true);
    await page.click('#replay-forward');
    expect(text(await page.textContent('#replay-now'))).toContain('run ended: aborted');
    await page.click(`#replay-timeline li:nth-child(${expected.length - 1}) button`);
    expect(text(await page.textContent('#details-run'))).toContain('Verify with a delta sync: failed: abort (by trainer)');
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

  it('fits 1280x800: after Fit every node and edge is in view, spine labels at least 10 px', async () => {
    for (const [name, file] of [['plain', plainPage], ['replay', success.page]] as const) {
      const { page, errors } = await open(file);
      await page.click('#zoom-fit');
      const pane = (await page.locator('#diagram').boundingBox())!;
      for (const key of folded.spine) {
        const box = (await page.locator(`#state-${key}`).boundingBox())!;
        expect(box.x, key).toBeGreaterThanOrEqual(0);
        expect(box.y, key).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, key).toBeLessThanOrEqual(1280);
        expect(box.y + box.height, key).toBeLessThanOrEqual(800);
        // the rendered height of a label line is about 1.16 times its font size (ascent + descent)
        const height = await page.$eval(`#state-${key} text`, (t) => t.getBoundingClientRect().height);
        expect(height / 1.16, `${key} label px`).toBeGreaterThanOrEqual(10);
      }
      const outside = await page.$$eval(
        'g.node, g.edge',
        (gs, p) =>
          gs
            .filter((g) => {
              const b = g.getBoundingClientRect();
              return b.left < p.x - 1 || b.top < p.y - 1 || b.right > p.x + p.width + 1 || b.bottom > p.y + p.height + 1;
            })
            .map((g) => g.id),
        pane,
      );
      expect(outside, name).toEqual([]);
      await page.screenshot({ path: join(OUT, `training-page-fit-${name}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it('shows no raw placeholder and no internal id in its visible text', async () => {
    for (const file of [plainPage, success.page, aborted.page]) {
      const { page } = await open(file);
      const check = async (where: string) => {
        const visible = await page.evaluate(() => document.body.innerText);
        expect(visible, where).not.toMatch(PLACEHOLDER);
        for (const id of internalIds) expect(visible, `${where}: ${id}`).not.toMatch(new RegExp(`\\b${id}\\b`));
      };
      await check(`${basename(file)} on load`);
      for (const key of stateKeys) {
        await page.keyboard.press('Escape');
        await page.click(`#state-${key}`);
        await check(`${basename(file)} at ${key}`);
      }
      if (file === success.page) {
        // a run fills the placeholders with its own values
        await page.keyboard.press('Escape');
        await page.click('#state-confirmAbandon');
        expect((await details(page)).title).toBe('Confirm: abandon the encryption key on AADC01');
      }
      await page.close();
    }
  });

  it('a failure is folded beside its step and expands on click; the abort end has no edge into it', async () => {
    const { page } = await open(plainPage);
    expect(await page.$$eval('g.edge', (gs) => gs.filter((g) => /->\s*Aborted$/.test(g.querySelector('title')?.textContent ?? '')).length)).toBe(0);
    expect(await page.getAttribute('#state-verifyFailed', 'aria-expanded')).toBe('false');
    expect(text(await page.textContent('#state-verifyFailed'))).toContain('retry ≤3 / abort');
    await page.click('#state-verifyFailed');
    expect(await page.getAttribute('#state-verifyFailed', 'aria-expanded')).toBe('true');
    expect(await page.isVisible('#fold-card')).toBe(true);
    const choices = await page.$$eval('#fold-card li', (lis) => lis.map((l) => l.textContent ?? ''));
    expect(choices).toEqual(['Retry (at most 3 attempts) → run it again', 'Abort the run → Aborted']);
    const step = (await page.locator('#state-verify').boundingBox())!;
    const fold = (await page.locator('#state-verifyFailed').boundingBox())!;
    expect(Math.abs(fold.y + fold.height / 2 - (step.y + step.height / 2))).toBeLessThan(6);
    expect(fold.x).toBeGreaterThan(step.x + step.width - 1);
    await page.screenshot({ path: join(OUT, 'training-page-fold-open.png') });
    await page.click('#state-verifyFailed');
    expect(await page.getAttribute('#state-verifyFailed', 'aria-expanded')).toBe('false');
    expect(await page.isVisible('#fold-card')).toBe(false);
    await page.close();
  });

  it('a click on a state, then Forward, goes to the visit after that state', async () => {
    const expected = visitedStates(success.journal);
    const { page } = await open(success.page);
    expect(await page.evaluate(() => document.body.dataset.replayIndex)).toBe('0');
    const at = expected.indexOf('abandonKey');
    await page.click('#state-abandonKey');
    await page.click('#replay-forward');
    expect(await page.$$eval('g.node.current', (gs) => gs.map((g) => g.id))).toEqual([`state-${expected[at + 1]}`]);
    await page.click('#state-restartService');
    await page.click('#replay-back');
    expect(await page.$$eval('g.node.current', (gs) => gs.map((g) => g.id))).toEqual([`state-${expected[expected.indexOf('restartService') - 1]}`]);
    await page.close();
  });

  it('marks interruptions, resumes and decisions on the timeline, with who and when', async () => {
    const stateDir = join(root, 'interrupted');
    const answersFile = writeJson(root, 'answers-interrupted.json', {
      operator: 'trainee',
      answers: { confirmAbandon: 'AADC01', manual: 'done' },
      secrets: { 'adds-password:*': { env: 'RB_A' }, 'entra-admin': { username: 'admin@x', env: 'RB_E' } },
    });
    const env = { RB_A: 'pw-a', RB_E: 'pw-e' };
    const child = startCli(['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answersFile], { stateDir, env: { ...env, RUNBOOK_FAULT: 'step-started:restartService' } });
    await new Promise<void>((resolve) => {
      let err = '';
      child.stderr!.on('data', (c: Buffer) => ((err += c), err.includes('RUNBOOK_FAULT_REACHED') && resolve()));
    });
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(130);
    const resumeAnswers = writeJson(root, 'answers-resume.json', { ...JSON.parse(readFileSync(answersFile, 'utf8')), operator: 'trainer' });
    const resumed = await cli(['resume', '--answers', resumeAnswers], { stateDir, env });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const runId = basename(runDirs(stateDir)[0]!);
    const journal = readJsonLines(join(runDirs(stateDir)[0]!, 'journal.jsonl'));
    const interrupted = journal.find((r) => r.type === 'run-interrupted')!;
    const resume = journal.find((r) => r.type === 'run-resumed')!;
    expect(resume.by).toBe('trainer');
    const file = join(root, 'interrupted.html');
    expect(await diagram(RUNBOOK, { run: runId, stateDir, output: file })).toBe(0);
    const { page, errors } = await open(file);
    const marks = await page.$$eval('#replay-timeline .mark', (ms) => ms.map((m) => ({ cls: m.className, text: m.textContent ?? '' })));
    const hms = (at: string) => at.slice(11, 19);
    expect(marks.find((m) => m.cls.includes('mark-interrupted'))?.text).toContain(`interrupted ${hms(interrupted.at)}`);
    expect(marks.find((m) => m.cls.includes('mark-resumed'))?.text).toContain(`resumed by trainer ${hms(resume.at)}`);
    const decision = journal.find((r) => r.type === 'decision')!;
    expect(marks.find((m) => m.cls.includes('mark-decision'))?.text).toContain(`decided ${decision.answer} by trainee ${hms(decision.at)}`);
    expect(await page.isVisible('#replay-timeline .mark-resumed')).toBe(true);
    await page.screenshot({ path: join(OUT, 'training-page-interrupted.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runbook watch serves the page live under a token, follows the run, refuses other requests, stops on SIGINT', async () => {
    const stateDir = join(root, 'watched');
    const answersFile = writeJson(root, 'answers-watched.json', {
      operator: 'trainee',
      answers: { confirmAbandon: 'AADC01', manual: 'done' },
      secrets: { 'adds-password:*': { env: 'RB_A' }, 'entra-admin': { username: 'admin@x', env: 'RB_E' } },
    });
    const env = { RB_A: 'pw-a', RB_E: 'pw-e' };
    // a run held at the start of stopService (after the confirmation), then killed: it is mid-way
    const held = startCli(['run', RUNBOOK, '--target', 'sim:one-connector', '--answers', answersFile], { stateDir, env: { ...env, RUNBOOK_FAULT: 'step-started:stopService' } });
    await new Promise<void>((resolve) => {
      let err = '';
      held.stderr!.on('data', (c: Buffer) => ((err += c), err.includes('RUNBOOK_FAULT_REACHED') && resolve()));
    });
    held.kill('SIGKILL');
    await held;
    const runId = basename(runDirs(stateDir)[0]!);

    const watcher = execa('node', [CLI, 'watch', runId, '--state-dir', stateDir], { cwd: ROOT, reject: false, env: { NO_COLOR: '1' } });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      watcher.stdout!.on('data', (c: Buffer) => {
        out += c;
        const m = out.match(/^(http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{16,}\/)$/m);
        if (m) resolve(m[1]!);
      });
      void watcher.then((r) => reject(new Error(`watch ended: ${r.exitCode} ${r.stderr}`)));
    });
    const origin = new URL(url).origin;
    try {
      // without the token: refused; not GET: refused
      expect((await fetch(`${origin}/`)).status).toBe(404);
      expect((await fetch(`${origin}/run.json`)).status).toBe(404);
      expect((await fetch(`${origin}/${'x'.repeat(24)}/run.json`)).status).toBe(404);
      expect((await fetch(url, { method: 'POST', body: 'x' })).status).toBe(405);
      expect((await fetch(url)).status).toBe(200);

      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.evaluate(() => document.body.dataset.replayState)).toBe('stopService');
      expect(await page.isVisible('#live-status')).toBe(true);
      await page.screenshot({ path: join(OUT, 'watch-before.png') });

      // the run goes on: the page follows it to the end
      const resumed = await cli(['resume', runId, '--answers', answersFile], { stateDir, env });
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      await page.waitForFunction(() => document.body.dataset.replayState === 'done', undefined, { timeout: 15_000 });
      expect(text(await page.textContent('#replay-timeline'))).toContain('resumed by trainee');
      expect(await page.evaluate(() => document.body.innerText)).not.toMatch(PLACEHOLDER);
      await page.screenshot({ path: join(OUT, 'watch-after.png') });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      watcher.kill('SIGINT');
    }
    const result = await watcher;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('stopped watching');
    await expect(fetch(url)).rejects.toThrow();
  });
});
