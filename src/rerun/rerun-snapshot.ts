import type { AnyStateMachine } from 'xstate';
import type { EngineContext } from '../runbook/step-states.js';
import { stateMeta } from '../runbook/describe.js';

/**
 * The persisted snapshot that enters `from` with the run's last context, as if the machine had
 * just transitioned there. `resolveState` builds the state but runs neither entry actions nor
 * invocations, so for a step the engine does what entering does: counts the attempt (a new
 * attempt id, never one the journal already knows) and adds the step's actor with its input,
 * which XState starts like any restored in-flight step. Failure counts start afresh.
 */
export function rerunSnapshot(machine: AnyStateMachine, from: string, lastContext: Record<string, unknown>): unknown {
  const engine = lastContext as unknown as EngineContext;
  const isStep = stateMeta(machine, from)?.kind === 'step';
  const context = { ...lastContext, _seq: engine._seq + (isStep ? 1 : 0), _failures: 0, _lastError: null };
  const snapshot = machine.resolveState({ value: from, context });
  const persisted = machine.getPersistedSnapshot(snapshot) as unknown as { children: Record<string, unknown> };
  if (!isStep) return persisted;
  const invoke = machine.root.states[from]!.invoke[0]!;
  const input = typeof invoke.input === 'function' ? invoke.input({ context, event: { type: 'runbook.rerun' }, self: undefined as never }) : invoke.input;
  persisted.children = {
    [invoke.id]: { snapshot: { status: 'active', output: undefined, error: undefined, input }, src: invoke.src, syncSnapshot: false },
  };
  return persisted;
}
