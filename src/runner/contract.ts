import type { Json, RunnerName, SecretRef, StepMeta } from '../runbook/define.js';
import type { Operator } from '../operator/operator.js';

/**
 * What a step actor receives. It is persisted with the snapshot (XState restarts an in-flight
 * invoke with its saved input), so it carries references to secrets, never their values.
 */
export interface StepInput {
  stepId: string;
  /** Unique per entry into the step; a resumed attempt keeps its id, a retry gets a new one. */
  attemptId: string;
  params: Record<string, Json>;
  secrets: SecretRef[];
  timeoutMs: number;
}

/** What a runner returns: `output` goes to the machine, `evidence` to the operator and journal. */
export interface StepResult {
  output?: Json;
  evidence: string[];
  /** For the journal only: how the step was carried out (command, exit code, duration, output). */
  details?: Record<string, Json>;
}

/** A step that did not achieve its effect. The machine routes it to the step's decision state. */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly category: string = 'failed',
    readonly evidence: string[] = [],
    readonly details?: Record<string, Json>,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

export interface SecretSource {
  /** Asks (or looks up) the value of a resolved secret reference; never cached on disk. */
  get(ref: SecretRef): Promise<string>;
  /** Both parts of a credential secret. */
  credential(ref: SecretRef): Promise<{ username: string; password: string }>;
}

export interface StepContext {
  meta: StepMeta;
  /** Aborted when the state is left or the deadline passes. */
  signal: AbortSignal;
  deadline: number;
  secrets: SecretSource;
  operator: Operator;
  /** Human progress line (the spinner text while the step runs). */
  progress(text: string): void;
  /** A line the operator should read before the runner asks anything. */
  note(text: string): void;
  /** Diagnostic log (scrubbed). */
  log(message: string, fields?: Record<string, unknown>): void;
  /** Marks a point inside the step for fault injection in tests (RUNBOOK_FAULT). */
  checkpointReached(point: string): Promise<void>;
  /** The run's directory, where a runner may keep its target's state (the simulated server). */
  runDir: string;
}

/** Carries out steps. `name` is what `meta.runners` lists. */
export interface Runner {
  name: RunnerName;
  /** The step handlers this runner has, by actor name. */
  canRun(stepId: string, meta: StepMeta): boolean;
  run(input: StepInput, ctx: StepContext): Promise<StepResult>;
  /** Called once when the run's process is about to stop driving the machine. */
  close?(): Promise<void>;
}
