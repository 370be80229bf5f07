import { createActor, fromPromise, type AnyMachineSnapshot } from 'xstate';
import type { Json, RunbookDefinition, StepMeta } from '../runbook/define.js';
import { fillTemplate } from '../runbook/define.js';
import { currentState, isFinal, isWaitingForOperator, stateMeta, stepMeta } from '../runbook/describe.js';
import type { Runner, StepInput } from '../runner/contract.js';
import type { Operator } from '../operator/operator.js';
import { UserError } from '../user-error.js';

export interface DryRunLine {
  kind: 'ran' | 'would-run' | 'manual' | 'prompt' | 'end' | 'failed';
  title: string;
  destructive: boolean;
  commands: string[];
  notes: string[];
}

const MAX_STEPS = 200;

/**
 * Walks the runbook without side effects: read-only steps run for real on the target (their
 * results choose the path); every other step is only described, with what it would run, and
 * assumed to succeed with its declared `planOutput`. Prompts are assumed answered as planned.
 * Nothing is checkpointed: a dry run leaves no run behind.
 */
export async function dryRun(runbook: RunbookDefinition, runner: Runner, operator: Operator, runDir: string): Promise<DryRunLine[]> {
  const lines: DryRunLine[] = [];
  let planned = false;
  let open = false;
  const actors: Record<string, ReturnType<typeof fromPromise<Json | undefined, StepInput>>> = {};
  for (const name of Object.keys(runbook.machine.implementations.actors)) {
    actors[name] = fromPromise<Json | undefined, StepInput>(async ({ input, signal }) => {
      const meta = stepMeta(runbook.machine, input.stepId);
      const title = fillTemplate(meta.title, input.params);
      const commands = meta.commands.map((c) => fillTemplate(c, input.params));
      if (!meta.readOnly || planned) {
        lines.push({ kind: meta.manual ? 'manual' : 'would-run', title, destructive: meta.destructive, commands, notes: notes(meta) });
        planned = true;
        if (meta.readOnly) {
          // a read-only step after a planned one would read a server the dry run did not change
          open = true;
          return new Promise<never>(() => {});
        }
        return meta.planOutput ?? null;
      }
      try {
        const result = await runner.run(input, {
          meta,
          signal,
          deadline: Date.now() + input.timeoutMs,
          secrets: {
            get: async () => Promise.reject(new Error('a read-only step asked for a secret')),
            credential: async () => Promise.reject(new Error('a read-only step asked for a secret')),
          },
          operator,
          progress: () => {},
          note: () => {},
          log: () => {},
          checkpointReached: async () => {},
          runDir,
        });
        lines.push({ kind: 'ran', title, destructive: false, commands, notes: result.evidence });
        return result.output ?? null;
      } catch (error) {
        lines.push({ kind: 'failed', title, destructive: false, commands, notes: [(error as Error).message] });
        throw error;
      }
    });
  }
  const actor = createActor(runbook.machine.provide({ actors }));
  let wake: () => void = () => {};
  actor.subscribe({ next: () => wake(), error: () => wake() });
  actor.start();
  for (let steps = 0; ; steps++) {
    const snapshot = actor.getSnapshot();
    const state = currentState(snapshot);
    const meta = stateMeta(runbook.machine, state);
    if (snapshot.status === 'done' && isFinal(meta)) {
      lines.push({ kind: 'end', title: `${meta.title}: ${meta.summary}`, destructive: false, commands: [], notes: [] });
      break;
    }
    if (snapshot.status === 'error' || lines.at(-1)?.kind === 'failed') break;
    if (open) {
      lines.push({ kind: 'end', title: 'The rest depends on what that step finds then', destructive: false, commands: [], notes: [] });
      break;
    }
    if (steps > MAX_STEPS) throw new UserError(`the dry run did not reach an end after ${MAX_STEPS} steps`);
    if (meta?.kind === 'decision') break; // only a failed read-only step leads here; it is reported above
    if (isWaitingForOperator(meta) && Object.keys(snapshot.children).length === 0) {
      actor.send(plannedAnswer(snapshot, meta, lines));
      continue;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
  actor.stop();
  return lines;
}

function plannedAnswer(snapshot: AnyMachineSnapshot, meta: NonNullable<ReturnType<typeof stateMeta>> & { kind: 'prompt' | 'decision' }, lines: DryRunLine[]) {
  const prompt = meta.prompt;
  const title = fillTemplate(meta.title, snapshot.context);
  if (prompt.type === 'typed-confirm') {
    lines.push({ kind: 'prompt', title, destructive: false, commands: [], notes: [fillTemplate(prompt.message, snapshot.context)] });
    return { type: prompt.event, [prompt.field]: fillTemplate(prompt.expected, snapshot.context) };
  }
  lines.push({ kind: 'prompt', title, destructive: false, commands: [], notes: [prompt.message] });
  return { type: prompt.choices[0]!.event };
}

function notes(meta: StepMeta): string[] {
  return [meta.destructive ? 'DESTRUCTIVE' : '', meta.idempotent ? '' : 'not safe to repeat', meta.manual ? 'a person does this step' : ''].filter(Boolean);
}
