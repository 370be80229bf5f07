import type { StepContext } from '../../src/runner/contract.js';
import type { ScriptCall } from './powershell-runner.js';
import { encodedHost, localLaunch, WarmSession, type SessionLaunch, type StepOutcome } from './warm-session.js';

export interface TransportResult {
  /** The command as it can be journaled: no secret is ever part of it. */
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Where a step script runs: this machine, or a Windows host over OpenSSH. */
export interface Transport {
  runnerName: 'powershell' | 'ssh';
  describe: string;
  run(call: ScriptCall, ctx: StepContext): Promise<TransportResult>;
  close(): Promise<void>;
}

const PS_FLAGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'];

/**
 * A transport whose steps all run in one warm PowerShell session (see warm-session.ts and
 * session-host.ps1), started at the first step. A step that times out or is cancelled kills the
 * session; the next step starts a new one. A session that died in a step fails that step, as a
 * killed script did. close() ends the session.
 */
function sessionTransport(
  runnerName: Transport['runnerName'],
  describe: string,
  launch: () => SessionLaunch,
  command: (session: WarmSession, script: string) => string,
  explain: (outcome: StepOutcome) => StepOutcome = (o) => o,
): Transport {
  let session: WarmSession | undefined;
  return {
    runnerName,
    describe,
    async run(call, ctx) {
      if (!session?.alive) session = new WarmSession(launch());
      const current = session;
      const outcome = explain(await current.run(call, ctx));
      if (outcome.timedOut || !current.alive) {
        current.kill();
        if (session === current) session = undefined;
      }
      const { path: _path, ...result } = outcome;
      return { command: command(current, outcome.path || call.script), ...result };
    },
    async close() {
      const current = session;
      session = undefined;
      await current?.close();
    },
  };
}

/**
 * Steps on this machine: one pwsh (or powershell.exe) process per run runs the host script from a
 * private temporary folder with -File; each step's script is written to a private folder and run
 * there in a fresh runspace. Requests, secrets included, go on the host's stdin only. The process
 * is its own group so that cancelling a step kills the whole tree (miiskmu and anything else).
 */
export function localTransport(executable: string, env: Record<string, string> = {}): Transport {
  return sessionTransport(
    'powershell',
    `${executable} (this machine)`,
    () => localLaunch(executable, PS_FLAGS, { ...process.env, ...env }),
    (session, script) => `${executable} -NoLogo ${PS_FLAGS.join(' ')} -File ${session.launchArgs.at(-1)} [session ${session.child.pid}] new runspace: ${script}`,
  );
}

/**
 * The same scripts on a Windows host through OpenSSH: batch mode, host key checking on, ONE ssh
 * connection per run. The remote command is the fixed host script (-EncodedCommand: code, never a
 * secret); requests with the scripts and the secrets follow on stdin.
 */
export function sshTransport(destination: string, port: number | undefined, configFile: string | undefined): Transport {
  const sshArgs = [
    '-T',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'ConnectTimeout=15',
    ...(configFile ? ['-F', configFile] : []),
    ...(port ? ['-p', String(port)] : []),
    destination,
  ];
  const ssh = process.env.RUNBOOK_SSH ?? 'ssh';
  return sessionTransport(
    'ssh',
    `ssh ${destination}${port ? `:${port}` : ''}`,
    () => ({ file: ssh, args: [...sshArgs, `powershell ${PS_FLAGS.join(' ')} -EncodedCommand ${encodedHost()}`] }),
    (session, script) => `${ssh} ${sshArgs.join(' ')} powershell -EncodedCommand <bootstrap> [session ${session.hostPid ?? "?"}] new runspace: ${script}`,
    (outcome) =>
      outcome.exitCode === 255 && !outcome.stdout.includes('RUNBOOK-RESULT')
        ? { ...outcome, stderr: `ssh could not run the step on ${destination} (exit 255): ${outcome.stderr.trim()}` }
        : outcome,
  );
}

