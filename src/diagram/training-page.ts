import type { RunbookDefinition, StateMeta } from '../runbook/define.js';
import type { TimedRecord } from '../journal/records.js';
import { runbookGraph, type GraphEdge, type RunbookGraph } from './graph.js';
import { START_ID, toDot } from './dot.js';
import { renderSvg } from './svg.js';

/**
 * The offline training page: one HTML file with the flow as SVG, a side panel with each state's
 * instructions, commands and warnings, and (given a run's journal) a replay of that run. Inline
 * CSS and JS, data in a JSON script element, a Content-Security-Policy that forbids any network.
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
    const frame = { state, title: title ?? titles.get(state) ?? state, at: record.at, records: [...pending, pageRecord(record)], edgeIds: [] as string[], ...(attemptId ? { attemptId } : {}) };
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

/** The whole page. `runId` only labels the replay. */
export async function trainingPage(
  runbook: Pick<RunbookDefinition, 'id' | 'title' | 'summary' | 'machine'>,
  journal?: TimedRecord[],
  options: { runId?: string } = {},
): Promise<string> {
  const graph = runbookGraph(runbook);
  const svg = await renderSvg(toDot(graph), { inline: true });
  const data = {
    runbook: { id: runbook.id, title: runbook.title, summary: runbook.summary },
    states: graph.nodes.map((n) => pageState(n.key, n.meta, n.initial)),
    edges: [
      ...(graph.initial ? [{ id: 'edge-start', from: START_ID, to: graph.initial, label: 'start' }] : []),
      ...graph.edges.map((e) => ({ id: e.id, from: e.from, to: e.to, label: e.label })),
    ],
    run: journal ? { id: options.runId ?? null, frames: replayFrames(graph, journal) } : null,
  };
  return page(runbook.title, runbook.summary, svg, data, Boolean(journal));
}

function page(title: string, summary: string, svg: string, data: unknown, replay: boolean): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${html(title)}: training</title>
<style>${CSS}</style>
</head>
<body class="${replay ? 'has-replay' : 'no-replay'}">
<header>
  <div class="heading">
    <h1>${html(title)}</h1>
    <p class="summary">${html(summary)}</p>
  </div>
  <div class="toolbar" role="toolbar" aria-label="view">
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
      <li><span class="key k-decision"></span>after a failure</li>
      <li><span class="key k-final"></span>end</li>
    </ul>
    <div id="svg-wrap">${svg}</div>
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
#svg-wrap { padding: .5rem; }
#svg-wrap svg { display: block; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; list-style: none; margin: 0; padding: .35rem .8rem; font-size: .8rem; color: var(--muted);
  position: sticky; top: 0; left: 0; background: #fff; border-bottom: 1px solid #edf2f7; z-index: 1; }
.legend li { display: flex; align-items: center; gap: .35rem; }
.key { display: inline-block; width: 1.6em; height: .95em; border: 1.5px solid; background: #e8f0fe; border-color: #1e4e8c; border-radius: 3px; }
.k-manual { background: #fff8e1; border-color: #8a6d00; border-style: dashed; }
.k-destructive { background: #fde2e1; border-color: #c62828; border-style: double; border-width: 4px; border-radius: 0; }
.k-prompt { background: #fff3cd; border-color: #8a6d00; clip-path: polygon(20% 0, 80% 0, 100% 50%, 80% 100%, 20% 100%, 0 50%); }
.k-decision { background: #f3e8fd; border-color: #6b3fa0; width: 1em; height: 1em; transform: rotate(45deg) scale(.8); border-radius: 0; }
.k-final { background: #e3f5e1; border-color: #2e7d32; border-radius: 50%; }
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
#replay-timeline button { font-size: .72rem; padding: .1rem .4rem; white-space: nowrap; }
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
@media (max-width: 900px) {
  body { height: auto; display: block; }
  main { display: block; }
  #diagram { max-height: 70vh; }
  #details { border-left: 0; border-top: 1px solid var(--line); }
  header { flex-wrap: wrap; }
}
@media print { footer#replay, .toolbar { display: none; } body { display: block; } #diagram { overflow: visible; } }
`;

/* The page's behaviour, plain ES2020 for the browser. No network, no eval. */
const SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('runbook-data').textContent);
  var states = {};
  data.states.forEach(function (s) { states[s.key] = s; });
  var svg = document.querySelector('#svg-wrap svg');
  var nodeOf = function (key) { return document.getElementById('state-' + key); };
  var kindNames = { step: 'Step', prompt: 'Asks the operator', decision: 'Decision after a failure', final: 'End of the run', state: 'State' };
  var selected = null;

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function clear(id) { var e = document.getElementById(id); while (e.firstChild) e.removeChild(e.firstChild); return e; }
  function section(id, show) { document.getElementById(id).hidden = !show; }

  // make every state focusable and operable from the keyboard
  var order = [];
  data.states.forEach(function (s) {
    var g = nodeOf(s.key);
    if (!g) return;
    order.push(g);
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('aria-label', kindNames[s.kind] + ': ' + s.title);
    g.dataset.state = s.key;
    g.addEventListener('click', function () { select(s.key); });
    g.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); select(s.key); }
      var i = order.indexOf(g);
      if (event.key === 'ArrowDown' || event.key === 'ArrowRight') { event.preventDefault(); order[Math.min(order.length - 1, i + 1)].focus(); }
      if (event.key === 'ArrowUp' || event.key === 'ArrowLeft') { event.preventDefault(); order[Math.max(0, i - 1)].focus(); }
    });
  });

  function select(key, fromReplay) {
    var s = states[key];
    if (!s) return;
    if (selected) { var old = nodeOf(selected); if (old) old.classList.remove('selected'); }
    selected = key;
    var g = nodeOf(key);
    if (g) g.classList.add('selected');
    document.body.dataset.selected = key;
    document.getElementById('details-kind').textContent = kindNames[s.kind] || s.kind;
    document.getElementById('details-title').textContent = s.title;
    var warnings = clear('details-warnings');
    s.warnings.forEach(function (w) { warnings.appendChild(el('li', w, /^Destructive/.test(w) ? 'destructive' : '')); });
    var instructions = clear('details-instructions');
    if (s.instructions.length) instructions.appendChild(el('p', s.instructions.join(' ')));
    var commands = clear('details-commands');
    s.commands.forEach(function (c) { var pre = el('pre'); pre.appendChild(el('code', c)); commands.appendChild(pre); });
    section('details-commands-section', s.commands.length > 0);
    var choices = clear('details-choices');
    s.choices.forEach(function (c) { choices.appendChild(el('li', c)); });
    section('details-choices-section', s.choices.length > 0);
    var facts = clear('details-facts');
    s.facts.forEach(function (f) { facts.appendChild(el('li', f)); });
    var next = clear('details-next');
    data.edges.filter(function (e) { return e.from === key; }).forEach(function (e) {
      var li = el('li');
      var b = el('button', e.label + ' → ' + (states[e.to] ? states[e.to].title : e.to));
      b.type = 'button';
      b.addEventListener('click', function () { select(e.to); var t = nodeOf(e.to); if (t) t.focus(); });
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

  // zoom: one unit of the drawing is one CSS pixel at 100%
  var box = svg.viewBox.baseVal;
  var zoom = 1;
  function applyZoom() {
    svg.style.width = Math.round(box.width * zoom) + 'px';
    svg.style.height = Math.round(box.height * zoom) + 'px';
    document.body.dataset.zoom = zoom.toFixed(2);
  }
  document.getElementById('zoom-in').addEventListener('click', function () { zoom = Math.min(3, zoom * 1.2); applyZoom(); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom = Math.max(0.2, zoom / 1.2); applyZoom(); });
  document.getElementById('zoom-fit').addEventListener('click', function () {
    var pane = document.getElementById('svg-wrap');
    zoom = Math.max(0.2, (pane.clientWidth - 16) / box.width);
    applyZoom();
  });
  document.getElementById('toggle-large').addEventListener('click', function () {
    var on = document.documentElement.classList.toggle('large');
    this.setAttribute('aria-pressed', String(on));
    zoom = on ? Math.max(zoom, 1.4) : 1;
    applyZoom();
    if (selected) reveal(nodeOf(selected));
  });
  applyZoom();

  // replay of a recorded run
  var run = data.run;
  var position = -1;
  var timer = null;
  function time(at) { return at ? at.slice(11, 23) : ''; }
  function describe(r) {
    switch (r.type) {
      case 'run-started': return 'run started by ' + r.by;
      case 'run-resumed': return 'resumed by ' + r.by;
      case 'run-interrupted': return 'interrupted';
      case 'step-started': return 'started';
      case 'step-finished': return 'finished';
      case 'step-failed': return 'failed: ' + (r.error ? r.error.message : '');
      case 'decision': return (r.question || 'decision') + ': ' + r.answer + ' (by ' + r.by + ')';
      case 'secret-supplied': return 'a secret was supplied';
      case 'run-finished': return 'run ended: ' + (r.outcome || 'unknown');
      default: return r.type;
    }
  }
  function outcomeOf(frame) {
    for (var i = frame.records.length - 1; i >= 0; i--) {
      var r = frame.records[i];
      if (r.type === 'step-finished' || r.type === 'step-failed' || r.type === 'decision' || r.type === 'run-finished') return describe(r);
    }
    return 'in progress';
  }
  function showRun(key) {
    var box = clear('details-run');
    if (!run || position < 0) { box.hidden = true; return; }
    var frame = run.frames[position];
    if (frame.state === key) {
      box.appendChild(el('h3', 'In this run (' + (position + 1) + ' of ' + run.frames.length + ')'));
      if (frame.title !== states[key].title) box.appendChild(el('p', frame.title));
      var list = el('ul');
      frame.records.forEach(function (r) {
        var li = el('li');
        li.appendChild(el('span', time(r.at) + ' ', 'time'));
        li.appendChild(document.createTextNode(describe(r)));
        if (r.evidence && r.evidence.length) {
          var ev = el('ul');
          r.evidence.forEach(function (e) { ev.appendChild(el('li', e)); });
          li.appendChild(ev);
        }
        list.appendChild(li);
      });
      box.appendChild(list);
    } else {
      var visits = run.frames.map(function (f, i) { return [f, i]; }).filter(function (p) { return p[0].state === key; });
      box.appendChild(el('h3', visits.length ? 'Visited ' + visits.length + ' time(s) in this run' : 'Not visited in this run'));
      visits.forEach(function (p) {
        var b = el('button', (p[1] + 1) + '. ' + time(p[0].at) + ': ' + outcomeOf(p[0]));
        b.type = 'button';
        b.addEventListener('click', function () { go(p[1]); });
        box.appendChild(b);
      });
    }
    box.hidden = false;
  }
  function go(i) {
    if (!run || !run.frames.length) return;
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
    document.getElementById('replay-now').textContent = time(frame.at) + '  ' + frame.title + ': ' + outcomeOf(frame);
    document.querySelectorAll('#replay-timeline button').forEach(function (b, n) {
      b.classList.toggle('at', n === position);
      b.classList.toggle('seen', n < position);
      if (n === position) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
    });
    var atButton = document.querySelectorAll('#replay-timeline button')[position];
    if (atButton && atButton.scrollIntoView) atButton.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    document.getElementById('replay-back').disabled = position === 0;
    document.getElementById('replay-forward').disabled = position === run.frames.length - 1;
    select(frame.state, true);
    if (current) reveal(current);
  }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    var play = document.getElementById('replay-play');
    play.setAttribute('aria-pressed', 'false');
    play.textContent = '▶ Play';
  }
  if (run) {
    var timeline = document.getElementById('replay-timeline');
    run.frames.forEach(function (f, i) {
      var li = el('li');
      var b = el('button', (i + 1) + '. ' + f.title);
      b.type = 'button';
      b.title = time(f.at) + ' ' + outcomeOf(f);
      b.addEventListener('click', function () { stop(); go(i); });
      li.appendChild(b);
      timeline.appendChild(li);
    });
    document.getElementById('replay-back').addEventListener('click', function () { stop(); go(position - 1); });
    document.getElementById('replay-forward').addEventListener('click', function () { stop(); go(position + 1); });
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
    document.getElementById('replay-position').textContent = run.frames.length ? '0 / ' + run.frames.length : 'no states recorded';
    if (run.frames.length) go(0);
  } else if (data.states.length) {
    var first = data.states.filter(function (s) { return s.initial; })[0] || data.states[0];
    select(first.key);
  }
  document.body.dataset.ready = 'true';
})();
`;
