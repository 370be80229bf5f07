import { ExitCode } from '../exit-codes.js';

/**
 * Signals that arrive before a command has its own handler. Outside a run they end the process
 * at once (exit 130). While a run is being opened they are held, and the run's handler acts on
 * them as soon as it is installed: a signal at any moment leaves a run that resumes.
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let holding = false;
let pending: NodeJS.Signals | null = null;

function early(signal: NodeJS.Signals): void {
  if (holding) pending = signal;
  else process.exit(ExitCode.interrupted);
}

export function installEarlySignals(): void {
  for (const s of SIGNALS) process.on(s, early);
}

/** A run is being opened: hold a signal for its handler instead of exiting. */
export function holdSignals(): void {
  holding = true;
}

/** The command installs its own handlers: the early ones go, and a held signal is handed over. */
export function takeOverSignals(): NodeJS.Signals | null {
  for (const s of SIGNALS) process.off(s, early);
  return pending;
}
