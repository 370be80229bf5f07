import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceRoot } from '../source-root.js';
import type { Json } from '../../src/runbook/define.js';
import { StepFailure, type Runner, type StepContext, type StepInput, type StepResult } from '../../src/runner/contract.js';
import { confirmManualStep } from '../manual/manual-runner.js';
import type { Transport } from './transport.js';

/**
 * Carries out steps with the PowerShell scripts in `scripts/`, one per automated step, through a
 * transport (this machine, or a host over SSH). Secrets go on the script's stdin only.
 *
 * The steps no cmdlet can do (the AD DS password in Synchronization Service Manager, an admin
 * sign-in with MFA) stay guided manual steps; around the password step the runner lists the
 * connectors still to do and checks afterwards that the connector can run. On the simulated
 * ADSync host (`standIns`), stand-in scripts play the operator's GUI action instead.
 */

export const SCRIPTS_DIR = join(sourceRoot, 'runners', 'powershell', 'scripts');
export const SIM_HOST_DIR = join(sourceRoot, 'runners', 'powershell', 'sim-host');
const STAND_INS_DIR = join(SIM_HOST_DIR, 'manual');
const RESULT_PREFIX = 'RUNBOOK-RESULT ';

export interface ScriptCall {
  /** Files to place side by side in a private folder: the step script and what it dot-sources. */
  files: Array<{ name: string; text: string }>;
  script: string;
  args: string[];
  stdin: string;
}

export interface PowerShellRunnerOptions {
  transport: Transport;
  /** The target is the simulated ADSync host: manual steps are done by its stand-in scripts. */
  simulatedHost: boolean;
  /** Seconds between polls of the sync engine (0 on the simulated host). */
  pollSeconds: number;
  /** Where the step scripts are (the bench points it at no-op scripts). */
  scriptsDir?: string;
}

export function powershellRunner(options: PowerShellRunnerOptions): Runner {
  const scriptsDir = options.scriptsDir ?? SCRIPTS_DIR;
  const scriptFor = (stepId: string) => join(scriptsDir, `${stepId}.ps1`);
  const standInFor = (stepId: string) => join(STAND_INS_DIR, `${stepId}.ps1`);
  const runner: Runner = {
    name: options.transport.runnerName,
    canRun: (stepId, meta) =>
      existsSync(scriptFor(stepId)) || (options.simulatedHost && meta.manual && existsSync(standInFor(stepId))) || stepId === 'connectorPassword',
    async run(input, ctx) {
      if (input.stepId === 'connectorPassword') return connectorPassword(input, ctx);
      if (ctx.meta.manual && !existsSync(scriptFor(input.stepId))) return standIn(input, ctx);
      const secrets = await secretsFor(input, ctx);
      return runScript(scriptFor(input.stepId), input, ctx, secrets.stdin, secrets.args);
    },
    close: () => options.transport.close(),
  };

  async function runScript(path: string, input: StepInput, ctx: StepContext, stdin: string, extra: string[] = []): Promise<StepResult> {
    const script = `${input.stepId}.ps1`;
    const args = [
      '-AttemptId', input.attemptId,
      '-StepId', input.stepId,
      '-PollIntervalSeconds', String(options.pollSeconds),
      '-TimeoutSeconds', String(Math.max(1, Math.floor((ctx.deadline - Date.now()) / 1000) - 5)),
      ...paramArgs(input.params),
      ...extra,
    ];
    const call: ScriptCall = {
      files: [
        { name: '_common.ps1', text: readFileSync(join(scriptsDir, '_common.ps1'), 'utf8') },
        { name: script, text: readFileSync(path, 'utf8') },
      ],
      script,
      args,
      stdin,
    };
    ctx.progress(`${options.transport.describe}: ${script}`);
    const started = Date.now();
    const result = await options.transport.run(call, ctx);
    const durationMs = Date.now() - started;
    await ctx.checkpointReached('spawned-done');
    const details: Record<string, Json> = {
      command: `${result.command} ${args.join(' ')}`,
      exitCode: result.exitCode,
      durationMs,
      stdout: result.stdout.slice(-4000),
      stderr: result.stderr.slice(-4000),
    };
    ctx.log('script ran', { script, exitCode: result.exitCode, durationMs });
    const lines = result.stdout.split(/\r?\n/).filter((l) => l.startsWith(RESULT_PREFIX));
    if (lines.length !== 1) {
      const tail = result.stderr.trim().split(/\r?\n/).slice(-3).join(' | ');
      throw new StepFailure(
        `${script} printed ${lines.length} result lines (exit ${result.exitCode})${tail ? `: ${tail}` : ''}`,
        result.timedOut ? 'timeout' : 'script-error',
        [],
        details,
      );
    }
    let parsed: { ok: boolean; output?: Json; evidence?: string[]; error?: string; category?: string };
    try {
      parsed = JSON.parse(lines[0]!.slice(RESULT_PREFIX.length));
    } catch (error) {
      throw new StepFailure(`${script} printed an unreadable result line (${(error as Error).message})`, 'script-error', [], details);
    }
    const evidence = parsed.evidence ?? [];
    if (!parsed.ok || result.exitCode !== 0) {
      throw new StepFailure(parsed.error ?? `${script} exited ${result.exitCode}`, parsed.category ?? 'failed', evidence, details);
    }
    return { output: parsed.output === null ? undefined : parsed.output, evidence, details };
  }

  /** Secret values become stdin lines; a credential's user name (not secret) becomes -AdminUser. */
  async function secretsFor(input: StepInput, ctx: StepContext): Promise<{ stdin: string; args: string[] }> {
    const lines: string[] = [];
    const args: string[] = [];
    for (const ref of input.secrets) {
      if (ref.kind === 'credential') {
        const { username, password } = await ctx.secrets.credential(ref);
        args.push('-AdminUser', username);
        lines.push(password);
      } else {
        lines.push(await ctx.secrets.get(ref));
      }
    }
    return { stdin: lines.length ? `${lines.join('\n')}\n` : '', args };
  }

  async function standIn(input: StepInput, ctx: StepContext): Promise<StepResult> {
    if (!options.simulatedHost) return { evidence: await confirmManualStep(input, ctx) };
    const secrets = await secretsFor(input, ctx);
    return runScript(standInFor(input.stepId), input, ctx, secrets.stdin, secrets.args);
  }

  async function connectorPassword(input: StepInput, ctx: StepContext): Promise<StepResult> {
    const connector = String(input.params.connector);
    const remaining = Array.isArray(input.params.remaining) ? (input.params.remaining as string[]) : [connector];
    ctx.note(`connectors still to do: ${remaining.join(', ')}`);
    if (options.simulatedHost) return standIn(input, ctx);
    const evidence = [`connectors still to do: ${remaining.join(', ')}`, ...(await confirmManualStep(input, ctx))];
    const check = await runScript(join(scriptsDir, 'checkConnector.ps1'), input, ctx, '', ['-RunDeltaImport']);
    const canRun = (check.output as { canRun?: boolean } | undefined)?.canRun === true;
    if (!canRun) {
      throw new StepFailure(`${connector} still cannot run after the password was entered`, 'no-start-credentials', [...evidence, ...check.evidence], check.details);
    }
    return { evidence: [...evidence, ...check.evidence], details: check.details };
  }

  return runner;
}

/** Step params as script parameters: `connector` becomes `-Connector <value>`. Never a secret. */
function paramArgs(params: Record<string, Json>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (key === 'remaining' || value === null || typeof value === 'object') continue;
    args.push(`-${key[0]!.toUpperCase()}${key.slice(1)}`, String(value));
  }
  return args;
}
