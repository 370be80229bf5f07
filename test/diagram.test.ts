import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunbookDefinition } from '../src/runbook/define.js';
import { runbookGraph } from '../src/diagram/graph.js';
import { toDot } from '../src/diagram/dot.js';
import { MERMAID_START, mermaidId, toMermaid } from '../src/diagram/mermaid.js';
import { renderSvg } from '../src/diagram/svg.js';
import { diagram } from '../src/cli/commands/diagram.js';
import { UserError } from '../src/user-error.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { foldGraph } from '../src/diagram/fold.js';
import { chromium } from 'playwright-core';
import { findExecutable, skipWithoutPart } from './helpers/parts.js';

/**
 * Diagrams are generated from the machine definition. Every runbook in machines/ is imported
 * from its TypeScript source (under vitest the engine's loader would look in the source tree as
 * well, but importing the modules directly keeps this suite independent of the build).
 */
const machineFiles = readdirSync(join(ROOT, 'machines')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const runbooks: RunbookDefinition[] = await Promise.all(
  machineFiles.map(async (f) => ((await import(`../machines/${f.replace(/\.ts$/, '')}.ts`)) as { default: RunbookDefinition }).default),
);

interface Edge {
  from: string;
  to: string;
  event: string;
}

/** The machine's states and transitions, read straight from its state nodes (not through src/diagram). */
function machineStructure(runbook: RunbookDefinition): { states: string[]; edges: Edge[]; initial: string } {
  const root = runbook.machine.root as any;
  const edges: Edge[] = [];
  for (const [from, node] of Object.entries<any>(root.states)) {
    for (const [event, transitions] of node.transitions as Map<string, any[]>) {
      for (const t of transitions) for (const target of t.target ?? []) edges.push({ from, to: target.key, event });
    }
    for (const t of node.always ?? []) for (const target of t.target ?? []) edges.push({ from, to: target.key, event: '' });
  }
  return { states: Object.keys(root.states), edges, initial: root.initial.target[0].key };
}

/** Parses the Mermaid flowchart text back: node ids (with their shape opener), edges, class assignments. */
function parseMermaid(text: string) {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('%%'));
  expect(lines[0]).toBe('flowchart TD');
  const nodes = new Map<string, string>();
  const edges: Array<{ from: string; to: string; label: string | null; arrow: string }> = [];
  const classes = new Map<string, Set<string>>();
  for (const line of lines.slice(1)) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^([A-Za-z_]\w*)(?:\S*)\s+(-->|-\.->)(?:\|"([^"]*)"\|)?\s+([A-Za-z_]\w*)$/))) {
      edges.push({ from: m[1]!, arrow: m[2]!, label: m[3] ?? null, to: m[4]! });
    } else if ((m = line.match(/^class\s+(\S+)\s+(\w+)$/))) {
      for (const id of m[1]!.split(',')) classes.set(id, new Set([...(classes.get(id) ?? []), m[2]!]));
    } else if ((m = line.match(/^([A-Za-z_]\w*)(\[|\{\{|\{|\(\[|\()"(.*)"(\]|\}\}|\}|\]\)|\))$/))) {
      nodes.set(m[1]!, m[2]!);
    } else if (!line.startsWith('classDef ')) {
      throw new Error(`unparsed Mermaid line: ${line}`);
    }
  }
  return { nodes, edges, classes };
}

const readable = (event: string) =>
  event.startsWith('xstate.done.actor.') ? 'done' : event.startsWith('xstate.error.actor.') ? 'failed' : event === '' ? 'always' : event.toLowerCase();
const sorted = (items: string[]) => [...items].sort();

describe('diagrams of every runbook in machines/', () => {
  it('finds the runbooks', () => {
    expect(runbooks.length).toBeGreaterThanOrEqual(1);
    expect(runbooks.map((r) => r.id)).toContain('aadconnect-encryption-key');
  });

  for (const [i, file] of machineFiles.entries()) {
    describe(file, () => {
      const runbook = () => runbooks[i]!;

      it('DOT renders to SVG with @viz-js/viz, every state a <g id="state-<key>">', async () => {
        const svg = await renderSvg(toDot(runbookGraph(runbook()), { detail: 'full' }));
        expect(svg).toMatch(/^<\?xml/);
        const ids = [...svg.matchAll(/<g id="([^"]+)" class="node[^"]*"/g)].map((m) => m[1]!.replace(/&#45;/g, '-'));
        const { states } = machineStructure(runbook());
        expect(sorted(ids)).toEqual(sorted(['state-__start__', ...states.map((s) => `state-${s}`)]));
        const inline = await renderSvg(toDot(runbookGraph(runbook()), { detail: 'full' }), { inline: true });
        expect(inline.trimStart()).toMatch(/^(<!--[\s\S]*?-->\s*)*<svg/);
      });

      it('the Mermaid text holds every state and every transition of the machine', () => {
        const { states, edges, initial } = machineStructure(runbook());
        const parsed = parseMermaid(toMermaid(runbookGraph(runbook()), { detail: 'full' }));
        const idToState = new Map(states.map((s) => [mermaidId(s), s]));
        expect(sorted([...parsed.nodes.keys()])).toEqual(sorted(states.map(mermaidId)));

        const start = parsed.edges.filter((e) => e.from === MERMAID_START);
        expect(start.map((e) => idToState.get(e.to))).toEqual([initial]);
        const drawn = parsed.edges.filter((e) => e.from !== MERMAID_START);
        // as multisets: two transitions between the same states (verify -> verifyFailed on done and on failure) are two arrows
        expect(sorted(drawn.map((e) => `${idToState.get(e.from)} -> ${idToState.get(e.to)} : ${e.label!.split(' [')[0]}`))).toEqual(
          sorted(edges.map((e) => `${e.from} -> ${e.to} : ${readable(e.event)}`)),
        );
        for (const e of drawn) expect(e.arrow).toBe(e.label!.startsWith('failed') ? '-.->' : '-->');
      });

      it('by default folds each failure decision into its step and draws the abort end once, with no edge into it', async () => {
        const graph = runbookGraph(runbook());
        const folded = foldGraph(graph);
        const text = toMermaid(graph);
        const parsed = parseMermaid(text);
        const decisions = graph.nodes.filter((n) => n.kind === 'decision' && n.stepId);
        for (const d of decisions) expect(parsed.nodes.has(mermaidId(d.key)), d.key).toBe(false);
        const abortEnds = graph.nodes.filter((n) => n.outcome === 'aborted').map((n) => mermaidId(n.key));
        for (const id of abortEnds) expect(parsed.nodes.has(id), id).toBe(true);
        expect(parsed.edges.filter((e) => abortEnds.includes(e.to))).toEqual([]);
        for (const [step, failure] of folded.failures) {
          expect(parsed.nodes.get(mermaidId(step)), step).toBe('[');
          expect(text.split('\n').find((l) => l.trim().startsWith(`${mermaidId(step)}[`)), step).toContain(`on failure: ${failure.summary}`);
        }
        // no placeholder left raw, no diamond at all
        expect(text).not.toMatch(/\{[A-Za-z0-9_.]+\}/);
        expect([...parsed.nodes.values()]).not.toContain('{');
        // the spine runs from the initial state to an end, one drawn edge after another
        expect(folded.spine[0]).toBe(graph.initial);
        for (let i = 1; i < folded.spine.length; i++) {
          expect(parsed.edges.some((e) => e.from === mermaidId(folded.spine[i - 1]!) && e.to === mermaidId(folded.spine[i]!)), `${folded.spine[i - 1]} -> ${folded.spine[i]}`).toBe(true);
        }
        const dot = toDot(graph);
        expect(dot).not.toMatch(/shape="diamond"/);
        for (const id of graph.nodes.filter((n) => n.outcome === 'aborted').map((n) => n.key)) expect(dot).not.toContain(`-> "${id}"`);
        const svg = await renderSvg(dot);
        expect(svg).toContain('<svg');
      });

      it('marks destructive and manual steps, prompts, decisions and ends', () => {
        const parsed = parseMermaid(toMermaid(runbookGraph(runbook()), { detail: 'full' }));
        for (const [key, node] of Object.entries<any>(runbook().machine.root.states)) {
          const meta = node.meta;
          const id = mermaidId(key);
          const classes = parsed.classes.get(id) ?? new Set();
          const opener = parsed.nodes.get(id);
          if (meta?.kind === 'step') {
            expect(opener, key).toBe('[');
            expect(classes.has('destructive'), key).toBe(meta.destructive);
            expect(classes.has('manual'), key).toBe(meta.manual);
          }
          if (meta?.kind === 'prompt') expect(opener, key).toBe('{{');
          if (meta?.kind === 'decision') expect(opener, key).toBe('{');
          if (meta?.kind === 'final') expect(opener, key).toBe('([');
        }
      });
    });
  }
});

describe('labels of the flagship runbook', () => {
  const flagship = () => runbooks.find((r) => r.id === 'aadconnect-encryption-key')!;
  const label = (from: string, to: string) =>
    runbookGraph(flagship())
      .edges.filter((e) => e.from === from && e.to === to)
      .map((e) => e.label);

  it('reads events and guards', () => {
    expect(label('detect', 'nothingToDo')).toEqual(['done [healthy]']);
    expect(label('detect', 'connectorPassword')).toEqual(['done [stale connectors found]']);
    expect(label('detect', 'unknownSymptom')).toEqual(['done [otherwise]']);
    expect(label('detect', 'detectFailed')).toEqual(['failed']);
    expect(label('abandonKeyFailed', 'abandonKey')).toEqual(['retry [at most 2 attempts]']);
    expect(label('confirmAbandon', 'stopService')).toEqual(['confirm [typed server name]']);
    expect(label('verify', 'verifyFailed')).toEqual(['done [otherwise]', 'failed']);
  });

  it('draws the per-connector loop as a self-transition', () => {
    const loop = runbookGraph(flagship()).edges.filter((e) => e.self);
    expect(loop.map((e) => [e.from, e.label])).toEqual([['connectorPassword', 'done [more connectors pending]']]);
    expect(toMermaid(runbookGraph(flagship()), { detail: 'full' })).toContain('connectorPassword -->|"done [more connectors pending]"| connectorPassword');
    expect(toDot(runbookGraph(flagship()), { detail: 'full' })).toMatch(/"connectorPassword" -> "connectorPassword" \[id="edge-\d+"/);
  });

  it('gives the destructive step a red double border and manual steps a dashed one in DOT', () => {
    const dot = toDot(runbookGraph(flagship()), { detail: 'full' });
    const line = (key: string) => dot.split('\n').find((l) => l.trimStart().startsWith(`"${key}" [`))!;
    expect(line('abandonKey')).toMatch(/peripheries=2/);
    expect(line('abandonKey')).toMatch(/color="#c62828"/);
    expect(line('connectorPassword')).toMatch(/style="[^"]*dashed/);
    expect(line('confirmAbandon')).toMatch(/shape="hexagon"/);
    expect(line('verifyFailed')).toMatch(/shape="diamond"/);
    expect(line('done')).toMatch(/shape="ellipse"/);
  });
});

describe('the spine of the flagship runbook', () => {
  it('is the happy path, with the conditional side trips beside it', () => {
    const flagship = runbooks.find((r) => r.id === 'aadconnect-encryption-key')!;
    expect(foldGraph(runbookGraph(flagship)).spine).toEqual([
      'detect', 'preChecks', 'confirmAbandon', 'stopService', 'abandonKey', 'startNewKey', 'connectorPassword', 'restartService', 'reinitEntra', 'startAfterReinit', 'verify', 'done',
    ]);
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ? findExecutable(process.env.CHROMIUM_PATH) : findExecutable('chromium', ['/usr/bin/chromium']);

describe.skipIf(skipWithoutPart('chromium', CHROMIUM))('the Mermaid text renders in Mermaid 11 (in Chromium)', () => {
  it('renders every runbook, folded and full, without a syntax error', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setContent('<!DOCTYPE html><html><body><div id="out"></div></body></html>');
      await page.addScriptTag({ path: join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js') });
      const version = await page.evaluate(() => (window as any).mermaid?.version ?? (window as any).mermaid?.default?.version ?? 'unknown');
      expect(JSON.parse(readFileSync(join(ROOT, 'node_modules', 'mermaid', 'package.json'), 'utf8')).version).toMatch(/^11\./);
      for (const runbook of runbooks) {
        for (const detail of ['folded', 'full'] as const) {
          const text = toMermaid(runbookGraph(runbook), { detail });
          const result = await page.evaluate(async ({ text, id }) => {
            const mermaid = (window as any).mermaid;
            mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
            try {
              await mermaid.parse(text);
              const { svg } = await mermaid.render(id, text);
              return { svg: String(svg), error: null };
            } catch (error) {
              return { svg: '', error: String((error as Error)?.message ?? error) };
            }
          }, { text, id: `d-${runbook.id.replace(/\W/g, '')}-${detail}` });
          expect(result.error, `${runbook.id} (${detail}) with mermaid ${version}`).toBeNull();
          expect(result.svg).toMatch(/^<svg/);
          expect(result.svg).not.toMatch(/Syntax error/i);
          // the labels made it into the drawing
          expect(result.svg).toContain(detail === 'folded' ? 'on failure: retry' : 'failed: retry');
        }
      }
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('the diagram command', () => {
  const dir = tempDir('runbook-diagram-');

  it('writes each format to a file', async () => {
    for (const format of ['mermaid', 'dot', 'svg', 'html']) {
      const output = join(dir, `flow.${format}`);
      expect(await diagram('aadconnect-encryption-key', { format, output })).toBe(0);
      const text = readFileSync(output, 'utf8');
      if (format === 'mermaid') expect(text.startsWith('flowchart TD')).toBe(true);
      if (format === 'dot') expect(text.startsWith('digraph "aadconnect-encryption-key"')).toBe(true);
      if (format === 'svg') expect(text).toContain('<svg');
      if (format === 'html') expect(text).toContain("default-src 'none'");
    }
  });

  it('draws the folded flow by default and the full one with --detail full', async () => {
    const folded = join(dir, 'folded.mmd');
    const full = join(dir, 'full.mmd');
    expect(await diagram('aadconnect-encryption-key', { output: folded })).toBe(0);
    expect(await diagram('aadconnect-encryption-key', { output: full, detail: 'full' })).toBe(0);
    expect(readFileSync(folded, 'utf8')).not.toContain('verifyFailed');
    expect(readFileSync(full, 'utf8')).toContain('verifyFailed{');
    expect(readFileSync(full, 'utf8').match(/--?>?(\|"[^"]*"\|)? aborted$/gm)!.length).toBeGreaterThanOrEqual(12);
    expect(readFileSync(folded, 'utf8')).not.toMatch(/->(\|"[^"]*"\|)? aborted$/m);
    await expect(diagram('aadconnect-encryption-key', { detail: 'some' })).rejects.toThrow(/--detail/);
  });

  it('refuses what it cannot do with one clear line', async () => {
    await expect(diagram('aadconnect-encryption-key', { format: 'png' })).rejects.toThrow(UserError);
    await expect(diagram('aadconnect-encryption-key', { format: 'svg', run: 'x' })).rejects.toThrow(/--format html/);
    await expect(diagram('no-such-runbook', {})).rejects.toThrow(/unknown runbook/);
    const error = await diagram('aadconnect-encryption-key', { run: 'no-such-run', stateDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(5);
  });
});
