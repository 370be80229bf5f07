import type { GraphEdge, GraphNode, RunbookGraph } from './graph.js';
import { filledGraph, foldGraph, type Detail, type FoldedGraph } from './fold.js';

/**
 * The graph as a Mermaid flowchart (GitHub renders it in Markdown). Shapes: steps are boxes,
 * operator prompts hexagons, failure decisions diamonds, ends stadiums. Destructive steps are
 * red with a thick border and "⚠ … DESTRUCTIVE", manual steps dashed and marked "manual"; failures
 * are dotted arrows.
 */

export const MERMAID_START = '__start__';

const RESERVED = new Set(['end', 'graph', 'subgraph', 'flowchart', 'style', 'class', 'classdef', 'click', 'linkstyle', 'default', 'direction', 'call', 'href']);

export function mermaidId(key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !RESERVED.has(key.toLowerCase())) return key;
  return `s_${key.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`;
}

/**
 * `detail: 'folded'` (the default): the happy path as a spine, each step's failure decision folded
 * into the step's label ("on failure: retry ≤3 / skip / abort"), the abort end drawn once with no
 * edges into it, placeholders in their readable generic form. `full`: every state and transition.
 */
export function toMermaid(full: RunbookGraph, options: { detail?: Detail } = {}): string {
  const folded = options.detail === 'full' ? null : foldGraph(filledGraph(full));
  const graph = folded ? { ...folded.graph, nodes: folded.nodes, edges: folded.edges } : full;
  const lines = ['flowchart TD', `  %% ${oneLine(graph.title)} (${oneLine(graph.id)})`];
  if (graph.initial) lines.push(`  ${MERMAID_START}(("start")):::start --> ${mermaidId(graph.initial)}`);
  for (const node of graph.nodes) lines.push(`  ${mermaidId(node.key)}${shape(folded ? foldedNode(node, folded) : node)}`);
  // the spine first, so Mermaid lays it out as the straight main line
  const spine = new Set(folded ? folded.spine.slice(1).map((to, i) => `${folded.spine[i]}>${to}`) : []);
  const ordered = [...graph.edges.filter((e) => spine.has(`${e.from}>${e.to}`)), ...graph.edges.filter((e) => !spine.has(`${e.from}>${e.to}`))];
  for (const edge of ordered) {
    const label = folded && edge.label === 'done' ? '' : `|"${text(edge.label)}"|`;
    lines.push(`  ${mermaidId(edge.from)} ${arrow(edge)}${label} ${mermaidId(edge.to)}`);
  }
  lines.push(
    '  classDef start fill:#1a202c,stroke:#1a202c,color:#ffffff',
    '  classDef step fill:#e8f0fe,stroke:#1e4e8c,color:#111111',
    '  classDef manual fill:#fff8e1,stroke:#8a6d00,stroke-width:2px,stroke-dasharray:6 4',
    '  classDef destructive fill:#fde2e1,stroke:#c62828,stroke-width:4px,color:#7f1010',
    '  classDef prompt fill:#fff3cd,stroke:#8a6d00,color:#111111',
    '  classDef decision fill:#f3e8fd,stroke:#6b3fa0,color:#111111',
    '  classDef final fill:#eceff1,stroke:#455a64,stroke-width:2px,color:#111111',
    '  classDef success fill:#e3f5e1,stroke:#2e7d32',
    '  classDef handedOver fill:#fff3e0,stroke:#e65100',
  );
  const classes = new Map<string, string[]>();
  const add = (name: string, node: GraphNode) => classes.set(name, [...(classes.get(name) ?? []), mermaidId(node.key)]);
  for (const node of graph.nodes) {
    if (node.kind !== 'state') add(node.kind, node);
    if (node.manual) add('manual', node);
    if (node.destructive) add('destructive', node);
    if (node.outcome === 'success' || node.outcome === 'nothing-to-do') add('success', node);
    if (node.outcome === 'handed-over') add('handedOver', node);
  }
  for (const [name, ids] of classes) lines.push(`  class ${ids.join(',')} ${name}`);
  return `${lines.join('\n')}\n`;
}

/** A drawn node of the folded graph: its failure handling and abort folded into its marks. */
function foldedNode(node: GraphNode, folded: FoldedGraph): GraphNode {
  const marks = [...node.marks];
  const failure = folded.failures.get(node.key);
  if (failure) marks.push(`on failure: ${failure.summary}`);
  for (const edge of folded.aborts.get(node.key) ?? []) marks.push(`${edge.trigger}: abort`);
  if (folded.abortEnds.has(node.key)) marks.push('any step can abort');
  return { ...node, marks };
}

function shape(node: GraphNode): string {
  const warning = node.destructive ? '⚠ ' : '';
  const body = `"${warning}${text(node.label)}${node.marks.length ? `<br/><small>${node.marks.map(text).join('<br/>')}</small>` : ''}"`;
  switch (node.kind) {
    case 'prompt':
      return `{{${body}}}`;
    case 'decision':
      return `{${body}}`;
    case 'final':
      return `([${body}])`;
    case 'state':
      return `(${body})`;
    default:
      return `[${body}]`;
  }
}

function arrow(edge: GraphEdge): string {
  return edge.kind === 'failed' ? '-.->' : '-->';
}

/** Text inside a quoted Mermaid label: quotes, angle brackets and # as entities, one line. */
function text(value: string): string {
  return oneLine(value).replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}
