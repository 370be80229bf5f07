import type { AnyStateMachine } from 'xstate';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A secret a step needs. Only this reference travels through the machine (and so into the
 * persisted snapshot); the value is asked from the operator when a runner needs it.
 * `{name}` placeholders are filled from the step's params.
 */
export interface SecretRef {
  id: string;
  label: string;
  kind: 'password' | 'credential';
}

/** A step: an invoked runner actor. Its id is the state's key and the actor's `src`. */
export interface StepMeta {
  kind: 'step';
  title: string;
  /** What the operator should know or do, in the runbook's own words. */
  instructions: string[];
  /** The commands a real runner would run (shown, never executed from here). */
  commands: string[];
  destructive: boolean;
  /** Safe to run again after a crash left it in doubt. */
  idempotent: boolean;
  /** A person does it in the real world (a GUI step, an interactive sign-in). */
  manual: boolean;
  /**
   * The runner kinds (folders under runners/) that implement this step. Absent: every kind the
   * runbook ships a package for. A run on a kind the step does not list is refused before it starts.
   */
  runners?: string[];
  /** Lines the operator reads before the step runs (placeholders from the step's params). */
  briefing?: string[];
  /**
   * In a runbook with `targetRoles`: the role whose server the step runs on (required there,
   * checked by `runbook check`); each role's target gets its own runner. Absent otherwise.
   */
  on?: string;
  /**
   * How to tell, read-only, whether the step's effect happened, for a step a crash left in doubt.
   * Required for a step that is not idempotent; each runner kind implements it beside the step.
   */
  probe?: { instructions: string[]; commands: string[] };
  skippable: boolean;
  secrets: SecretRef[];
  timeoutMs: number;
  maxAttempts: number;
  /** Changes nothing on the target: a dry run carries it out for real. */
  readOnly: boolean;
  /** What a successful run typically returns, for a dry run's walk through the machine. */
  planOutput?: Json;
}

export interface DecisionChoice {
  event: string;
  label: string;
  /** The event carries `{ reason }` and the engine asks for it. */
  needsReason?: boolean;
  /** How the reason is asked (answer id and question); default: a skip's reason (`skipReason`). */
  reason?: { id: string; message: string };
}

/** A state that waits for the operator. `{a.b}` placeholders are filled from the context. */
export interface PromptMeta {
  kind: 'prompt' | 'decision';
  title: string;
  instructions: string[];
  /** The step this decision is about (failure decisions). */
  stepId?: string;
  prompt:
    | { type: 'typed-confirm'; id: string; message: string; event: string; field: string; cancelEvent: string; expected: string }
    | { type: 'choice'; id: string; message: string; choices: DecisionChoice[] };
}

export type FinalOutcome = 'success' | 'nothing-to-do' | 'handed-over' | 'aborted';

export interface FinalMeta {
  kind: 'final';
  title: string;
  outcome: FinalOutcome;
  summary: string;
}

export type StateMeta = StepMeta | PromptMeta | FinalMeta;

/** What a run found, built from its final context: lines for a person, data for a program. */
export interface RunResult {
  lines: string[];
  data: Json;
}

export interface RunbookDefinition {
  id: string;
  title: string;
  summary: string;
  /** What the target must be for the runbook to make sense, shown by `runbook show`. */
  appliesTo: string;
  /**
   * The family the runbook belongs to (runbooks about the same product): each runner kind keeps
   * the family's shared code in its own `families/<family>/` folder, used by every runbook of the
   * family and by no other. An opaque name to the engine. Absent: the runbook has no family.
   */
  family?: string;
  /** The simulator scenario `run` uses when no target is given. */
  defaultScenario?: string;
  /** Changes nothing anywhere: `runbook check` refuses any step that is not read-only. */
  readOnly?: boolean;
  /**
   * A runbook that works on several servers at once names their roles (`active`, `staging`): a
   * run then takes one target per role (`--target active=... --target staging=...`), locks them
   * all, and every step says with `meta.on` which role's server it runs on. Absent: one target.
   */
  targetRoles?: Array<{ name: string; title: string }>;
  machine: AnyStateMachine;
  /**
   * The run's result (a report), from the machine's context when the run ends: `run` and
   * `resume` print its lines, and `--json` writes its data on stdout. Pure: no I/O.
   */
  result?(context: unknown): RunResult;
}

export function defineRunbook(definition: RunbookDefinition): RunbookDefinition {
  return definition;
}

/**
 * Fills placeholders for a person: what the values do not fill reads in words, never as braces
 * ("for {connector}" becomes "for each connector", "{server}" becomes "the server").
 */
export function fillForPeople(text: string, values: unknown): string {
  const words = (name: string) => name.split('.').at(-1)!.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return fillTemplate(text, values)
    .replace(/\b(for|on|of) \{([A-Za-z0-9_.]+)\}/g, (_, word: string, name: string) => `${word} each ${words(name)}`)
    .replace(/\{([A-Za-z0-9_.]+)\}/g, (_, name: string) => `the ${words(name)}`);
}

/** Fills `{name}` / `{a.b}` placeholders from an object (lists joined with commas); unknown names stay visible. */
export function fillTemplate(text: string, values: unknown): string {
  if (!text.includes('{')) return text;
  return text.replace(/\{([A-Za-z0-9_.]+)\}/g, (whole, path: string) => {
    let value: unknown = values;
    for (const part of path.split('.')) {
      if (value === null || typeof value !== 'object') return whole;
      value = (value as Record<string, unknown>)[part];
    }
    if (value === undefined || value === null) return whole;
    return Array.isArray(value) ? value.map(String).join(', ') : String(value);
  });
}
