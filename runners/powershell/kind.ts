import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import type { CheckProblem, ResolvedTarget, RunnerKind, TargetOptions } from '../../src/runner/contract.js';
import { UserError } from '../../src/user-error.js';
import { sourceRoot } from '../source-root.js';
import { listScenarios, loadWorld } from '../simulator/worlds.js';
import { scenarioOf, SIM_STATE_FILE } from '../simulator/kind.js';
import { familyDir, packageDir, POWERSHELL_DIR, powershellRunner, simHostDir, STEP_CONTRACT_PATH } from './powershell-runner.js';
import { localTransport, sshTransport } from './transport.js';

/**
 * PowerShell targets, as given to --target and kept in the run's checkpoint:
 *   pwsh-sim:<scenario>     the runbook's scripts in real pwsh, against its simulated host (state in the run directory)
 *   local                   PowerShell on this machine (powershell.exe on Windows, pwsh elsewhere)
 *   local:pwsh              pwsh on this machine, also on Windows
 *   ssh://user@host[:port]  PowerShell on a Windows host over OpenSSH
 * Options travel as a query: ?simulated-host (manual steps done by the simulated host's
 * stand-ins, for tests and training) and &ssh-config=<file> (ssh -F).
 */

function parseSsh(value: string): { user: string; host: string; port: number | undefined } {
  const match = /^ssh:\/\/(?:([^@/?\s]+)@)?([^:/?\s]+)(?::(\d+))?\/?$/.exec(value.split('?')[0]!);
  if (!match) throw new UserError(`malformed ssh target '${value}'; expected ssh://user@host[:port]`);
  return { user: match[1] ?? '', host: match[2]!, port: match[3] ? Number(match[3]) : undefined };
}

/** pwsh from RUNBOOK_PWSH, else powershell.exe on Windows, else pwsh on PATH. */
export function powershellExecutable(forcePwsh: boolean): string {
  if (process.env.RUNBOOK_PWSH) return process.env.RUNBOOK_PWSH;
  return process.platform === 'win32' && !forcePwsh ? 'powershell.exe' : 'pwsh';
}

function withQuery(base: string, value: string, options: TargetOptions): { id: string; query: URLSearchParams } {
  const query = new URLSearchParams(value.split('?')[1] ?? '');
  if (options.simulatedHost) query.set('simulated-host', '');
  if (options.sshConfig) query.set('ssh-config', options.sshConfig);
  const text = [...query.entries()].map(([k, v]) => (v ? `${k}=${v}` : k)).join('&');
  return { id: `${base}${text ? `?${text}` : ''}`, query };
}

const powershell: RunnerKind = {
  name: 'powershell',
  targetForms: ['pwsh-sim:<scenario>', 'local', 'local:pwsh', 'ssh://user@host[:port]'],
  async resolveTarget(runbook, value, options) {
    const base = value.split('?')[0]!;
    if (base.startsWith('pwsh-sim:')) {
      const scenario = scenarioOf(runbook.id, base, 'pwsh-sim:');
      const role = options.role;
      return {
        id: `pwsh-sim:${scenario}`,
        kind: 'powershell',
        describe: `PowerShell against the simulated host${role ? ` '${role}'` : ''}, scenario ${scenario}`,
        lockKey: `pwsh-sim-${runbook.id}-${scenario}${role ? `-${role}` : ''}`,
        ...(role ? { role } : {}),
      };
    }
    if (base === 'local' || base === 'local:pwsh') {
      const { id, query } = withQuery(base, value, options);
      return { id, kind: 'powershell', describe: `PowerShell on this machine${query.has('simulated-host') ? ' (simulated host)' : ''}`, lockKey: 'server-localhost' };
    }
    if (base.startsWith('ssh://')) {
      const { host, port } = parseSsh(base);
      const { id, query } = withQuery(base, value, options);
      const config = query.get('ssh-config');
      if (config && !existsSync(config)) throw new UserError(`ssh config ${config} does not exist`);
      // one server whoever signs in to it: the lock is the host, not the user
      return { id, kind: 'powershell', describe: `PowerShell over OpenSSH${query.has('simulated-host') ? ' (simulated host)' : ''}`, lockKey: `server-${host.toLowerCase()}${port ? `-${port}` : ''}` } satisfies ResolvedTarget;
    }
    return undefined;
  },
  async createRunner(runbook, target, runDir) {
    const [base, queryText = ''] = target.id.split('?') as [string, string?];
    const query = new URLSearchParams(queryText);
    const scriptsDir = packageDir(runbook.id);
    const familyScriptsDir = runbook.family ? familyDir(runbook.family) : undefined;
    if (base.startsWith('pwsh-sim:')) {
      const world = await loadWorld(runbook.id);
      const scenario = listScenarios(runbook.id).find((s) => `pwsh-sim:${s.name}` === base);
      if (!world || !scenario) throw new UserError(`unknown scenario in target '${target.id}' for ${runbook.id}`);
      const statePath = join(runDir, SIM_STATE_FILE);
      const pwsh = powershellExecutable(true);
      const env = {
        RUNBOOK_SIM_STATE: statePath,
        // a multi-target run: this role's server inside the shared state file
        ...(target.role ? { RUNBOOK_SIM_SERVER: target.role } : {}),
        PSModulePath: [simHostDir(runbook.id), process.env.PSModulePath].filter(Boolean).join(delimiter),
        // a simulated host's stand-in executables are pwsh scripts: they need pwsh on PATH
        PATH: [pwsh.includes('/') || pwsh.includes('\\') ? dirname(pwsh) : '', process.env.PATH].filter(Boolean).join(delimiter),
      };
      const runner = powershellRunner({ transport: localTransport(pwsh, env), scriptsDir, familyScriptsDir, simulatedHost: existsSync(simHostDir(runbook.id)), pollSeconds: 0 });
      return { ...runner, prepare: () => world.initialize(scenario, statePath) };
    }
    const simulatedHost = query.has('simulated-host');
    const pollSeconds = simulatedHost ? 0 : 10;
    if (base === 'local' || base === 'local:pwsh') {
      return powershellRunner({ transport: localTransport(powershellExecutable(base === 'local:pwsh')), scriptsDir, familyScriptsDir, simulatedHost, pollSeconds });
    }
    const { user, host, port } = parseSsh(base);
    return powershellRunner({ transport: sshTransport(`${user ? `${user}@` : ''}${host}`, port, query.get('ssh-config') ?? undefined), scriptsDir, familyScriptsDir, simulatedHost, pollSeconds });
  },
  hasPackage: (runbook) => existsSync(packageDir(runbook.id)),
  async implements(runbook, stepId, meta) {
    const dir = packageDir(runbook.id);
    if (!meta.manual) return existsSync(join(dir, `${stepId}.ps1`));
    // guided on a real server; the simulated host, when the package has one, needs a stand-in
    return !existsSync(simHostDir(runbook.id)) || existsSync(join(simHostDir(runbook.id), 'manual', `${stepId}.ps1`));
  },
  async implementsProbe(runbook, stepId) {
    return existsSync(join(packageDir(runbook.id), `${stepId}.probe.ps1`));
  },
  async check(runbook) {
    const dir = packageDir(runbook.id);
    const own = psFiles(dir);
    if (own.length === 0) return { problems: [], notes: [] };
    // the runner kind's step contract and the family's code are shipped with (or run for) every
    // script of the package: they are linted with it
    const files = [STEP_CONTRACT_PATH, ...(runbook.family ? psFiles(familyDir(runbook.family)) : []), ...own];
    const pwsh = findPwsh();
    if (!pwsh) return { problems: [], notes: [`PowerShell 5.1 lint of ${files.length} scripts skipped: pwsh not found (set RUNBOOK_PWSH)`] };
    // execa only here: a run does not load it (start-up)
    const { execa } = await import('execa');
    const result = await execa(pwsh, ['-NoProfile', '-NonInteractive', '-File', join(POWERSHELL_DIR, 'lint-ps51.ps1'), ...files], { reject: false });
    const problems: CheckProblem[] = [];
    for (const line of String(result.stdout).split('\n').filter((l) => l.startsWith('{'))) {
      const report = JSON.parse(line) as { file: string; parseErrors?: string[]; problems?: string[] };
      const file = relative(sourceRoot, report.file);
      for (const text of [...(report.parseErrors ?? []), ...(report.problems ?? [])]) {
        const match = /^(\d+): (.*)$/.exec(text);
        problems.push(match ? { file, line: Number(match[1]), message: `Windows PowerShell 5.1: ${match[2]}` } : { file, message: `Windows PowerShell 5.1: ${text}` });
      }
    }
    if (result.exitCode !== 0 && problems.length === 0) problems.push({ file: relative(sourceRoot, dir), message: `the PowerShell lint did not run: ${String(result.stderr).trim().split('\n')[0]}` });
    return { problems, notes: [`${files.length} PowerShell files parse as Windows PowerShell 5.1`] };
  },
};

/** Every script of a package that a runner or a simulated host may run (the self test is pwsh-only tooling). */
function psFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ps1')) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

function findPwsh(): string | null {
  const candidate = process.env.RUNBOOK_PWSH;
  if (candidate && existsSync(candidate)) return candidate;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'pwsh'))) return join(dir, 'pwsh');
  return null;
}

export default powershell;
