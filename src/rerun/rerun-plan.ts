import type { AnyStateMachine } from 'xstate';
import type { PromptMeta, RunbookDefinition, StateMeta } from '../runbook/define.js';
import { fillTemplate } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import { runbookGraph } from '../diagram/graph.js';

/** A state a run can be rerun from: a step, or a prompt (the machine's own typed confirmation). */
export interface RerunPoint {
  key: string;
  title: string;
}

export function rerunPoints(runbook: RunbookDefinition, context: unknown): RerunPoint[] {
  return runbookStates(runbook.machine)
    .filter(({ meta }) => meta?.kind === 'step' || meta?.kind === 'prompt')
    .map(({ key, meta }) => ({ key, title: readableTitle(meta!, context) }));
}

/** A title with the placeholders the context fills; the rest read as the general step. */
export function readableTitle(meta: StateMeta, values: unknown): string {
  return fillTemplate(meta.title, values)
    .replace(/\s*\b(for|on)\s+\{[^}]+\}/g, '')
    .replace(/\{[^}]+\}/g, '…');
}

type TypedConfirm = Extract<PromptMeta['prompt'], { type: 'typed-confirm' }>;

function typedConfirm(meta: StateMeta | undefined): TypedConfirm | null {
  return meta && meta.kind === 'prompt' && meta.prompt.type === 'typed-confirm' ? meta.prompt : null;
}

/**
 * The destructive steps a rerun from `from` can reach before the machine asks its own typed
 * confirmation again: those need one asked explicitly. Starting at the confirmation itself needs none.
 */
export function unconfirmedDestructive(runbook: RunbookDefinition, from: string): string[] {
  const graph = runbookGraph(runbook);
  const byKey = new Map(graph.nodes.map((n) => [n.key, n]));
  const seen = new Set<string>([from]);
  const queue = [from];
  const found: string[] = [];
  while (queue.length) {
    const key = queue.shift()!;
    const node = byKey.get(key);
    if (typedConfirm(node?.meta)) continue;
    if (node?.kind === 'step' && node.destructive) found.push(key);
    for (const edge of graph.edges) {
      if (edge.from === key && !seen.has(edge.to)) {
        seen.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return found;
}

/**
 * The typed confirmation to ask again for those steps: the machine's own (same answer id, same
 * expected name), so an answers file that answered it for the run answers it for the rerun.
 */
export function confirmationFor(machine: AnyStateMachine, steps: string[]): { id: string; message: string; expected: string } | null {
  const graph = runbookGraph({ id: machine.id, title: machine.id, machine });
  for (const node of graph.nodes) {
    const prompt = typedConfirm(node.meta);
    if (!prompt) continue;
    const reach = new Set([node.key]);
    const queue = [node.key];
    while (queue.length) {
      const key = queue.shift()!;
      for (const edge of graph.edges) if (edge.from === key && !reach.has(edge.to)) (reach.add(edge.to), queue.push(edge.to));
    }
    if (steps.some((s) => reach.has(s))) return { id: prompt.id, message: prompt.message, expected: prompt.expected };
  }
  return null;
}

/** The name the operator types to acknowledge: what the machine's typed confirmation expects, else the target. */
export function expectedName(runbook: RunbookDefinition, context: unknown, target: string): string {
  for (const { meta } of runbookStates(runbook.machine)) {
    const prompt = typedConfirm(meta);
    if (!prompt) continue;
    const name = fillTemplate(prompt.expected, context);
    if (!/\{[^}]+\}/.test(name)) return name;
  }
  return target;
}
