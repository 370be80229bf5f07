import type { GraphEdge, GraphNode, RunbookGraph } from './graph.js';

/**
 * The graph as a person reads it: the happy path as a spine, each step's failure decision folded
 * into that step ("on failure: retry ≤3 / skip / abort"), and the abort end drawn once with no
 * edges into it (every edge into it is folded into the state it leaves from).
 *
 * Generic rules, no runbook named:
 * - a decision state with a `stepId` is that step's failure decision: it is folded into the step;
 * - a final state whose outcome is `aborted` is an abort end: edges into it are folded;
 * - the spine is the longest path from the initial state to a success end (or any end) over the
 *   forward edges of the remaining graph; a pure detour (one way in, one way out, and a direct
 *   edge that bypasses it) counts for nothing, so a conditional side trip stays beside the spine.
 */

export type Detail = 'folded' | 'full';
export const DETAILS: readonly Detail[] = ['folded', 'full'];

export interface FoldedChoice {
  kind: 'retry' | 'skip' | 'abort' | 'other';
  /** "retry", "skip", "abort". */
  trigger: string;
  to: string;
  edge: GraphEdge;
}

export interface FoldedFailure {
  /** The decision state's key. */
  decision: string;
  step: string;
  /** The edges from the step (or elsewhere) into the decision. */
  into: GraphEdge[];
  choices: FoldedChoice[];
  maxAttempts: number | null;
  /** "retry ≤3 / skip / abort". */
  summary: string;
}

export interface FoldedGraph {
  graph: RunbookGraph;
  /** The happy path, in order (state keys). */
  spine: string[];
  /** The nodes to draw: every node but the folded decisions. */
  nodes: GraphNode[];
  /** The edges to draw: none into or out of a folded decision, none into an abort end. */
  edges: GraphEdge[];
  /** Folded failure decisions by step key. */
  failures: Map<string, FoldedFailure>;
  /** Edges into an abort end from a state that is not a folded decision (e.g. a cancelled confirmation), by source. */
  aborts: Map<string, GraphEdge[]>;
  abortEnds: Set<string>;
  /** Decision key -> its step. */
  foldedInto: Map<string, string>;
  /** Drawn edges that go back up the flow (`from>to`): drawn without pulling the layout. */
  back: Set<string>;
}

export function foldGraph(graph: RunbookGraph): FoldedGraph {
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  const abortEnds = new Set(graph.nodes.filter((n) => n.kind === 'final' && n.outcome === 'aborted').map((n) => n.key));
  const foldedInto = new Map<string, string>();
  for (const node of graph.nodes) {
    if (node.kind === 'decision' && node.stepId && byKey.get(node.stepId)?.kind === 'step') foldedInto.set(node.key, node.stepId);
  }
  const failures = new Map<string, FoldedFailure>();
  for (const [decision, step] of foldedInto) {
    const maxAttempts = (byKey.get(step)?.meta as { maxAttempts?: number } | undefined)?.maxAttempts ?? null;
    const choices: FoldedChoice[] = graph.edges
      .filter((e) => e.from === decision)
      .map((edge) => ({
        kind: edge.to === step ? 'retry' : abortEnds.has(edge.to) ? 'abort' : edge.trigger === 'skip' ? 'skip' : 'other',
        trigger: edge.trigger,
        to: edge.to,
        edge,
      }));
    const summary = choices
      .map((c) => (c.kind === 'retry' && maxAttempts ? `retry ≤${maxAttempts}` : c.kind === 'skip' || c.kind === 'abort' || c.kind === 'retry' ? c.kind : `${c.trigger}`))
      .join(' / ');
    failures.set(step, { decision, step, into: graph.edges.filter((e) => e.to === decision), choices, maxAttempts, summary });
  }
  const aborts = new Map<string, GraphEdge[]>();
  for (const edge of graph.edges) {
    if (abortEnds.has(edge.to) && !foldedInto.has(edge.from)) aborts.set(edge.from, [...(aborts.get(edge.from) ?? []), edge]);
  }
  const nodes = graph.nodes.filter((n) => !foldedInto.has(n.key));
  const edges = graph.edges.filter((e) => !foldedInto.has(e.from) && !foldedInto.has(e.to) && !abortEnds.has(e.to));
  const { spine, back } = spineOf(graph, nodes, edges);
  return { graph, spine, nodes, edges, failures, aborts, abortEnds, foldedInto, back };
}

/** Longest path from the initial state to an end over forward edges (back edges found by a depth-first walk). */
function spineOf(graph: RunbookGraph, nodes: GraphNode[], edges: GraphEdge[]): { spine: string[]; back: Set<string> } {
  const back = new Set<string>();
  if (!graph.initial || !nodes.some((n) => n.key === graph.initial)) return { spine: [], back };
  const out = new Map<string, string[]>();
  for (const e of edges) if (!e.self) out.set(e.from, [...new Set([...(out.get(e.from) ?? []), e.to])]);
  const into = new Map<string, Set<string>>();
  for (const e of edges) if (!e.self) into.set(e.to, new Set([...(into.get(e.to) ?? []), e.from]));
  // forward edges: a depth-first walk in declaration order; an edge to a state on the stack goes back
  const forward = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const walk = (key: string) => {
    state.set(key, 'open');
    for (const to of out.get(key) ?? []) {
      if (state.get(to) === 'open') {
        back.add(`${key}>${to}`);
        continue;
      }
      forward.set(key, [...(forward.get(key) ?? []), to]);
      if (!state.has(to)) walk(to);
    }
    state.set(key, 'done');
  };
  walk(graph.initial);
  const kind = new Map(nodes.map((n) => [n.key, n]));
  const detour = (key: string) => {
    const ins = [...(into.get(key) ?? [])];
    const outs = out.get(key) ?? [];
    return ins.length === 1 && outs.length === 1 && (out.get(ins[0]!) ?? []).includes(outs[0]!);
  };
  const hasSuccess = nodes.some((n) => n.kind === 'final' && (n.outcome === 'success' || n.outcome === 'nothing-to-do'));
  const isGoal = (key: string) => {
    const n = kind.get(key);
    if (!n || n.kind !== 'final') return false;
    return hasSuccess ? n.outcome === 'success' || (n.outcome === 'nothing-to-do' && !nodes.some((m) => m.outcome === 'success')) : true;
  };
  // score: states that count (not pure detours), then fewer states; memoised over the forward DAG
  const best = new Map<string, { score: number; length: number; path: string[] } | null>();
  const longest = (key: string): { score: number; length: number; path: string[] } | null => {
    if (best.has(key)) return best.get(key)!;
    best.set(key, null);
    let result: { score: number; length: number; path: string[] } | null = isGoal(key) ? { score: 1, length: 1, path: [key] } : null;
    for (const to of forward.get(key) ?? []) {
      const rest = longest(to);
      if (!rest) continue;
      const candidate = { score: rest.score + (detour(key) ? 0 : 1), length: rest.length + 1, path: [key, ...rest.path] };
      if (!result || candidate.score > result.score || (candidate.score === result.score && candidate.length < result.length)) result = candidate;
    }
    best.set(key, result);
    return result;
  };
  return { spine: longest(graph.initial)?.path ?? [graph.initial], back };
}

/** The placeholder syntax of runbook texts (as fillTemplate reads it). */
export const PLACEHOLDER = /\{([A-Za-z0-9_.]+)\}/g;

/**
 * A readable stand-in for every placeholder name in the graph's texts: "the server"; "each
 * connector" for a name in the title of a step that repeats itself (the per-item loop).
 */
export function genericPlaceholders(graph: RunbookGraph): Record<string, string> {
  const looping = new Set(graph.edges.filter((e) => e.self).map((e) => e.from));
  const names: Record<string, string> = {};
  const texts = (n: GraphNode): string[] => {
    const meta = n.meta as unknown as Record<string, unknown> | undefined;
    if (!meta) return [n.title];
    const strings: string[] = [];
    const collect = (value: unknown) => {
      if (typeof value === 'string') strings.push(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(meta);
    return strings;
  };
  for (const node of graph.nodes) {
    const inTitle = new Set([...node.title.matchAll(PLACEHOLDER)].map((m) => m[1]!));
    for (const text of texts(node)) {
      for (const [, name] of text.matchAll(PLACEHOLDER)) {
        const each = looping.has(node.key) && inTitle.has(name!);
        if (each || !(name! in names)) names[name!] = `${each ? 'each' : 'the'} ${humanName(name!)}`;
      }
    }
  }
  return names;
}

/** `serverName` -> "server name", `a.b_c` -> "b c". */
export function humanName(name: string): string {
  return (name.split('.').at(-1) ?? name)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
}

/** Fills `{name}` from `values`, else from `generic`, else "the <name>": never the raw braces. */
export function fillText(text: string, values: Record<string, string>, generic: Record<string, string> = {}): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => values[name] ?? generic[name] ?? `the ${humanName(name)}`);
}

/** A copy of the graph with every title and label filled (for drawings a person reads). */
export function filledGraph(graph: RunbookGraph, values: Record<string, string> = {}): RunbookGraph {
  const generic = genericPlaceholders(graph);
  const fill = (t: string) => fillText(t, values, generic);
  return { ...graph, title: fill(graph.title), nodes: graph.nodes.map((n) => ({ ...n, title: fill(n.title), label: fill(n.label) })) };
}
