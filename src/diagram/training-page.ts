import type { RunbookDefinition, StateMeta } from '../runbook/define.js';
import type { TimedRecord } from '../journal/records.js';
import { runbookGraph, type GraphEdge, type RunbookGraph } from './graph.js';
import { START_ID, toDot } from './dot.js';
import { fillText, foldGraph, genericPlaceholders, type FoldedGraph } from './fold.js';
import { renderSvg } from './svg.js';

/**
 * The offline training page: one HTML file with the flow as SVG, a side panel with each state's
 * instructions, commands and warnings, and (given a run's journal) a replay of that run. Inline
 * CSS and JS, data in a JSON script element, a Content-Security-Policy that forbids any network
 * (the live page of `runbook watch` may fetch its own run from the server that served it).
 *
 * The flow is drawn for a room: the happy path as a straight spine, each step's failure decision
 * folded beside it (a click expands it), the abort end once with nothing drawn into it, and no
 * placeholder left unfilled: a run's values where the run has them, else a generic "the server".
 */

/** The journal fields the page needs; nothing else of a record is embedded. */
export interface PageRecord {
  type: string;
  at: string;
  stepId?: string;
  title?: string;
  state?: string;
  answer?: string;
  question?: string;
  by?: string;
  error?: { message: string; category: string };
  evidence?: string[];
  outcome?: string | null;
}

/** One visit of a state in a run: what the replay steps through. */
export interface ReplayFrame {
  state: string;
  /** The title as the run showed it (placeholders filled), else the state's title. */
  title: string;
  at: string;
  /** The journal records of this visit, in order. */
  records: PageRecord[];
  /** The transitions taken to get here (edge ids of the diagram). */
  edgeIds: string[];
  /** The step's parameters as this visit had them (filled placeholders), as text. */
  params?: Record<string, string>;
}

/** A run as the page shows it: its visits and the placeholder values the run knows for certain. */
export interface PageRun {
  id: string | null;
  frames: ReplayFrame[];
  /** Placeholder name -> the one value the run had for it (names with several values are left generic). */
  values: Record<string, string>;
}

interface PageState {
  key: string;
  kind: string;
  title: string;
  instructions: string[];
  commands: string[];
  warnings: string[];
  facts: string[];
  choices: string[];
  initial: boolean;
}

const PAGE_FIELDS = ['type', 'at', 'stepId', 'title', 'state', 'answer', 'question', 'by', 'error', 'evidence', 'outcome'] as const;

export function pageRecord(record: TimedRecord): PageRecord {
  const out: Record<string, unknown> = {};
  for (const field of PAGE_FIELDS) {
    const value = (record as Record<string, unknown>)[field];
    if (value !== undefined) out[field] = value;
  }
  return out as unknown as PageRecord;
}

/**
 * The states a run went through, from its journal: each step-started opens a visit of its step
 * (unless it restarts the attempt already open, after a resume), a decision on another state opens
 * a visit of that prompt or decision state, run-finished opens the final state. Other records
 * belong to the visit they happened in.
 */
export function replayFrames(graph: RunbookGraph, journal: TimedRecord[]): ReplayFrame[] {
  const titles = new Map(graph.nodes.map((n) => [n.key, n.title]));
  const frames: Array<ReplayFrame & { attemptId?: string }> = [];
  let pending: PageRecord[] = [];
  const open = (state: string, record: TimedRecord, title?: string, attemptId?: string) => {
    const previous = frames.at(-1);
    const params = record.type === 'step-started' ? textParams(record.params) : undefined;
    const frame = {
      state,
      title: title ?? titles.get(state) ?? state,
      at: record.at,
      records: [...pending, pageRecord(record)],
      edgeIds: [] as string[],
      ...(params && Object.keys(params).length ? { params } : {}),
      ...(attemptId ? { attemptId } : {}),
    };
    frame.edgeIds = previous ? takenEdges(graph.edges, previous, state) : state === graph.initial ? ['edge-start'] : [];
    pending = [];
    frames.push(frame);
  };
  for (const record of journal) {
    const current = frames.at(-1);
    if (record.type === 'step-started' && !(current?.state === record.stepId && current.attemptId === record.attemptId)) {
      open(record.stepId, record, record.title, record.attemptId);
    } else if (record.type === 'decision' && record.state !== current?.state && titles.has(record.state)) {
      open(record.state, record);
    } else if (record.type === 'run-finished' && record.state !== current?.state && titles.has(record.state)) {
      open(record.state, record);
    } else if (current) {
      current.records.push(pageRecord(record));
    } else {
      pending.push(pageRecord(record));
    }
  }
  return frames.map(({ attemptId: _attemptId, ...frame }) => frame);
}

function textParams(params: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!params || typeof params !== 'object') return out;
  for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) out[name] = value.join(', ');
  }
  return out;
}

/**
 * The run for the page: its visits (edge ids as drawn: an edge into a folded failure decision is
 * the fold's connector, an abort is not drawn) and the placeholder values it knows: a step's
 * parameters, or a top-level text field of a step's output with a placeholder's name (the
 * detected server), when the run had exactly one value for that name. Records are read
 * tolerantly: unknown fields (hash chains and the like) are ignored.
 */
export function pageRun(graph: RunbookGraph, journal: TimedRecord[], runId: string | null, folded: FoldedGraph = foldGraph(graph)): PageRun {
  const frames = replayFrames(graph, journal).map((frame) => ({ ...frame, edgeIds: drawnEdgeIds(folded, frame.edgeIds) }));
  const names = new Set(Object.keys(genericPlaceholders(graph)));
  const seen = new Map<string, Set<string>>();
  const note = (name: string, value: string) => {
    if (names.has(name) && value !== '') seen.set(name, new Set([...(seen.get(name) ?? []), value]));
  };
  for (const record of journal as Array<TimedRecord & Record<string, unknown>>) {
    if (record.type === 'step-started') for (const [name, value] of Object.entries(textParams(record.params))) note(name, value);
    if (record.type === 'step-finished' && record.output && typeof record.output === 'object' && !Array.isArray(record.output)) {
      for (const [name, value] of Object.entries(record.output as Record<string, unknown>)) if (typeof value === 'string') note(name, value);
    }
  }
  const values: Record<string, string> = {};
  for (const [name, set] of seen) if (set.size === 1) values[name] = [...set][0]!;
  return { id: runId, frames, values };
}

/** Graph edge ids to the ids drawn on the page. */
function drawnEdgeIds(folded: FoldedGraph, ids: string[]): string[] {
  const byId = new Map(folded.graph.edges.map((e) => [e.id, e]));
  const out = new Set<string>();
  for (const id of ids) {
    const edge = byId.get(id);
    if (!edge) out.add(id);
    else if (folded.foldedInto.has(edge.to)) out.add(`fold-edge-${folded.foldedInto.get(edge.to)}`);
    else if (folded.foldedInto.has(edge.from) || folded.abortEnds.has(edge.to)) continue;
    else out.add(id);
  }
  return [...out];
}

/** The edges from the previous visit's state to `to` that match how that visit ended. */
function takenEdges(edges: GraphEdge[], previous: ReplayFrame, to: string): string[] {
  const candidates = edges.filter((e) => e.from === previous.state && e.to === to);
  const last = [...previous.records].reverse().find((r) => r.type === 'step-finished' || r.type === 'step-failed' || r.type === 'decision');
  const matching = candidates.filter((e) => {
    if (last?.type === 'step-failed') return e.kind === 'failed';
    if (last?.type === 'step-finished') return e.kind === 'done';
    if (last?.type === 'decision') return e.kind === 'operator' && (last.answer ?? '').toLowerCase().startsWith(e.trigger);
    return false;
  });
  return (matching.length ? matching : candidates).map((e) => e.id);
}

function pageState(key: string, meta: StateMeta | undefined, initial: boolean): PageState {
  const base = { key, initial, instructions: [] as string[], commands: [] as string[], warnings: [] as string[], facts: [] as string[], choices: [] as string[] };
  if (!meta) return { ...base, kind: 'state', title: key };
  switch (meta.kind) {
    case 'step':
      return {
        ...base,
        kind: 'step',
        title: meta.title,
        instructions: meta.instructions,
        commands: meta.commands,
        warnings: [
          meta.destructive ? 'Destructive: it changes the server in a way that cannot be undone.' : '',
          meta.idempotent ? '' : 'Not safe to repeat: if a run stopped while it was in progress, check the server before running it again.',
          meta.manual ? 'Manual: a person does this step; the runbook waits for their confirmation.' : '',
        ].filter(Boolean),
        facts: [
          meta.idempotent ? 'safe to repeat' : '',
          meta.readOnly ? 'read-only (changes nothing)' : '',
          meta.skippable ? 'can be skipped with a recorded reason' : '',
          `at most ${meta.maxAttempts} attempts`,
          meta.runners ? `only on: ${meta.runners.join(', ')}` : '',
          ...meta.secrets.map((s) => `asks for: ${s.label}`),
        ].filter(Boolean),
      };
    case 'prompt':
    case 'decision':
      return {
        ...base,
        kind: meta.kind,
        title: meta.title,
        instructions: meta.instructions,
        warnings: ['Asks the operator: the run waits for an answer, which is recorded with who gave it.'],
        choices: meta.prompt.type === 'choice' ? meta.prompt.choices.map((c) => c.label) : [meta.prompt.message, 'Leave it empty to cancel'],
      };
    case 'final':
      return { ...base, kind: 'final', title: meta.title, instructions: [meta.summary], facts: [`end of the run: ${meta.outcome}`] };
  }
}

export interface PageOptions {
  /** Only labels the replay. */
  runId?: string;
  /**
   * The live page of `runbook watch`: it polls this URL (same origin) every second for the run
   * (`PageRun` as JSON) and follows it. The page then also allows `connect-src 'self'`.
   */
  live?: { poll: string };
}

/** The whole page. */
export async function trainingPage(
  runbook: Pick<RunbookDefinition, 'id' | 'title' | 'summary' | 'machine'>,
  journal?: TimedRecord[],
  options: PageOptions = {},
): Promise<string> {
  const graph = runbookGraph(runbook);
  const folded = foldGraph(graph);
  const generic = genericPlaceholders(graph);
  const run = journal ? pageRun(graph, journal, options.runId ?? null, folded) : options.live ? { id: options.runId ?? null, frames: [], values: {} } : null;
  const svg = readableTitles(await renderSvg(toDot(graph, { page: true, values: run?.values ?? {} }), { inline: true }), graph, run?.values ?? {}, generic);
  const data = {
    runbook: { id: runbook.id, title: runbook.title, summary: runbook.summary },
    states: graph.nodes.map((n) => pageState(n.key, n.meta, n.initial)),
    edges: [
      ...(graph.initial ? [{ id: 'edge-start', from: START_ID, to: graph.initial, label: 'start' }] : []),
      ...graph.edges.map((e) => ({ id: e.id, from: e.from, to: e.to, label: e.label })),
    ],
    spine: folded.spine,
    folds: [...folded.failures.values()].map((f) => {
      const meta = graph.nodes.find((n) => n.key === f.decision)?.meta;
      const labels = meta && (meta.kind === 'decision' || meta.kind === 'prompt') && meta.prompt.type === 'choice' ? meta.prompt.choices : [];
      return {
        decision: f.decision,
        step: f.step,
        choices: f.choices.map((c) => ({ kind: c.kind, to: c.to, label: labels.find((l) => l.event === c.edge.event)?.label ?? c.trigger })),
      };
    }),
    placeholders: generic,
    run,
    live: options.live ?? null,
  };
  const fill = (t: string) => fillText(t, run?.values ?? {}, generic);
  return page(fill(runbook.title), fill(runbook.summary), svg, data, Boolean(run), Boolean(options.live));
}

/**
 * Graphviz names each node and edge by its state key in a <title> (a tooltip): replaced by the
 * state's title, so no internal id shows anywhere a title exists.
 */
function readableTitles(svg: string, graph: RunbookGraph, values: Record<string, string>, generic: Record<string, string>): string {
  const title = new Map(graph.nodes.map((n) => [n.key, fillText(n.title, values, generic)]));
  title.set('__start__', 'start');
  const name = (key: string) => title.get(key) ?? key;
  const decode = (t: string) => t.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
  return svg.replace(/<title>([^<]*)<\/title>/g, (_whole, raw: string) => {
    const text = decode(raw);
    const arrow = text.indexOf('->');
    const readable = arrow > 0 && !title.has(text) ? `${name(text.slice(0, arrow))} → ${name(text.slice(arrow + 2))}` : name(text);
    return `<title>${html(readable)}</title>`;
  });
}

function page(title: string, summary: string, svg: string, data: unknown, replay: boolean, live: boolean): string {
  const connect = live ? "connect-src 'self'" : "connect-src 'none'";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; ${connect}; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${html(title)}: training</title>
<style>${CSS}</style>
</head>
<body class="${replay ? 'has-replay' : 'no-replay'}${live ? ' live' : ''}">
<header>
  <div class="heading">
    <h1>${html(title)}</h1>
    <p class="summary">${html(summary)}</p>
  </div>
  <div class="toolbar" role="toolbar" aria-label="view">
    ${live ? '<span id="live-status" class="live-status" aria-live="polite">live</span>' : ''}
    <button type="button" id="zoom-out" aria-label="zoom out">−</button>
    <button type="button" id="zoom-fit">Fit</button>
    <button type="button" id="zoom-in" aria-label="zoom in">+</button>
    <button type="button" id="toggle-large" aria-pressed="false">Large text</button>
  </div>
</header>
<main>
  <section id="diagram" aria-label="the runbook's flow: Tab to a state, Enter to show it">
    <ul class="legend" aria-label="legend">
      <li><span class="key k-step"></span>step</li>
      <li><span class="key k-manual"></span>manual step</li>
      <li><span class="key k-destructive"></span>destructive step</li>
      <li><span class="key k-prompt"></span>asks the operator</li>
      <li><span class="key k-decision"></span>if it fails (click to open)</li>
      <li><span class="key k-final"></span>end</li>
    </ul>
    <div id="svg-wrap">${svg}<div id="fold-card" hidden role="dialog" aria-label="what the operator can do when the step fails"></div></div>
  </section>
  <aside id="details" aria-live="polite">
    <p id="details-kind" class="kind"></p>
    <h2 id="details-title">Select a state</h2>
    <ul id="details-warnings" class="warnings"></ul>
    <div id="details-run" hidden></div>
    <div id="details-instructions" class="instructions"><p>Click a state in the flow, or Tab to it and press Enter.</p></div>
    <div id="details-commands-section" hidden><h3>Commands it runs</h3><div id="details-commands"></div></div>
    <div id="details-choices-section" hidden><h3>The operator answers</h3><ul id="details-choices"></ul></div>
    <ul id="details-facts" class="facts"></ul>
    <div id="details-next-section" hidden><h3>Where it goes next</h3><ul id="details-next"></ul></div>
  </aside>
</main>
${replay ? REPLAY_BAR : ''}
<script type="application/json" id="runbook-data">${json(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const REPLAY_BAR = `<footer id="replay" aria-label="replay of a recorded run">
  <div class="controls">
    <button type="button" id="replay-back" aria-label="previous state">◀ Back</button>
    <button type="button" id="replay-play" aria-pressed="false">▶ Play</button>
    <button type="button" id="replay-forward" aria-label="next state">Forward ▶</button>
    <span id="replay-position" aria-live="polite"></span>
  </div>
  <div id="replay-now" aria-live="polite"></div>
  <ol id="replay-timeline"></ol>
</footer>`;

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that cannot end its script element early. */
function json(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const CSS = `
:root { --fg:#1a202c; --muted:#4a5568; --line:#cbd5e0; --accent:#1e4e8c; --current:#ff6f00; --panel:#f7fafc; font-size: 15px; }
:root.large { font-size: 21px; }
:root.large main { grid-template-columns: minmax(0, 1fr) minmax(380px, 38%); }
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { font: 1rem/1.45 system-ui, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff;
  display: grid; grid-template-rows: auto minmax(0, 1fr) auto; }
header { display: flex; gap: 1rem; align-items: center; justify-content: space-between; padding: .45rem 1rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.15rem; margin: 0; }
.summary { margin: .1rem 0 0; color: var(--muted); font-size: .85rem; }
.toolbar { display: flex; gap: .35rem; flex-shrink: 0; }
button { font: inherit; font-size: .9rem; padding: .3rem .7rem; border: 1px solid #a0aec0; border-radius: 6px; background: #fff; color: var(--fg); cursor: pointer; }
button:hover { background: #edf2f7; }
button:focus-visible { outline: 3px solid var(--current); outline-offset: 1px; }
button[aria-pressed="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(340px, 32%); min-height: 0; }
#diagram { overflow: auto; position: relative; min-height: 0; }
#svg-wrap { padding: .5rem; position: relative; }
#svg-wrap svg text { font-family: Arial, "Liberation Sans", Helvetica, "DejaVu Sans Condensed", sans-serif; }
#fold-card { position: absolute; z-index: 2; width: max-content; max-width: 22rem; background: #fff; border: 2px solid #6b3fa0; border-radius: 8px;
  box-shadow: 0 4px 14px rgba(0,0,0,.2); padding: .45rem .7rem .55rem; font-size: .9rem; }
#fold-card h3 { margin: 0 0 .3rem; font-size: .9rem; color: #4a2a75; }
#fold-card ul { list-style: none; margin: 0; padding: 0; }
#fold-card li { margin: .2rem 0; }
#fold-card button { width: 100%; text-align: left; font-size: .88rem; }
#fold-card .hint { margin: .3rem 0 0; font-size: .75rem; color: var(--muted); }
#fold-card li.choice-abort button { border-color: #c62828; color: #7f1010; }
.live-status { align-self: center; font-size: .85rem; font-weight: 700; color: #2e7d32; padding: 0 .5rem; }
.live-status::before { content: "● "; }
.live-status.lost { color: #c62828; }
#svg-wrap svg { display: block; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; list-style: none; margin: 0; padding: .35rem .8rem; font-size: .8rem; color: var(--muted);
  position: sticky; top: 0; left: 0; background: #fff; border-bottom: 1px solid #edf2f7; z-index: 1; }
.legend li { display: flex; align-items: center; gap: .35rem; }
.key { display: inline-block; width: 1.6em; height: .95em; border: 1.5px solid; background: #e8f0fe; border-color: #1e4e8c; border-radius: 3px; }
.k-manual { background: #fff8e1; border-color: #8a6d00; border-style: dashed; }
.k-destructive { background: #fde2e1; border-color: #c62828; border-style: double; border-width: 4px; border-radius: 0; }
.k-prompt { background: #fff3cd; border-color: #8a6d00; clip-path: polygon(20% 0, 80% 0, 100% 50%, 80% 100%, 20% 100%, 0 50%); }
.k-decision { background: #f3e8fd; border-color: #6b3fa0; border-style: dashed; border-radius: 8px; }
.k-final { background: #e3f5e1; border-color: #2e7d32; border-width: 2.5px; border-radius: 8px; }
#details { overflow: auto; overflow-wrap: anywhere; padding: .8rem 1.1rem 1.2rem; border-left: 1px solid var(--line); background: var(--panel); min-height: 0; }
#details h2 { font-size: 1.25rem; margin: .1rem 0 .5rem; line-height: 1.25; }
#details h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 1rem 0 .35rem; }
.kind { margin: 0; font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.warnings { list-style: none; padding: 0; margin: 0 0 .6rem; }
.warnings li { margin: .3rem 0; padding: .35rem .6rem; border-left: 5px solid #d69e2e; background: #fffbeb; border-radius: 3px; font-weight: 600; font-size: .9rem; }
.warnings li.destructive { border-color: #c62828; background: #fde2e1; color: #7f1010; }
.instructions p { margin: .3rem 0; }
#details-commands pre { margin: .3rem 0; padding: .4rem .6rem; background: #1a202c; color: #f7fafc; border-radius: 4px; white-space: pre-wrap; word-break: break-word; font-size: .82rem; }
.facts { padding-left: 1.1rem; color: var(--muted); font-size: .85rem; margin: .8rem 0 0; }
#details-next { list-style: none; padding: 0; margin: 0; }
#details-next button { font-size: .82rem; padding: .15rem .5rem; margin: .1rem 0; text-align: left; }
#details-run { margin: .6rem 0; padding: .6rem .75rem; border: 2px solid var(--current); border-radius: 6px; background: #fff; }
#details-run h3 { margin-top: 0; color: #b34700; }
#details-run ul { margin: .2rem 0; padding-left: 1.1rem; }
.time { font-variant-numeric: tabular-nums; color: var(--muted); font-size: .85rem; }
footer#replay { border-top: 1px solid var(--line); padding: .45rem 1rem; background: #fff; display: grid; grid-template-columns: auto minmax(0, 1fr); gap: .2rem 1rem; align-items: center; }
.controls { display: flex; gap: .4rem; align-items: center; }
#replay-position { font-weight: 700; font-variant-numeric: tabular-nums; margin-left: .4rem; min-width: 5.5em; }
#replay-now { font-size: .92rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#replay-timeline { grid-column: 1 / -1; display: flex; gap: .25rem; list-style: none; margin: 0; padding: 0 0 .15rem; overflow-x: auto; }
#replay-timeline li { display: flex; gap: .2rem; align-items: center; flex-shrink: 0; }
#replay-timeline button { font-size: .72rem; padding: .1rem .4rem; white-space: nowrap; }
#replay-timeline .mark { font-size: .72rem; white-space: nowrap; padding: .08rem .35rem; border-radius: 10px; border: 1px solid; font-weight: 600; }
.mark-interrupted { background: #fde2e1; border-color: #c62828; color: #7f1010; }
.mark-resumed { background: #e3f5e1; border-color: #2e7d32; color: #1b5e20; }
.mark-decision { background: #f3e8fd; border-color: #6b3fa0; color: #3b1f5e; }
#replay-timeline button.at { background: var(--current); border-color: var(--current); color: #fff; }
#replay-timeline button.seen { border-color: #2e7d32; }
/* the diagram */
g.node.state { cursor: pointer; }
g.node.state:focus { outline: none; }
g.node.state:focus-visible > :is(path, polygon, ellipse):last-of-type { stroke: #2b6cb0; stroke-width: 5px; stroke-dasharray: none; }
g.node.selected:not(.current) > :is(path, polygon, ellipse):last-of-type { stroke: #2b6cb0; stroke-width: 4px; }
body.replaying g.node.state:not(.visited), body.replaying g.edge:not(.taken) { opacity: .38; }
g.node.visited > :is(path, polygon, ellipse):last-of-type { stroke: #2e7d32; stroke-width: 3px; }
g.node.current > :is(path, polygon, ellipse):last-of-type { stroke: var(--current); stroke-width: 5px; }
g.node.current { filter: drop-shadow(0 0 6px rgba(255, 111, 0, .85)); }
g.edge.taken > path { stroke: #2e7d32; stroke-width: 2.5px; }
g.edge.taken > polygon { stroke: #2e7d32; fill: #2e7d32; }
g.edge.last-taken > path { stroke: var(--current); stroke-width: 4px; }
g.edge.last-taken > polygon { stroke: var(--current); fill: var(--current); }
g.edge.last-taken > text { font-weight: 700; fill: #b34700; }
g.node.fold.expanded > path { stroke-width: 3px; stroke-dasharray: none; }
@media (max-width: 900px) {
  body { height: auto; display: block; }
  main { display: block; }
  #diagram { max-height: 70vh; }
  #details { border-left: 0; border-top: 1px solid var(--line); }
  header { flex-wrap: wrap; }
}
@media print { footer#replay, .toolbar { display: none; } body { display: block; } #diagram { overflow: visible; } }
`;

/* The page's behaviour, plain ES2020 for the browser. No eval; no network but the live page's own poll. */
const SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('runbook-data').textContent);
  var states = {};
  data.states.forEach(function (s) { states[s.key] = s; });
  var folds = {};
  var foldOfStep = {};
  (data.folds || []).forEach(function (f) { folds[f.decision] = f; foldOfStep[f.step] = f; });
  var svg = document.querySelector('#svg-wrap svg');
  var nodeOf = function (key) { return document.getElementById('state-' + key); };
  var kindNames = { step: 'Step', prompt: 'Asks the operator', decision: 'If the step fails', final: 'End of the run', state: 'State' };
  var selected = null;
  var run = data.run;
  var position = -1;
  // a state the user clicked: Forward and Back move from its visit, not from the replay position
  var anchor = null;

  // placeholders: the visit's own values, then the run's, then a readable generic form; never raw braces
  function fill(text, params) {
    return String(text).replace(/\{([A-Za-z0-9_.]+)\}/g, function (whole, name) {
      if (params && params[name] !== undefined) return params[name];
      if (run && run.values && run.values[name] !== undefined) return run.values[name];
      if (data.placeholders[name] !== undefined) return data.placeholders[name];
      return 'the ' + name.split('.').pop().replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
    });
  }
  function titleOf(key, params) { return states[key] ? fill(states[key].title, params) : key === '__start__' ? 'start' : fill(key); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function clear(id) { var e = document.getElementById(id); while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function section(id, show) { document.getElementById(id).hidden = !show; }

  // text wider than its box (a font other than the one Graphviz measured) is narrowed to fit
  function fitTexts() {
    document.querySelectorAll('g.node').forEach(function (g) {
      var shape = g.querySelector('path, polygon, ellipse');
      if (!shape) return;
      var room = shape.getBBox().width - 8;
      g.querySelectorAll('text').forEach(function (t) {
        if (t.getComputedTextLength() > room && room > 0) {
          t.setAttribute('textLength', String(room));
          t.setAttribute('lengthAdjust', 'spacingAndGlyphs');
        }
      });
    });
  }
  fitTexts();

  // make every state focusable and operable from the keyboard
  var order = [];
  data.states.forEach(function (s) {
    var g = nodeOf(s.key);
    if (!g) return;
    order.push(g);
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', kindNames[s.kind] + ': ' + titleOf(s.key));
    if (folds[s.key]) g.setAttribute('aria-expanded', 'false');
    g.dataset.state = s.key;
    g.addEventListener('click', function () { choose(s.key); });
    g.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); choose(s.key); }
      var i = order.indexOf(g);
      if (event.key === 'ArrowDown' || event.key === 'ArrowRight') { event.preventDefault(); order[Math.min(order.length - 1, i + 1)].focus(); }
      if (event.key === 'ArrowUp' || event.key === 'ArrowLeft') { event.preventDefault(); order[Math.max(0, i - 1)].focus(); }
    });
  });

  /** A state chosen by the user: shown, its failure fold opened or closed, and the replay anchored on it. */
  function choose(key) {
    if (folds[key]) toggleFold(key, selected !== key || !isOpen(key));
    else closeFolds();
    select(key);
    anchorOn(key);
  }

  function isOpen(key) { var g = nodeOf(key); return Boolean(g && g.classList.contains('expanded')); }
  function closeFolds() {
    document.querySelectorAll('g.node.fold.expanded').forEach(function (g) { g.classList.remove('expanded'); g.setAttribute('aria-expanded', 'false'); });
    document.getElementById('fold-card').hidden = true;
  }
  function toggleFold(key, open) {
    closeFolds();
    if (!open) return;
    var f = folds[key];
    var g = nodeOf(key);
    if (!f || !g) return;
    g.classList.add('expanded');
    g.setAttribute('aria-expanded', 'true');
    var card = clear('fold-card');
    card.appendChild(el('h3', 'If "' + titleOf(f.step) + '" fails'));
    var list = el('ul');
    f.choices.forEach(function (c) {
      var li = el('li', null, 'choice-' + c.kind);
      var b = el('button', c.label + ' → ' + (c.kind === 'retry' ? 'run it again' : titleOf(c.to)));
      b.type = 'button';
      b.addEventListener('click', function () { closeFolds(); select(c.to); anchorOn(c.to); var t = nodeOf(c.to); if (t) t.focus(); });
      li.appendChild(b);
      list.appendChild(li);
    });
    card.appendChild(list);
    card.appendChild(el('p', 'Esc or a click on the fold closes this.', 'hint'));
    card.hidden = false;
    placeCard();
  }
  function placeCard() {
    var card = document.getElementById('fold-card');
    var g = document.querySelector('g.node.fold.expanded');
    if (card.hidden || !g) return;
    var wrap = document.getElementById('svg-wrap').getBoundingClientRect();
    var box = g.getBoundingClientRect();
    // beside the fold, away from the spine; below it when there is no room on the right
    var right = box.right - wrap.left + 8;
    if (right + card.offsetWidth <= wrap.width) {
      card.style.left = right + 'px';
      card.style.top = Math.max(0, box.top - wrap.top - 6) + 'px';
    } else {
      card.style.left = Math.max(0, Math.min(box.left - wrap.left, wrap.width - card.offsetWidth)) + 'px';
      card.style.top = (box.bottom - wrap.top + 4) + 'px';
    }
  }
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && !document.getElementById('fold-card').hidden) {
      var open = document.querySelector('g.node.fold.expanded');
      closeFolds();
      if (open) open.focus();
    }
  });

  function select(key, fromReplay) {
    var s = states[key];
    if (!s) return;
    if (selected) { var old = nodeOf(selected); if (old) old.classList.remove('selected'); }
    selected = key;
    var g = nodeOf(key);
    if (g) g.classList.add('selected');
    document.body.dataset.selected = key;
    // the visit on screen fills the placeholders with its own values
    var frame = run && position >= 0 ? run.frames[position] : null;
    var params = frame && frame.state === key ? frame.params : null;
    document.getElementById('details-kind').textContent = kindNames[s.kind] || s.kind;
    document.getElementById('details-title').textContent = frame && frame.state === key ? fill(frame.title, params) : titleOf(key, params);
    var warnings = clear('details-warnings');
    s.warnings.forEach(function (w) { warnings.appendChild(el('li', w, /^Destructive/.test(w) ? 'destructive' : '')); });
    var instructions = clear('details-instructions');
    if (s.instructions.length) instructions.appendChild(el('p', fill(s.instructions.join(' '), params)));
    var commands = clear('details-commands');
    s.commands.forEach(function (c) { var pre = el('pre'); pre.appendChild(el('code', fill(c, params))); commands.appendChild(pre); });
    section('details-commands-section', s.commands.length > 0);
    var choices = clear('details-choices');
    s.choices.forEach(function (c) { choices.appendChild(el('li', fill(c, params))); });
    section('details-choices-section', s.choices.length > 0);
    var facts = clear('details-facts');
    s.facts.forEach(function (f) { facts.appendChild(el('li', fill(f, params))); });
    var next = clear('details-next');
    data.edges.filter(function (e) { return e.from === key; }).forEach(function (e) {
      var li = el('li');
      var b = el('button', e.label + ' → ' + (e.to === key ? 'again' : titleOf(e.to)));
      b.type = 'button';
      b.addEventListener('click', function () { choose(e.to); var t = nodeOf(e.to); if (t) t.focus(); });
      li.appendChild(b);
      next.appendChild(li);
    });
    section('details-next-section', next.childNodes.length > 0);
    showRun(key);
    if (!fromReplay && g) reveal(g);
  }

  function reveal(g) {
    var pane = document.getElementById('diagram');
    var box = g.getBoundingClientRect();
    var view = pane.getBoundingClientRect();
    if (box.top < view.top + 40 || box.bottom > view.bottom || box.left < view.left || box.right > view.right) {
      pane.scrollBy({ left: box.left - view.left - view.width / 2 + box.width / 2, top: box.top - view.top - view.height / 2 + box.height / 2 });
    }
  }

  // zoom: one unit of the drawing is one CSS pixel at 100%; Fit shows the whole flow in the pane
  var box = svg.viewBox.baseVal;
  var zoom = 1;
  function applyZoom() {
    svg.style.width = Math.round(box.width * zoom) + 'px';
    svg.style.height = Math.round(box.height * zoom) + 'px';
    document.body.dataset.zoom = zoom.toFixed(2);
    placeCard();
  }
  function fit() {
    var pane = document.getElementById('diagram');
    var legend = pane.querySelector('.legend');
    var width = pane.clientWidth - 24;
    var height = pane.clientHeight - (legend ? legend.offsetHeight : 0) - 24;
    zoom = Math.max(0.2, Math.min(3, width / box.width, height > 80 ? height / box.height : Infinity));
    applyZoom();
    pane.scrollTo(0, 0);
  }
  document.getElementById('zoom-in').addEventListener('click', function () { zoom = Math.min(3, zoom * 1.2); applyZoom(); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom = Math.max(0.2, zoom / 1.2); applyZoom(); });
  document.getElementById('zoom-fit').addEventListener('click', fit);
  document.getElementById('toggle-large').addEventListener('click', function () {
    var on = document.documentElement.classList.toggle('large');
    this.setAttribute('aria-pressed', String(on));
    if (on) zoom = Math.max(zoom, 1.4); else fit();
    applyZoom();
    if (selected) reveal(nodeOf(selected));
  });
  fit();
  window.addEventListener('resize', function () { if (!document.documentElement.classList.contains('large')) fit(); });

  // replay of a recorded run (or, live, of the run as it happens)
  var timer = null;
  function time(at) { return at ? at.slice(11, 19) : ''; }
  function exactTime(at) { return at ? at.slice(11, 23) : ''; }
  function describe(r) {
    switch (r.type) {
      case 'run-started': return 'run started by ' + r.by;
      case 'run-resumed': return 'resumed by ' + r.by;
      case 'run-interrupted': return 'interrupted' + (r.reason ? ' (' + r.reason + ')' : '');
      case 'step-started': return 'started';
      case 'step-finished': return 'finished';
      case 'step-failed': return 'failed: ' + (r.error ? r.error.message : '');
      case 'decision': return (states[r.state] ? titleOf(r.state) : 'decision') + ': ' + r.answer + ' (by ' + r.by + ')';
      case 'secret-supplied': return 'a secret was supplied';
      case 'run-finished': return 'run ended: ' + (r.outcome || 'unknown');
      default: return String(r.type).replace(/-/g, ' ');
    }
  }
  function outcomeOf(frame) {
    for (var i = frame.records.length - 1; i >= 0; i--) {
      var r = frame.records[i];
      if (r.type === 'step-finished' || r.type === 'step-failed' || r.type === 'decision' || r.type === 'run-finished') return describe(r);
    }
    return 'in progress';
  }
  function frameTitle(f) { return fill(f.title, f.params); }
  function showRun(key) {
    var panel = clear('details-run');
    if (!run || position < 0) { panel.hidden = true; return; }
    var frame = run.frames[position];
    if (frame.state === key) {
      panel.appendChild(el('h3', 'In this run (' + (position + 1) + ' of ' + run.frames.length + ')'));
      var list = el('ul');
      frame.records.forEach(function (r) {
        var li = el('li');
        li.appendChild(el('span', exactTime(r.at) + ' ', 'time'));
        li.appendChild(document.createTextNode(describe(r)));
        if (r.evidence && r.evidence.length) {
          var ev = el('ul');
          r.evidence.forEach(function (e) { ev.appendChild(el('li', e)); });
          li.appendChild(ev);
        }
        list.appendChild(li);
      });
      panel.appendChild(list);
    } else {
      var visits = run.frames.map(function (f, i) { return [f, i]; }).filter(function (p) { return p[0].state === key; });
      panel.appendChild(el('h3', visits.length ? 'Visited ' + visits.length + ' time(s) in this run' : 'Not visited in this run'));
      visits.forEach(function (p) {
        var b = el('button', (p[1] + 1) + '. ' + time(p[0].at) + ': ' + outcomeOf(p[0]));
        b.type = 'button';
        b.addEventListener('click', function () { stop(); go(p[1]); });
        panel.appendChild(b);
      });
    }
    panel.hidden = false;
  }
  /** The visit of a clicked state that Forward and Back move from: the one on screen, else the next after it, else the last before. */
  function anchorOn(key) {
    anchor = null;
    if (!run || !run.frames.length) return;
    var visits = [];
    run.frames.forEach(function (f, i) { if (f.state === key) visits.push(i); });
    if (!visits.length) { document.body.dataset.anchor = ''; updateButtons(); return; }
    var after = visits.filter(function (i) { return i >= position; });
    anchor = after.length ? after[0] : visits[visits.length - 1];
    document.body.dataset.anchor = String(anchor);
    updateButtons();
  }
  function from() { return anchor === null ? position : anchor; }
  function updateButtons() {
    if (!run) return;
    document.getElementById('replay-back').disabled = from() <= 0;
    document.getElementById('replay-forward').disabled = from() >= run.frames.length - 1;
  }
  function go(i) {
    if (!run || !run.frames.length) return;
    anchor = null;
    document.body.dataset.anchor = '';
    position = Math.max(0, Math.min(run.frames.length - 1, i));
    document.body.classList.add('replaying');
    document.querySelectorAll('g.node.visited, g.node.current, g.edge.taken, g.edge.last-taken').forEach(function (e) {
      e.classList.remove('visited', 'current', 'taken', 'last-taken');
    });
    for (var k = 0; k <= position; k++) {
      var f = run.frames[k];
      var g = nodeOf(f.state);
      if (g) g.classList.add('visited');
      f.edgeIds.forEach(function (id) { var e = document.getElementById(id); if (e) e.classList.add('taken'); });
    }
    var start = nodeOf('__start__');
    if (start) start.classList.add('visited');
    var frame = run.frames[position];
    var current = nodeOf(frame.state);
    if (current) current.classList.add('current');
    frame.edgeIds.forEach(function (id) { var e = document.getElementById(id); if (e) e.classList.add('last-taken'); });
    document.body.dataset.replayIndex = String(position);
    document.body.dataset.replayState = frame.state;
    document.getElementById('replay-position').textContent = (position + 1) + ' / ' + run.frames.length;
    document.getElementById('replay-now').textContent = time(frame.at) + '  ' + frameTitle(frame) + ': ' + outcomeOf(frame);
    document.querySelectorAll('#replay-timeline button.visit').forEach(function (b, n) {
      b.classList.toggle('at', n === position);
      b.classList.toggle('seen', n < position);
      if (n === position) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
    });
    var atButton = document.querySelectorAll('#replay-timeline button.visit')[position];
    if (atButton && atButton.scrollIntoView) atButton.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    updateButtons();
    if (folds[frame.state]) toggleFold(frame.state, true); else closeFolds();
    select(frame.state, true);
    if (current) reveal(current);
  }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    var play = document.getElementById('replay-play');
    if (!play) return;
    play.setAttribute('aria-pressed', 'false');
    play.textContent = '▶ Play';
  }
  // interruptions, resumes and the operator's decisions as marks on the timeline: what, who, when
  var MARKS = { 'run-interrupted': ['interrupted', '■ '], 'run-resumed': ['resumed', '▶ '], 'decision': ['decision', '? '] };
  function markText(r) {
    if (r.type === 'run-interrupted') return 'interrupted ' + time(r.at) + (r.reason ? ' (' + r.reason + ')' : '');
    if (r.type === 'run-resumed') return 'resumed by ' + r.by + ' ' + time(r.at);
    return 'decided ' + r.answer + ' by ' + r.by + ' ' + time(r.at);
  }
  function buildTimeline() {
    var timeline = clear('replay-timeline');
    run.frames.forEach(function (f, i) {
      var li = el('li');
      var b = el('button', (i + 1) + '. ' + frameTitle(f), 'visit');
      b.type = 'button';
      b.title = time(f.at) + ' ' + outcomeOf(f);
      b.addEventListener('click', function () { stop(); go(i); });
      li.appendChild(b);
      f.records.forEach(function (r) {
        var m = MARKS[r.type];
        if (!m) return;
        var mark = el('span', m[1] + markText(r), 'mark mark-' + m[0]);
        mark.dataset.at = r.at;
        if (r.by) mark.dataset.by = r.by;
        li.appendChild(mark);
      });
      timeline.appendChild(li);
    });
    document.getElementById('replay-position').textContent = run.frames.length ? (position + 1) + ' / ' + run.frames.length : 'no states recorded yet';
  }
  if (run) {
    buildTimeline();
    document.getElementById('replay-back').addEventListener('click', function () { stop(); go(from() - 1); });
    document.getElementById('replay-forward').addEventListener('click', function () { stop(); go(from() + 1); });
    document.getElementById('replay-play').addEventListener('click', function () {
      if (timer) { stop(); return; }
      if (position >= run.frames.length - 1) go(0);
      this.setAttribute('aria-pressed', 'true');
      this.textContent = '❚❚ Pause';
      timer = setInterval(function () {
        if (position >= run.frames.length - 1) { stop(); return; }
        go(position + 1);
      }, 1400);
    });
    if (run.frames.length) go(data.live ? run.frames.length - 1 : 0);
  }
  if (!run || !run.frames.length) {
    var first = data.states.filter(function (s) { return s.initial; })[0] || data.states[0];
    if (first) select(first.key);
  }

  // live: poll the run every second; follow it while the view is on its latest state
  if (data.live && run) {
    var status = document.getElementById('live-status');
    var busy = false;
    var poll = function () {
      if (busy) return;
      busy = true;
      fetch(data.live.poll, { cache: 'no-store', credentials: 'omit' }).then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      }).then(function (next) {
        var following = position < 0 || position >= run.frames.length - 1;
        var grew = next.frames.length !== run.frames.length || JSON.stringify(next.frames[next.frames.length - 1] || null) !== JSON.stringify(run.frames[run.frames.length - 1] || null);
        run = next;
        if (grew) {
          buildTimeline();
          if (following || position >= run.frames.length) go(run.frames.length - 1); else go(position);
        }
        status.textContent = 'live · ' + new Date().toTimeString().slice(0, 8);
        status.classList.remove('lost');
        document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
      }).catch(function () {
        status.textContent = 'live view disconnected';
        status.classList.add('lost');
      }).then(function () { busy = false; });
    };
    setInterval(poll, 1000);
    poll();
  }
  document.body.dataset.ready = 'true';
})();
`;
