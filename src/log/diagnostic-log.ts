import pino from 'pino';

export type DiagnosticLog = pino.Logger;

/**
 * The run's JSON diagnostic log. Synchronous destinations survive SIGKILL (a worker-thread
 * transport loses its buffer); every line passes through the scrubber, since secrets can hide
 * inside strings (command output) where key-based redaction cannot see them.
 */
export function openDiagnosticLog(path: string, scrub: (text: string) => string, verbose: boolean): DiagnosticLog {
  const streams: pino.StreamEntry[] = [{ level: 'debug', stream: pino.destination({ dest: path, sync: true, mkdir: true, mode: 0o600 }) }];
  if (verbose) streams.push({ level: 'debug', stream: pino.destination({ dest: 2, sync: true }) });
  return pino({ level: 'debug', base: { pid: process.pid }, hooks: { streamWrite: scrub } }, pino.multistream(streams));
}
