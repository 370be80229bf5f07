import { assign, fromPromise } from 'xstate';
import type { Json, PromptMeta, SecretRef, StepMeta, FinalMeta, FinalOutcome } from './define.js';
import { fillTemplate } from './define.js';
import type { StepInput, StepResult } from '../runner/contract.js';

/**
 * Building blocks every runbook machine shares: the step state with its failure decision,
 * the engine's bookkeeping in the context, and the placeholder actors that runners replace
 * through `machine.provide({ actors })`.
 */

export interface EngineContext {
  /** Counts step entries; makes every attempt id unique without growing with history. */
  _seq: number;
  /** Failures of the current step, reset when a step succeeds. */
  _failures: number;
  _lastError: { stepId: string; message: string; category: string } | null;
}

export function engineContext(): EngineContext {
  return { _seq: 0, _failures: 0, _lastError: null };
}

type AnyArgs = { context: any; event: any };

// Typed loosely on purpose: each runbook's setup() has its own context and actor types.
export const engineGuards: Record<'canRetry', any> = {
  canRetry: ({ context }: AnyArgs, params: { maxAttempts: number }) => context._failures < params.maxAttempts,
};

export const engineActions: Record<'countAttempt' | 'clearFailure' | 'recordFailure', any> = {
  countAttempt: assign(({ context }: AnyArgs) => ({ _seq: context._seq + 1 })),
  clearFailure: assign(() => ({ _failures: 0, _lastError: null })),
  recordFailure: assign(({ context, event }: AnyArgs, params: { stepId: string }) => {
    const error = event.error as { message?: string; category?: string } | undefined;
    return {
      _failures: context._failures + 1,
      _lastError: {
        stepId: params.stepId,
        message: String(error?.message ?? error ?? 'unknown error'),
        category: String(error?.category ?? 'failed'),
      },
    };
  }),
};

/** One placeholder actor per step; a run plugs the real runner in with `provide()`. */
export function stepActors<const T extends readonly string[]>(ids: T) {
  const actors = {} as Record<T[number], ReturnType<typeof unplugged>>;
  for (const id of ids) actors[id as T[number]] = unplugged(id);
  return actors;
}

function unplugged(id: string) {
  return fromPromise<StepResult['output'], StepInput>(async () => {
    throw new Error(`no runner is plugged in for step '${id}'`);
  });
}

export type StepMetaInput = Pick<StepMeta, 'title' | 'instructions' | 'commands' | 'destructive' | 'idempotent'> &
  Partial<Omit<StepMeta, 'kind' | 'title' | 'instructions' | 'commands' | 'destructive' | 'idempotent'>>;

export interface StepOptions {
  params?: (context: any) => Record<string, Json>;
  /** Transitions taken when the runner succeeds (the failure-counter reset is added). */
  onDone: TransitionSpec | TransitionSpec[];
  /** Where SKIP leads; required for skippable steps. */
  skipTo?: string;
  abortTo?: string;
}

export interface TransitionSpec {
  target: string;
  guard?: string | { type: string; params?: unknown };
  actions?: unknown[];
  reenter?: boolean;
  description?: string;
}

/** A step state plus `<id>Failed`, the decision taken when it fails. */
export function step(id: string, input: StepMetaInput, options: StepOptions): Record<string, object> {
  const meta: StepMeta = {
    kind: 'step',
    manual: false,
    skippable: false,
    secrets: [],
    timeoutMs: 10 * 60_000,
    maxAttempts: 3,
    readOnly: false,
    ...input,
  };
  if (meta.skippable && !options.skipTo) throw new Error(`step '${id}' is skippable but has no skipTo`);
  const failedId = `${id}Failed`;
  // a success clears the failure count, except a result the machine itself judges a failure
  const onDone = (Array.isArray(options.onDone) ? options.onDone : [options.onDone]).map((t) => ({
    ...t,
    actions: t.target === failedId ? (t.actions ?? []) : ['clearFailure', ...(t.actions ?? [])],
  }));
  const choices: PromptMeta['prompt'] = {
    type: 'choice',
    id: 'stepFailed',
    message: 'The step failed. What now?',
    choices: [
      { event: 'RETRY', label: `Retry (at most ${meta.maxAttempts} attempts)` },
      ...(meta.skippable ? [{ event: 'SKIP', label: 'Skip this step (a reason is recorded)', needsReason: true }] : []),
      { event: 'ABORT', label: 'Abort the run' },
    ],
  };
  const decision: PromptMeta = {
    kind: 'decision',
    title: `${meta.title}: failed`,
    stepId: id,
    instructions: ['The step did not achieve its effect. The error and its evidence are shown above.'],
    prompt: choices,
  };
  return {
    [id]: {
      meta,
      entry: 'countAttempt',
      invoke: {
        id,
        src: id,
        input: ({ context }: { context: any }): StepInput => {
          const params = options.params?.(context) ?? {};
          return {
            stepId: id,
            attemptId: `${id}#${context._seq}`,
            params,
            secrets: meta.secrets.map((s): SecretRef => ({ ...s, id: fillTemplate(s.id, params), label: fillTemplate(s.label, params) })),
            timeoutMs: meta.timeoutMs,
          };
        },
        onDone,
        onError: { target: failedId, actions: { type: 'recordFailure', params: { stepId: id } } },
      },
    },
    [failedId]: {
      meta: decision,
      on: {
        RETRY: { target: id, reenter: true, guard: { type: 'canRetry', params: { maxAttempts: meta.maxAttempts } } },
        ...(meta.skippable ? { SKIP: { target: options.skipTo, actions: 'clearFailure' } } : {}),
        ABORT: { target: options.abortTo ?? 'aborted' },
      },
    },
  };
}

export function final(title: string, outcome: FinalOutcome, summary: string): object {
  const meta: FinalMeta = { kind: 'final', title, outcome, summary };
  return { type: 'final', meta };
}
