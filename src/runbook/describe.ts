import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { FinalMeta, PromptMeta, StateMeta, StepMeta } from './define.js';

/** The top-level states of a runbook in declaration order, with their meta. */
export function runbookStates(machine: AnyStateMachine): Array<{ key: string; meta: StateMeta | undefined }> {
  return Object.entries(machine.root.states).map(([key, node]) => ({ key, meta: node.meta as StateMeta | undefined }));
}

export function stateMeta(machine: AnyStateMachine, key: string): StateMeta | undefined {
  return machine.root.states[key]?.meta as StateMeta | undefined;
}

export function stepMeta(machine: AnyStateMachine, stepId: string): StepMeta {
  const meta = stateMeta(machine, stepId);
  if (!meta || meta.kind !== 'step') throw new Error(`state '${stepId}' is not a step`);
  return meta;
}

/** The state a snapshot is in, as a key of the top level (runbooks are flat). */
export function currentState(snapshot: AnyMachineSnapshot): string {
  return typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
}

export function isWaitingForOperator(meta: StateMeta | undefined): meta is PromptMeta {
  return meta?.kind === 'prompt' || meta?.kind === 'decision';
}

export function isFinal(meta: StateMeta | undefined): meta is FinalMeta {
  return meta?.kind === 'final';
}

/**
 * The values a state's texts are filled from: the context, plus, for a step and for the decision
 * taken when it fails, the step's params as its input function computes them from that context.
 */
export function textValues(machine: AnyStateMachine, key: string, context: unknown): Record<string, unknown> {
  const meta = stateMeta(machine, key);
  const stepKey = meta?.kind === 'step' ? key : meta?.kind === 'decision' ? meta.stepId : undefined;
  const base = typeof context === 'object' && context !== null ? (context as Record<string, unknown>) : {};
  if (!stepKey) return base;
  const invoke = (machine.root.states[stepKey]?.config as { invoke?: { input?: unknown } } | undefined)?.invoke;
  if (typeof invoke?.input !== 'function') return base;
  try {
    const input = (invoke.input as (args: { context: unknown }) => { params?: Record<string, unknown> })({ context: base });
    return { ...base, ...(input?.params ?? {}) };
  } catch {
    return base;
  }
}
