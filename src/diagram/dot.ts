import type { GraphEdge, GraphNode, RunbookGraph } from './graph.js';
import { filledGraph, foldGraph, type Detail, type FoldedGraph } from './fold.js';

/**
 * The graph in Graphviz DOT. Node and edge ids are predictable in the SVG Graphviz makes from it
 * (`<g id="state-<key>">`, `<g id="edge-<n>">`) and carry CSS classes (`step destructive manual`,
 * `edge-failed`), so a page can find and highlight them.
 *
 * Destructive steps: red, double border. Manual steps: dashed border. Operator prompts: hexagons.
 * Failure decisions: diamonds under their step. Ends: ellipses coloured by outcome.
 */

export const START_ID = 'state-__start__';

const FONT = 'Helvetica,Arial,sans-serif';

export interface DotOptions {
  /** `folded` (default): the spine with failure handling folded into each step; `full`: every state and transition. */
  detail?: Detail;
  /**
   * For the training page (folded only): each failure decision is a small node beside its step
   * (`<g id="state-<decision>" class="… fold">`, joined by `<g id="fold-edge-<step>">`), to expand on click.
   */
  page?: boolean;
  /** Values for placeholders (a run's); the rest get their readable generic form. */
  values?: Record<string, string>;
}

export function toDot(graph: RunbookGraph, options: DotOptions = {}): string {
  if (options.detail === 'full') return fullDot(graph);
  return foldedDot(foldGraph(filledGraph(graph, options.values)), Boolean(options.page));
}

/** Every state and transition: decisions as diamonds, every abort an edge. */
function fullDot(graph: RunbookGraph): string {
  const lines: string[] = [];
  lines.push(`digraph ${q(graph.id)} {`);
  lines.push(`  graph [id=${q(`graph-${graph.id}`)}, rankdir=TB, fontname=${q(FONT)}, nodesep=0.3, ranksep=0.42, pad=0.2, bgcolor="transparent"];`);
  lines.push(`  node [fontname=${q(FONT)}, fontsize=12, margin="0.14,0.06", penwidth=1.2];`);
  lines.push(`  edge [fontname=${q(FONT)}, fontsize=11, arrowsize=0.7, color="#4a5568", fontcolor="#2d3748"];`);
  if (graph.initial) {
    lines.push(`  "__start__" [id=${q(START_ID)}, class="start", shape=circle, label="", width=0.22, style=filled, fillcolor="#1a202c", color="#1a202c"];`);
  }
  for (const node of graph.nodes) lines.push(`  ${q(node.key)} [${attributes(nodeAttributes(node))}];`);
  // the operator's abort is drawn from everywhere: its end goes to the bottom, out of the way
  const aborted = graph.nodes.filter((n) => n.outcome === 'aborted');
  if (aborted.length) lines.push(`  { rank=sink; ${aborted.map((n) => q(n.key)).join('; ')}; }`);
  if (graph.initial) lines.push(`  "__start__" -> ${q(graph.initial)} [id="edge-start", class="edge-start"];`);
  for (const edge of graph.edges) lines.push(`  ${q(edge.from)} -> ${q(edge.to)} [${attributes(edgeAttributes(edge))}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function foldedDot(folded: FoldedGraph, page: boolean): string {
  const { graph, spine } = folded;
  const onSpine = new Set(spine);
  const lines: string[] = [];
  lines.push(`digraph ${q(graph.id)} {`);
  lines.push(
    `  graph [id=${q(`graph-${graph.id}`)}, rankdir=TB, fontname=${q(FONT)}, nodesep=0.2, ranksep=0.22, pad=0.12, bgcolor="transparent", newrank=true, forcelabels=true];`,
  );
  lines.push(`  node [fontname=${q(FONT)}, fontsize=14, margin="0.1,0.04", penwidth=1.2, height=0.3];`);
  lines.push(`  edge [fontname=${q(FONT)}, fontsize=12, arrowsize=0.7, color="#4a5568", fontcolor="#2d3748"];`);
  if (graph.initial) {
    lines.push(`  "__start__" [id=${q(START_ID)}, class="start", shape=circle, label="", width=0.18, style=filled, fillcolor="#1a202c", color="#1a202c", group="spine"];`);
  }
  for (const node of folded.nodes) {
    const notes: string[] = [];
    const failure = folded.failures.get(node.key);
    if (failure && !page) notes.push(`on failure: ${failure.summary}`);
    for (const edge of folded.aborts.get(node.key) ?? []) notes.push(`${edge.trigger}: abort`);
    if (folded.abortEnds.has(node.key)) notes.push('any step can abort');
    const marks = [...node.marks.filter((m) => !m.startsWith('end: ') && m !== 'asks the operator'), ...notes];
    const attrs = nodeAttributes({ ...node, marks: [] }, 28);
    delete attrs.label;
    if (onSpine.has(node.key)) attrs.group = 'spine';
    if (node.kind === 'final') Object.assign(attrs, { shape: 'box', style: 'rounded,filled,bold' });
    if (node.kind === 'prompt') attrs.margin = '0.04,0.02';
    lines.push(`  ${q(node.key)} [${attributes(attrs)}, label=${htmlLabel(wrap(node.label, node.kind === 'final' ? 20 : 26), marks)}];`);
  }
  if (page) {
    for (const failure of folded.failures.values()) {
      const classes = `state decision fold fold-of-${failure.step}`;
      lines.push(
        `  ${q(failure.decision)} [${attributes({ id: `state-${failure.decision}`, class: classes, shape: 'box', style: 'rounded,filled,dashed', fillcolor: '#f3e8fd', color: '#6b3fa0', fontcolor: '#3b1f5e', fontsize: 12, margin: '0.05,0.02', height: 0.2 })}, label=${htmlLabel([`if it fails ▸ ${failure.summary}`], [])}];`,
      );
      lines.push(`  { rank=same; ${q(failure.step)}; ${q(failure.decision)}; }`);
      lines.push(`  ${q(failure.step)} -> ${q(failure.decision)} [id=${q(`fold-edge-${failure.step}`)}, class="transition edge-failed fold-edge", arrowhead=none, style=dashed, color="#6b3fa0", minlen=1];`);
    }
  }
  // the abort end: once, beside the spine's end, with nothing drawn into it
  const last = spine.at(-1);
  if (folded.abortEnds.size) lines.push(`  { rank=same; ${[...(last ? [last] : []), ...folded.abortEnds].map(q).join('; ')}; }`);
  if (graph.initial) lines.push(`  "__start__" -> ${q(graph.initial)} [id="edge-start", class="edge-start", weight=10];`);
  for (const edge of folded.edges) {
    const attrs = edgeAttributes(edge);
    const spineEdge = onSpine.has(edge.from) && onSpine.has(edge.to) && spine.indexOf(edge.to) === spine.indexOf(edge.from) + 1;
    // the readable part only: "healthy" rather than "done [healthy]"; an unmarked arrow on the spine means "done"
    const label = edge.kind === 'done' && edge.guard ? wrap(edge.guard, 18).join('\n') : edge.label === 'done' ? '' : wrap(edge.label, 18).join('\n');
    delete attrs.label;
    // external labels, placed after the layout, so they cost no rank of their own; the spine's
    // own arrows stay unlabelled (the page lists every condition under "Where it goes next")
    if (label && !(page && spineEdge)) attrs.xlabel = label;
    if (spineEdge) {
      attrs.weight = 10;
      attrs.class += ' spine';
    }
    if (folded.back.has(`${edge.from}>${edge.to}`) || edge.self) attrs.constraint = 'false';
    lines.push(`  ${q(edge.from)} -> ${q(edge.to)} [${attributes(attrs)}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function nodeAttributes(node: GraphNode, width = 24): Record<string, string | number> {
  const text = [...wrap(node.label, node.kind === 'decision' ? 16 : width), ...node.marks];
  const classes = ['state', node.kind, node.destructive ? 'destructive' : '', node.manual ? 'manual' : '', node.idempotent ? '' : 'not-idempotent', node.outcome ? `outcome-${node.outcome}` : '']
    .filter(Boolean)
    .join(' ');
  const common = { id: `state-${node.key}`, class: classes, label: text.join('\n') };
  switch (node.kind) {
    case 'step':
      if (node.destructive) {
        return { ...common, shape: 'box', style: node.manual ? 'filled,dashed,bold' : 'filled,bold', peripheries: 2, fillcolor: '#fde2e1', color: '#c62828', fontcolor: '#7f1010', penwidth: 2 };
      }
      if (node.manual) return { ...common, shape: 'box', style: 'rounded,filled,dashed', fillcolor: '#fff8e1', color: '#8a6d00', penwidth: 1.6 };
      return { ...common, shape: 'box', style: 'rounded,filled', fillcolor: '#e8f0fe', color: '#1e4e8c' };
    case 'prompt':
      return { ...common, shape: 'hexagon', style: 'filled', fillcolor: '#fff3cd', color: '#8a6d00', penwidth: 1.6, margin: '0.02,0.02' };
    case 'decision':
      return { ...common, shape: 'diamond', style: 'filled', fillcolor: '#f3e8fd', color: '#6b3fa0', fontsize: 10, margin: '0.02,0.02' };
    case 'final': {
      const [fill, line] = OUTCOME_COLOURS[node.outcome ?? 'aborted'];
      return { ...common, shape: 'ellipse', style: 'filled,bold', fillcolor: fill, color: line };
    }
    default:
      return { ...common, shape: 'box', style: 'rounded' };
  }
}

const OUTCOME_COLOURS: Record<string, [string, string]> = {
  success: ['#e3f5e1', '#2e7d32'],
  'nothing-to-do': ['#e3f5e1', '#2e7d32'],
  'handed-over': ['#fff3e0', '#e65100'],
  aborted: ['#eceff1', '#455a64'],
};

function edgeAttributes(edge: GraphEdge): Record<string, string | number> {
  const common = { id: edge.id, class: `transition edge-${edge.kind}`, label: edge.guard ? `${edge.trigger}\n[${edge.guard}]` : edge.trigger };
  switch (edge.kind) {
    case 'failed':
      return { ...common, color: '#c62828', fontcolor: '#c62828', style: 'dashed' };
    case 'operator':
      return { ...common, color: '#6b3fa0', fontcolor: '#4a2a75' };
    default:
      return common;
  }
}

/** Breaks a label into lines of about `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A Graphviz HTML-like label: the title lines, then smaller marks. */
function htmlLabel(title: string[], marks: string[]): string {
  const e = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const small = marks.length ? `<BR/><FONT POINT-SIZE="11">${marks.map(e).join('<BR/>')}</FONT>` : '';
  return `<${title.map(e).join('<BR/>')}${small}>`;
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? v : q(v)}`)
    .join(', ');
}

/** A DOT double-quoted string; backslashes are literal (no \N, \G escapes), newlines become line breaks. */
function q(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}
