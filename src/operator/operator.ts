import type { SecretRef } from '../runbook/define.js';

export interface Question {
  /** Stable id an answers file answers (confirmAbandon, stepFailed, inDoubt, manual, skipReason...). */
  id: string;
  /** Narrows the answer: the step id for per-step answers. */
  key?: string;
  message: string;
  /** The proposed answer (a probe's verdict); an answers file answers "probe" to take it. */
  default?: string;
}

export interface Choice {
  value: string;
  label: string;
}

export interface SecretAnswer {
  value: string;
  /** Where it came from, for the journal: prompt, env:NAME, stdin. */
  source: string;
}

/** Whoever answers the run's questions: a person at a terminal, or an answers file. */
export interface Operator {
  readonly who: string;
  /** Where the answers are given: host and terminal, or the answers file (recorded with each act). */
  readonly via: string;
  readonly interactive: boolean;
  text(question: Question): Promise<string>;
  choose(question: Question, choices: Choice[]): Promise<string>;
  secret(ref: SecretRef, part: 'password' | 'username'): Promise<SecretAnswer>;
  /** Whether a secret can be answered at all (an answers file may lack it); absent: always. */
  canAnswer?(ref: SecretRef): boolean;
  close(): void;
}
