import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sourceRoot } from '../source-root.js';
import type { Json } from '../../src/runbook/define.js';
import { StepFailure, type Runner, type StepContext, type StepInput, type StepResult } from '../../src/runner/contract.js';
import { confirmManualStep } from '../manual/manual-runner.js';
import type { Transport } from './transport.js';

/**
 * Carries out a runbook's steps with the PowerShell scripts of its own package,
 * `runners/powershell/<runbook>/<step>.ps1` (the runner kind's step-contract.ps1, the `_*.ps1`
 * helpers of the runbook's family and the files named `_*.ps1` beside them are shipped with each
 * script, for dot-sourcing), through a transport (this machine, or a host over SSH).
 * Secrets go on the script's stdin only. A script of another runbook is never looked at.
 *
 * A manual step (a GUI action, an interactive sign-in) is guided: the operator does it and
 * confirms, then `<step>.after.ps1`, when the package has one, checks that it took effect. On
 * the package's simulated host (`sim-host/`), its stand-in `sim-host/manual/<step>.ps1` plays
 * the operator's action instead.
 */

export const POWERSHELL_DIR = join(sourceRoot, 'runners', 'powershell');
/**
 * The step contract of this runner kind (Invoke-Step, the RUNBOOK-RESULT line, evidence, problems,
 * failure categories): one file for every package, shipped beside every script it runs, first of
 * the files; a package's `_common.ps1` dot-sources it. The name is reserved in a package.
 */
export const STEP_CONTRACT = 'step-contract.ps1';
export const STEP_CONTRACT_PATH = join(POWERSHELL_DIR, STEP_CONTRACT);
const RESULT_PREFIX = 'RUNBOOK-RESULT ';

/** A runbook's PowerShell package: where its scripts and its simulated host are. */
export function packageDir(runbookId: string): string {
  return join(POWERSHELL_DIR, runbookId);
}

/**
 * The shared code of a runbook family (`family` in the runbook's definition) for this runner kind:
 * `runners/powershell/families/<family>/`. Its `_*.ps1` helpers are shipped with every script of
 * a package of that family (after step-contract.ps1, before the package's own).
 */
export function familyDir(family: string): string {
  return join(POWERSHELL_DIR, 'families', family);
}

/** The `_*.ps1` helpers of a folder, sorted: shipped beside a step script, for dot-sourcing. */
export function helperFiles(dir: string | undefined): string[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.startsWith('_') && f.endsWith('.ps1')).sort().map((f) => join(dir, f));
}

export function simHostDir(runbookId: string): string {
  return join(packageDir(runbookId), 'sim-host');
}

export interface ScriptCall {
  /** Files to place side by side in a private folder: the step script and what it dot-sources. */
  files: Array<{ name: string; text: string }>;
  script: string;
  args: string[];
  stdin: string;
}

export interface PowerShellRunnerOptions {
  transport: Transport;
  /** The runbook's package folder (the bench points it at no-op scripts). */
  scriptsDir: string;
  /** The runbook's family folder of this runner kind (`familyDir`), when it has a family. */
  familyScriptsDir?: string;
  /** The target is the package's simulated host: manual steps are done by its stand-in scripts. */
  simulatedHost: boolean;
  /** Seconds between polls of the target (0 on the simulated host). */
  pollSeconds: number;
}

export function powershellRunner(options: PowerShellRunnerOptions): Runner {
  const { scriptsDir } = options;
  const scriptFor = (stepId: string) => join(scriptsDir, `${stepId}.ps1`);
  const afterFor = (stepId: string) => join(scriptsDir, `${stepId}.after.ps1`);
  const probeFor = (stepId: string) => join(scriptsDir, `${stepId}.probe.ps1`);
  const standInFor = (stepId: string) => join(scriptsDir, 'sim-host', 'manual', `${stepId}.ps1`);
  // the step contract, then the family's helpers, then the package's own
  const shared = () =>
    [STEP_CONTRACT_PATH, ...helperFiles(options.familyScriptsDir), ...helperFiles(scriptsDir)].map((path) => ({ name: basename(path), text: readFileSync(path, 'utf8') }));
  const runner: Runner = {
    name: 'powershell',
    canRun: (stepId, meta) => (meta.manual ? !options.simulatedHost || existsSync(standInFor(stepId)) : existsSync(scriptFor(stepId))),
    async run(input, ctx) {
      if (ctx.meta.manual) return guided(input, ctx);
      const secrets = await secretsFor(input, ctx);
      return runScript(scriptFor(input.stepId), input, ctx, secrets.stdin, secrets.args);
    },
    canProbe: (stepId) => existsSync(probeFor(stepId)),
    async probe(input, ctx, startedAt) {
      const result = await runScript(probeFor(input.stepId), input, ctx, '', ['-StepStartedAt', startedAt]);
      const verdict = (result.output as { verdict?: string } | undefined)?.verdict;
      return { verdict: verdict === 'done' || verdict === 'not-done' ? verdict : 'unknown', evidence: result.evidence };
    },
    close: () => options.transport.close(),
  };

  async function runScript(path: string, input: StepInput, ctx: StepContext, stdin: string, extra: string[] = []): Promise<StepResult> {
    const script = basename(path);
    const args = [
      '-AttemptId', input.attemptId,
      '-StepId', input.stepId,
      '-PollIntervalSeconds', String(options.pollSeconds),
      '-TimeoutSeconds', String(Math.max(1, Math.floor((ctx.deadline - Date.now()) / 1000) - 5)),
      ...paramArgs(input.params),
      ...extra,
    ];
    const call: ScriptCall = {
      files: [...shared(), { name: script, text: readFileSync(path, 'utf8') }],
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
    let parsed: { ok: boolean; output?: Json; evidence?: string[]; problems?: string[]; error?: string; category?: string };
    try {
      parsed = JSON.parse(lines[0]!.slice(RESULT_PREFIX.length));
    } catch (error) {
      throw new StepFailure(`${script} printed an unreadable result line (${(error as Error).message})`, 'script-error', [], details);
    }
    const evidence = parsed.evidence ?? [];
    if (!parsed.ok || result.exitCode !== 0) {
      throw new StepFailure(parsed.error ?? `${script} exited ${result.exitCode}`, parsed.category ?? 'failed', evidence, details);
    }
    return { output: parsed.output === null ? undefined : parsed.output, evidence, ...(parsed.problems?.length ? { problems: parsed.problems } : {}), details };
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

  async function guided(input: StepInput, ctx: StepContext): Promise<StepResult> {
    if (options.simulatedHost) {
      const secrets = await secretsFor(input, ctx);
      return runScript(standInFor(input.stepId), input, ctx, secrets.stdin, secrets.args);
    }
    // on a real server the operator types any secret into the GUI: the engine never asks for it
    const evidence = await confirmManualStep(input, ctx);
    if (!existsSync(afterFor(input.stepId))) return { evidence };
    try {
      const check = await runScript(afterFor(input.stepId), input, ctx, '');
      return { evidence: [...evidence, ...check.evidence], details: check.details ?? {} };
    } catch (error) {
      if (error instanceof StepFailure) throw new StepFailure(error.message, error.category, [...evidence, ...error.evidence], error.details);
      throw error;
    }
  }

  return runner;
}

/** Step params as script parameters: `connector` becomes `-Connector <value>`. Never a secret. */
function paramArgs(params: Record<string, Json>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === null || typeof value === 'object') continue;
    args.push(`-${key[0]!.toUpperCase()}${key.slice(1)}`, String(value));
  }
  return args;
}
