import type { RunbookDefinition } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import { machineGraph } from '../diagram/graph.js';
import { reachableStates } from '../runbook/reachable.js';
import { lineOf, type CheckProblem } from './problem.js';

/**
 * The shape of the flow: an end is reachable from every state (no trap), every destructive step
 * sits behind a typed confirmation that names the target, and a read-only runbook changes nothing.
 */
export function checkFlow(runbook: RunbookDefinition, file: string, source: string | null): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const graph = machineGraph(runbook.machine);
  const states = runbookStates(runbook.machine);
  const at = (key: string) => ({ file, line: lineOf(source, `'${key}'`) ?? lineOf(source, key) });

  const finals = states.filter((s) => s.meta?.kind === 'final').map((s) => s.key);
  const reachesEnd = new Set(finals);
  const previous = new Map<string, string[]>();
  for (const e of graph.edges) previous.set(e.to, [...(previous.get(e.to) ?? []), e.from]);
  const queue = [...finals];
  while (queue.length) {
    for (const from of previous.get(queue.shift()!) ?? []) {
      if (reachesEnd.has(from)) continue;
      reachesEnd.add(from);
      queue.push(from);
    }
  }
  const reachable = reachableStates(runbook.machine);
  for (const { key } of states) {
    if (!reachesEnd.has(key)) problems.push({ ...at(key), message: `state '${key}' cannot reach an end state: a run there could never finish` });
    if (!reachable.has(key)) problems.push({ ...at(key), message: `state '${key}' cannot be reached from the start` });
  }

  // a confirmation counts when the operator must type something that names the target
  const confirmations = new Set(
    states.filter((s) => s.meta?.kind === 'prompt' && s.meta.prompt.type === 'typed-confirm' && /\{[A-Za-z0-9_.]+\}/.test(s.meta.prompt.expected)).map((s) => s.key),
  );
  const unguarded = reachableStates(runbook.machine, undefined, confirmations);
  for (const { key, meta } of states) {
    if (meta?.kind !== 'step') continue;
    if (meta.destructive && unguarded.has(key)) {
      problems.push({ ...at(key), message: `destructive step '${key}' ("${meta.title}") can be reached without a typed confirmation naming the target` });
    }
    if (runbook.readOnly && (!meta.readOnly || meta.destructive)) {
      problems.push({ ...at(key), message: `runbook is read-only but step '${key}' ("${meta.title}") is not marked readOnly` });
    }
  }
  return problems;
}
