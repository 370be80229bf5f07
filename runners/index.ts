import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { RunbookDefinition } from '../src/runbook/define.js';
import type { Runner } from '../src/runner/contract.js';
import { UserError } from '../src/user-error.js';
import { listScenarios, simulationFor } from './simulator/catalog.js';
import { manualRunner } from './manual/manual-runner.js';
import { powershellRunner, SIM_HOST_DIR } from './powershell/powershell-runner.js';
import { localTransport, sshTransport } from './powershell/transport.js';

export { manualRunner };

/**
 * Targets, as given to --target and kept in the run's checkpoint (so resume rebuilds the same runner):
 *   sim:<scenario>        the in-process simulated server (state in the run directory)
 *   pwsh-sim:<scenario>   real PowerShell scripts against the simulated ADSync host (state in the run directory)
 *   local                 PowerShell on this machine (powershell.exe on Windows, pwsh elsewhere)
 *   local:pwsh            pwsh on this machine, also on Windows
 *   ssh://user@host[:port]  PowerShell on a Windows host over OpenSSH
 * Options travel as a query: ?simulated-host (manual steps done by the simulated host's
 * stand-ins, for tests and training) and &ssh-config=<file> (ssh -F).
 */
export interface ResolvedTarget {
  id: string;
  describe: string;
}

export interface TargetOptions {
  simulatedHost?: boolean;
  sshConfig?: string;
}

const SIM_STATE_FILE = 'simulated-server.json';

export function resolveTarget(runbook: RunbookDefinition, target: string | undefined, options: TargetOptions = {}): ResolvedTarget {
  const value = target ?? `sim:${runbook.defaultScenario ?? ''}`;
  const query = [options.simulatedHost ? 'simulated-host' : '', options.sshConfig ? `ssh-config=${options.sshConfig}` : ''].filter(Boolean).join('&');
  const scenarioTarget = (prefix: string) => {
    const scenario = value.slice(prefix.length) || runbook.defaultScenario;
    if (!simulationFor(runbook.id)) throw new UserError(`runbook '${runbook.id}' has no simulator; give a real --target`);
    const known = listScenarios(runbook.id).map((s) => s.name);
    if (!scenario || !known.includes(scenario)) throw new UserError(`unknown scenario '${scenario ?? ''}' for ${runbook.id}; known: ${known.join(', ')}`);
    return scenario;
  };
  if (value === 'sim' || value.startsWith('sim:')) {
    const scenario = scenarioTarget('sim:');
    return { id: `sim:${scenario}`, describe: `simulated server, scenario ${scenario}` };
  }
  if (value.startsWith('pwsh-sim:')) {
    const scenario = scenarioTarget('pwsh-sim:');
    return { id: `pwsh-sim:${scenario}`, describe: `PowerShell against the simulated ADSync host, scenario ${scenario}` };
  }
  if (value === 'local' || value === 'local:pwsh') {
    return { id: `${value}${query ? `?${query}` : ''}`, describe: `PowerShell on this machine${options.simulatedHost ? ' (simulated ADSync host)' : ''}` };
  }
  if (value.startsWith('ssh://')) {
    parseSsh(value);
    if (options.sshConfig && !existsSync(options.sshConfig)) throw new UserError(`ssh config ${options.sshConfig} does not exist`);
    return { id: `${value}${query ? `?${query}` : ''}`, describe: `PowerShell over OpenSSH${options.simulatedHost ? ' (simulated ADSync host)' : ''}` };
  }
  throw new UserError(`unknown target '${value}'; expected sim:<scenario>, pwsh-sim:<scenario>, local, local:pwsh or ssh://user@host[:port]`);
}

function parseSsh(value: string): { destination: string; port: number | undefined } {
  const match = /^ssh:\/\/([^@/?\s]+@)?([^:/?\s]+)(?::(\d+))?\/?$/.exec(value.split('?')[0]!);
  if (!match) throw new UserError(`malformed ssh target '${value}'; expected ssh://user@host[:port]`);
  return { destination: `${match[1] ?? ''}${match[2]}`, port: match[3] ? Number(match[3]) : undefined };
}

/** pwsh from RUNBOOK_PWSH, else powershell.exe on Windows, else pwsh on PATH. */
function powershellExecutable(forcePwsh: boolean): string {
  if (process.env.RUNBOOK_PWSH) return process.env.RUNBOOK_PWSH;
  return process.platform === 'win32' && !forcePwsh ? 'powershell.exe' : 'pwsh';
}

/** The runner for a target, preparing its run-directory state on first use. */
export function createRunner(runbook: RunbookDefinition, targetId: string, runDir: string, fresh: boolean): Runner {
  const [base, query = ''] = targetId.split('?') as [string, string?];
  const params = new URLSearchParams(query);
  const simulatedHost = params.has('simulated-host');
  const statePath = join(runDir, SIM_STATE_FILE);
  if (base.startsWith('sim:') || base.startsWith('pwsh-sim:')) {
    const simulation = simulationFor(runbook.id);
    const scenario = listScenarios(runbook.id).find((s) => s.name === base.slice(base.indexOf(':') + 1));
    if (!simulation || !scenario) throw new UserError(`unknown scenario in target '${targetId}'`);
    if (fresh) simulation.initialize(scenario, statePath);
    if (base.startsWith('sim:')) return simulation.createRunner(statePath);
    const pwsh = powershellExecutable(true);
    const env = {
      ADSYNC_SIM_STATE: statePath,
      PSModulePath: [SIM_HOST_DIR, process.env.PSModulePath].filter(Boolean).join(delimiter),
      // the simulated miiskmu.exe is a pwsh script: it needs pwsh on PATH
      PATH: [pwsh.includes('/') || pwsh.includes('\\') ? dirname(pwsh) : '', process.env.PATH].filter(Boolean).join(delimiter),
    };
    return powershellRunner({ transport: localTransport(pwsh, env), simulatedHost: true, pollSeconds: 0 });
  }
  if (base === 'local' || base === 'local:pwsh') {
    return powershellRunner({ transport: localTransport(powershellExecutable(base === 'local:pwsh')), simulatedHost, pollSeconds: simulatedHost ? 0 : 10 });
  }
  if (base.startsWith('ssh://')) {
    const { destination, port } = parseSsh(base);
    return powershellRunner({ transport: sshTransport(destination, port, params.get('ssh-config') ?? undefined), simulatedHost, pollSeconds: simulatedHost ? 0 : 10 });
  }
  throw new UserError(`no runner for target '${targetId}'`);
}
