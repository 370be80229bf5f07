import type { Json, RunbookDefinition, SecretRef, StepMeta } from '../runbook/define.js';
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
  /** The step ran, and what it checked is not right: shown as failed though the run goes on. */
  problems?: string[];
  /** For the journal only: how the step was carried out (command, exit code, duration, output). */
  details?: Record<string, Json>;
}

/** A probe's answer: did the step in doubt take effect, with what it read to say so. */
export interface ProbeResult {
  verdict: 'done' | 'not-done' | 'unknown';
  evidence: string[];
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

/** Carries out one run's steps on one target. */
export interface Runner {
  /** The runner kind (its folder under runners/), as `meta.runners` names it. */
  name: string;
  /** Whether this runbook's package has an implementation of the step for this target. */
  canRun(stepId: string, meta: StepMeta): boolean;
  /** Whether the package implements the step's probe for this target. */
  canProbe?(stepId: string): boolean;
  /** Reads, changing nothing, whether an attempt that started at `startedAt` took effect. */
  probe?(input: StepInput, ctx: StepContext, startedAt: string): Promise<ProbeResult>;
  /** Sets up the target's state in the run directory, once, when a run starts (a simulated world). */
  prepare?(): void;
  run(input: StepInput, ctx: StepContext): Promise<StepResult>;
  /** A multi-target run's runner: the runner of the role the step runs on. */
  forStep?(stepId: string, meta: StepMeta): Runner;
  /** Called once when the run's process is about to stop driving the machine. */
  close?(): Promise<void>;
}

/** A target as a run keeps it: `id` goes into the checkpoint, so that resume rebuilds the same runner. */
export interface ResolvedTarget {
  id: string;
  /** The runner kind that claimed it. */
  kind: string;
  describe: string;
  /**
   * What the target lock and the unfinished-run check are keyed on: a real server is one key for
   * every runbook; a simulated one is per runbook and scenario.
   */
  lockKey: string;
  /** In a multi-target run: the role this target plays (`active`, `staging`). */
  role?: string;
  /**
   * A multi-target run's target: one resolved target per role (src/run/targets.ts). Its `id` is
   * the canonical `role=target;role=target`, its `lockKey` every part's key joined with ' + '.
   */
  parts?: Record<string, ResolvedTarget>;
}

export interface TargetOptions {
  /** The target is a simulated host: its stand-ins carry out the manual steps (tests, training). */
  simulatedHost?: boolean;
  sshConfig?: string;
  /** The role the target plays in a multi-target run (a simulated target picks its server by it). */
  role?: string;
}

/** A scenario of a simulated world, as `show` and `train` present it. */
export interface ScenarioInfo {
  name: string;
  description: string;
  /** Present when the scenario is a drill. */
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
  expect?: { final: string; exitCode: number };
}

/** One finding of `runbook check`: `file:line` where it can be told. */
export interface CheckProblem {
  file: string;
  line?: number;
  message: string;
}

/**
 * A runner kind: a folder under runners/ whose `kind.ts` exports this as its default. The engine
 * finds kinds by position; a runbook's implementations for a kind live in `runners/<kind>/<runbook>/`.
 */
export interface RunnerKind {
  name: string;
  /** The --target forms this kind claims, for help and error messages. */
  targetForms: string[];
  /** Claims a --target value (or a target id kept by a run); undefined when it is not this kind's. */
  resolveTarget(runbook: RunbookDefinition, value: string, options: TargetOptions): Promise<ResolvedTarget | undefined>;
  /** The target used when none is given, if this kind offers one (the embedded simulator). */
  defaultTarget?(runbook: RunbookDefinition): Promise<string | undefined>;
  /** The runner for a resolved target; creating it writes nothing (see Runner.prepare). */
  createRunner(runbook: RunbookDefinition, target: ResolvedTarget, runDir: string): Promise<Runner>;
  /** Whether the runbook ships implementations for this kind (its folder exists). */
  hasPackage(runbook: RunbookDefinition): boolean;
  /** Whether the runbook's package implements the step for this kind, on any of its targets. */
  implements(runbook: RunbookDefinition, stepId: string, meta: StepMeta): Promise<boolean>;
  /** Whether the runbook's package implements the step's read-only probe for this kind. */
  implementsProbe(runbook: RunbookDefinition, stepId: string): Promise<boolean>;
  /** Lint of the runbook's files for this kind (scripts parse, scenarios validate). */
  check?(runbook: RunbookDefinition): Promise<{ problems: CheckProblem[]; notes: string[] }>;
  /** The scenarios (and drills) the runbook's package has for this kind. */
  scenarios?(runbook: RunbookDefinition): ScenarioInfo[];
}
