import type { FinalMeta, StepMeta } from '../runbook/define.js';

export type StepMark = 'done' | 'current' | 'failed' | 'skipped' | 'pending' | 'not-taken';

/** What the engine tells the person watching. The terminal implements it; the bench stays silent. */
export interface Reporter {
  stepList(items: Array<{ title: string; mark: StepMark }>): void;
  /** `number` is the step's place in the run, kept across resumes. */
  stepStarting(number: number, title: string, meta: StepMeta, runnerName: string, params: Record<string, unknown>): void;
  progress(text: string): void;
  stepDone(title: string, evidence: string[], ms: number, replayed: boolean): void;
  stepFailed(title: string, message: string, evidence: string[]): void;
  prompt(title: string, instructions: string[]): void;
  notice(text: string): void;
  warn(text: string): void;
  finished(meta: FinalMeta | undefined, state: string): void;
  /** Stops any animation before a prompt takes the terminal. */
  pause(): void;
}

export const silentReporter: Reporter = {
  stepList() {},
  stepStarting() {},
  progress() {},
  stepDone() {},
  stepFailed() {},
  prompt() {},
  notice() {},
  warn() {},
  finished() {},
  pause() {},
};
