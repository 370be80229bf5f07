import type { RunbookDefinition } from '../runbook/define.js';
import type { ResolvedTarget, Runner, SecretSource } from '../runner/contract.js';
import type { Operator } from '../operator/operator.js';
import type { Journal } from '../journal/append-journal.js';
import type { Scrubber } from '../secrets/scrubber.js';
import type { DiagnosticLog } from '../log/diagnostic-log.js';
import type { RunPaths } from './paths.js';
import type { Reporter } from './reporter.js';

/** Everything one process needs to drive one run. */
export interface RunSession {
  runbook: RunbookDefinition;
  runId: string;
  target: string;
  createdAt: string;
  machineHash: string;
  paths: RunPaths;
  /** The target as the run keeps it (lock key, runner kind). */
  resolvedTarget: ResolvedTarget;
  runner: Runner;
  operator: Operator;
  reporter: Reporter;
  journal: Journal;
  scrubber: Scrubber;
  secrets: SecretSource;
  log: DiagnosticLog;
  /** Each attempt's number as the operator saw it: an attempt keeps its number across resumes. */
  stepNumbers: Map<string, number>;
  /** True after a resume until the first attempt without history: only those can be in doubt. */
  journalCheck: { active: boolean };
  /** The operator chose "abort" for a step in doubt; the failure decision that follows is answered with it. */
  abortRequested: boolean;
  /** Stops the drive loop from inside a step (Ctrl-C at a prompt the runner opened). */
  interrupt(reason: unknown): void;
  /** Writes the checkpoint of the latest snapshot if it is not on disk yet (set while the run is driven). */
  flushCheckpoint?: () => void;
}
