import type { AnyStateMachine } from 'xstate';
import type { FinalOutcome, RunbookDefinition, StateMeta } from '../runbook/define.js';

/**
 * A runbook machine as a neutral graph that every diagram format draws: one node per top-level
 * state (runbooks are flat) and one edge per transition that has a target, labelled with a
 * readable event and guard ("done [healthy]", "failed", "retry [at most 3 attempts]").
 */

export type NodeKind = 'step' | 'prompt' | 'decision' | 'final' | 'state';

export interface GraphNode {
  /** The state's key in the machine. */
  key: string;
  kind: NodeKind;
  /** The meta title (placeholders such as `{server}` left as they are). */
  title: string;
  /** Short text for the drawing: a decision shows its choices instead of a long title. */
  label: string;
  /** Warnings worth drawing under the label: "DESTRUCTIVE", "not safe to repeat", "manual". */
  marks: string[];
  initial: boolean;
  destructive: boolean;
  manual: boolean;
  /** Safe to run again after a crash (steps only; true for states that run nothing). */
  idempotent: boolean;
  outcome?: FinalOutcome;
  /** For a failure decision: the step it decides about. */
  stepId?: string;
  meta?: StateMeta;
}

/** done: the step's runner succeeded; failed: it failed; operator: an answer; the rest: timers, eventless, other events. */
export type EdgeKind = 'done' | 'failed' | 'operator' | 'after' | 'always' | 'event';

export interface GraphEdge {
  /** Stable within one machine: `edge-<n>` in declaration order. */
  id: string;
  from: string;
  to: string;
  /** The machine's event type ('' for an eventless transition). */
  event: string;
  kind: EdgeKind;
  /** The readable event: "done", "failed", "retry". */
  trigger: string;
  /** The readable guard, "otherwise" for the fallback after guarded siblings, null without one. */
  guard: string | null;
  /** trigger + guard: "done [healthy]". */
  label: string;
  /** Re-enters its own state (the per-connector loop). */
  self: boolean;
}

export interface RunbookGraph {
  id: string;
  title: string;
  initial: string | null;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

interface TransitionLike {
  target?: ReadonlyArray<{ path: string[] }>;
  guard?: unknown;
}

interface StateNodeLike {
  type: string;
  meta?: unknown;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
}

export function runbookGraph(runbook: Pick<RunbookDefinition, 'id' | 'title' | 'machine'>): RunbookGraph {
  return machineGraph(runbook.machine, runbook.id, runbook.title);
}

export function machineGraph(machine: AnyStateMachine, id: string = machine.id, title: string = machine.id): RunbookGraph {
  const states = machine.root.states as Record<string, StateNodeLike>;
  const initialTarget = (machine.root.initial as { target?: ReadonlyArray<{ path: string[] }> } | undefined)?.target?.[0];
  const initial = initialTarget ? initialTarget.path[0]! : null;
  const nodes = Object.entries(states).map(([key, node]) => graphNode(key, node, key === initial));
  const edges: GraphEdge[] = [];
  for (const [from, node] of Object.entries(states)) {
    const groups: Array<[string, TransitionLike[]]> = [...node.transitions.entries()];
    if (node.always?.length) groups.push(['', node.always]);
    for (const [event, transitions] of groups) {
      const guarded = transitions.some((t) => t.guard !== undefined);
      for (const transition of transitions) {
        for (const target of transition.target ?? []) {
          const to = target.path[0]!;
          const trigger = readableEvent(event);
          const guard = transition.guard !== undefined ? readableGuard(transition.guard) : guarded ? 'otherwise' : null;
          edges.push({
            id: `edge-${edges.length}`,
            from,
            to,
            event,
            kind: edgeKind(event),
            trigger,
            guard,
            label: guard ? `${trigger} [${guard}]` : trigger,
            self: from === to,
          });
        }
      }
    }
  }
  return { id, title, initial, nodes, edges };
}

function graphNode(key: string, node: StateNodeLike, initial: boolean): GraphNode {
  const meta = node.meta as StateMeta | undefined;
  const base = { key, initial, destructive: false, manual: false, idempotent: true, meta };
  if (!meta) {
    const kind: NodeKind = node.type === 'final' ? 'final' : 'state';
    return { ...base, kind, title: key, label: key, marks: [] };
  }
  switch (meta.kind) {
    case 'step': {
      const marks = [meta.on ? `on ${meta.on}` : '', meta.destructive ? 'DESTRUCTIVE' : '', meta.idempotent ? '' : 'not safe to repeat', meta.manual ? 'manual' : ''].filter(Boolean);
      return { ...base, kind: 'step', title: meta.title, label: meta.title, marks, destructive: meta.destructive, manual: meta.manual, idempotent: meta.idempotent };
    }
    case 'prompt':
      return { ...base, kind: 'prompt', title: meta.title, label: meta.title, marks: ['asks the operator'] };
    case 'decision': {
      const choices = meta.prompt.type === 'choice' ? meta.prompt.choices.map((c) => readableEvent(c.event)) : [];
      const label = meta.stepId ? `failed: ${choices.join(' / ')}?` : meta.title;
      return { ...base, kind: 'decision', title: meta.title, label, marks: [], ...(meta.stepId ? { stepId: meta.stepId } : {}) };
    }
    case 'final':
      return { ...base, kind: 'final', title: meta.title, label: meta.title, marks: [`end: ${meta.outcome}`], outcome: meta.outcome };
  }
}

function edgeKind(event: string): EdgeKind {
  if (event.startsWith('xstate.done.actor.')) return 'done';
  if (event.startsWith('xstate.error.actor.')) return 'failed';
  if (event.startsWith('xstate.after.')) return 'after';
  if (event === '') return 'always';
  if (event.startsWith('xstate.')) return 'event';
  return 'operator';
}

/** `xstate.done.actor.detect` -> "done", `xstate.error.actor.x` -> "failed", `RETRY` -> "retry". */
export function readableEvent(event: string): string {
  if (event.startsWith('xstate.done.actor.')) return 'done';
  if (event.startsWith('xstate.error.actor.')) return 'failed';
  if (event.startsWith('xstate.done.state.')) return 'completed';
  if (event.startsWith('xstate.after.')) {
    const delay = Number(event.split('.')[2]);
    return Number.isFinite(delay) ? `after ${delay >= 1000 ? `${delay / 1000} s` : `${delay} ms`}` : 'after a delay';
  }
  if (event === '') return 'always';
  if (event === '*') return 'any event';
  if (/^[A-Z0-9_]+$/.test(event)) return event.toLowerCase().replace(/_/g, ' ');
  return humanize(event);
}

/** `{ type: 'diagnosedAs', params: { classification: 'healthy' } }` -> "healthy"; `staleConnectorsFound` -> "stale connectors found". */
export function readableGuard(guard: unknown): string {
  if (typeof guard === 'string') return humanize(guard);
  if (typeof guard === 'function') return humanize(guard.name || 'condition');
  if (guard && typeof guard === 'object' && 'type' in guard) {
    const { type, params } = guard as { type: string; params?: unknown };
    if (params && typeof params === 'object') {
      const values = Object.entries(params as Record<string, unknown>);
      if (type === 'canRetry' && typeof (params as { maxAttempts?: unknown }).maxAttempts === 'number') {
        return `at most ${(params as { maxAttempts: number }).maxAttempts} attempts`;
      }
      if (values.length > 0 && values.every(([, v]) => typeof v === 'string')) return values.map(([, v]) => String(v)).join(' / ');
      if (values.length > 0) return `${humanize(type)} (${values.map(([k, v]) => `${humanize(k)} ${JSON.stringify(v)}`).join(', ')})`;
    }
    return humanize(type);
  }
  return 'condition';
}

function humanize(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
}
