/** The CLI's exit codes; documented in the README. */
export const ExitCode = {
  /** The runbook reached a successful end (recovered, or nothing to do). */
  ok: 0,
  /** A bug: an unexpected error (with its stack in the diagnostic log). */
  internal: 1,
  /** Bad input: unknown runbook or target, malformed answers file, no TTY and no answers. */
  usage: 2,
  /** The runbook ended by handing over: the symptom belongs to another procedure. */
  handedOver: 3,
  /** The operator aborted the run. */
  aborted: 4,
  /** Run state cannot be used: corrupt checkpoint, changed runbook definition, no such run. */
  state: 5,
  /** Another process holds the run or the target. */
  locked: 6,
  /** `runbook check` found problems in a runbook package. */
  checkFailed: 7,
  /** A step is in doubt, the answers file says "probe", and the probe cannot tell: a person decides. */
  inDoubt: 8,
  /** Interrupted (Ctrl-C): the run is checkpointed and can be resumed. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
