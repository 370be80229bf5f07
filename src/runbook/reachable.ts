import type { AnyStateMachine } from 'xstate';
import { machineGraph } from '../diagram/graph.js';

/** The states reachable from `from` (default: the initial state) over any transition, guards ignored. */
export function reachableStates(machine: AnyStateMachine, from?: string, without: ReadonlySet<string> = new Set()): Set<string> {
  const graph = machineGraph(machine);
  const start = from ?? graph.initial;
  const seen = new Set<string>();
  if (!start) return seen;
  const next = new Map<string, string[]>();
  for (const edge of graph.edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const queue = [start];
  seen.add(start);
  while (queue.length) {
    for (const to of next.get(queue.shift()!) ?? []) {
      if (seen.has(to) || without.has(to)) continue;
      seen.add(to);
      queue.push(to);
    }
  }
  return seen;
}
