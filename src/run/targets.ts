import type { RunbookDefinition, StepMeta } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import type { ResolvedTarget, Runner, TargetOptions } from '../runner/contract.js';
import { resolveTarget, runnerKind } from '../runner/runner-kinds.js';
import { acquireLock } from '../lock/lock-file.js';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import { targetLockPath } from './paths.js';

/**
 * Multi-target runs. A runbook that declares `targetRoles` runs on one server per role: each
 * role's target is resolved by its runner kind and gets its own runner, and every step runs on
 * the runner of the role its `meta.on` names. The run keeps one target whose id is the canonical
 * `role=target;role=target` (so a checkpoint's `target` stays a string, and resume rebuilds the
 * same runners from it) and whose lock key is every role's lock key joined with ' + '.
 *
 * Targets on the command line: `--target active=ssh://aadc01 --target staging=ssh://aadc02`, or
 * one simulated target for all roles: `--target sim:<scenario>` / `pwsh-sim:<scenario>` (the
 * scenario holds every role's server; each role's runner works on its own server in it).
 */

const LOCK_JOIN = ' + ';
const ROLE_PREFIX = /^([A-Za-z][A-Za-z0-9_-]*)=(.+)$/;

/** Splits target values (repeated --target, or a kept `role=a;role=b` id) into role → value. */
export function namedTargets(values: string[]): Map<string, string> | null {
  const parts = values.flatMap((v) => (ROLE_PREFIX.test(v) ? v.split(/;(?=[A-Za-z][A-Za-z0-9_-]*=)/) : [v]));
  const named = parts.map((p) => ROLE_PREFIX.exec(p));
  if (named.every((m) => m === null)) return null;
  if (named.some((m) => m === null)) throw new UserError(`give every target with its role (role=target), or one target: ${values.join(' ')}`);
  const map = new Map<string, string>();
  for (const m of named) {
    if (map.has(m![1]!)) throw new UserError(`role '${m![1]}' is given two targets`);
    map.set(m![1]!, m![2]!);
  }
  return map;
}

/** Resolves the run's target(s): one target, or one per role of a multi-target runbook. */
export async function resolveTargets(runbook: RunbookDefinition, given: string | string[] | undefined, options: TargetOptions = {}): Promise<ResolvedTarget> {
  const values = given === undefined ? [] : Array.isArray(given) ? given : [given];
  const roles = runbook.targetRoles ?? [];
  const named = namedTargets(values);
  if (roles.length === 0) {
    if (named || values.length > 1) throw new UserError(`runbook ${runbook.id} runs on one target; give one --target`);
    return resolveTarget(runbook, values[0], options);
  }
  const forRole = new Map<string, string | undefined>();
  const usage = roles.map((r) => `--target ${r.name}=<target>`).join(' ');
  if (named) {
    for (const name of named.keys()) if (!roles.some((r) => r.name === name)) throw new UserError(`runbook ${runbook.id} has no role '${name}'; its roles: ${roles.map((r) => `${r.name} (${r.title})`).join(', ')}`);
    for (const r of roles) {
      if (!named.has(r.name)) throw new UserError(`runbook ${runbook.id} needs a target for each role: ${usage} (missing: ${r.name})`);
      forRole.set(r.name, named.get(r.name));
    }
  } else {
    if (values.length > 1) throw new UserError(`runbook ${runbook.id} runs on ${roles.length} servers: give ${usage}`);
    // one simulated scenario holds every role's server; a real server is never every role
    if (values[0] !== undefined && !/^(sim|pwsh-sim)(:|$)/.test(values[0])) throw new UserError(`runbook ${runbook.id} runs on ${roles.length} servers: give ${usage}`);
    for (const r of roles) forRole.set(r.name, values[0]);
  }
  const parts: Record<string, ResolvedTarget> = {};
  for (const r of roles) parts[r.name] = { ...(await resolveTarget(runbook, forRole.get(r.name), { ...options, role: r.name })), role: r.name };
  const seen = new Map<string, string>();
  for (const [role, part] of Object.entries(parts)) {
    const other = seen.get(part.lockKey);
    if (other) throw new UserError(`roles '${other}' and '${role}' name the same server (${part.id}); they must be two servers`);
    seen.set(part.lockKey, role);
  }
  const entries = Object.entries(parts);
  return {
    id: entries.map(([role, t]) => `${role}=${t.id}`).join(';'),
    kind: [...new Set(entries.map(([, t]) => t.kind))].join('+'),
    describe: entries.map(([role, t]) => `${role}: ${t.describe}`).join('; '),
    lockKey: entries.map(([, t]) => t.lockKey).join(LOCK_JOIN),
    parts,
  };
}

/** The lock keys of a target, or of a lock key a checkpoint kept. */
export function lockKeysOf(target: ResolvedTarget | string): string[] {
  const key = typeof target === 'string' ? target : target.lockKey;
  return key.split(LOCK_JOIN);
}

/** Whether a run that kept `lockKey` works on any server of `target`. */
export function sharesServer(lockKey: string, target: ResolvedTarget): boolean {
  const mine = new Set(lockKeysOf(target));
  return lockKeysOf(lockKey).some((k) => mine.has(k));
}

/** Locks every server of the target (in a fixed order), or none: one busy server refuses the run (exit 6). */
export function acquireTargetLocks(stateDir: string, target: ResolvedTarget, holder: string): () => void {
  const parts = target.parts ? Object.values(target.parts) : [target];
  const releases: Array<() => void> = [];
  try {
    for (const part of [...parts].sort((a, b) => a.lockKey.localeCompare(b.lockKey))) {
      releases.push(acquireLock(targetLockPath(stateDir, part.lockKey), holder, `target ${part.role ? `${part.role}=` : ''}${part.id}`));
    }
  } catch (error) {
    for (const release of releases.reverse()) release();
    throw error;
  }
  return () => {
    for (const release of releases.reverse()) release();
  };
}

/** The part of a multi-target target a step runs on (the target itself for a single target). */
export function targetFor(target: ResolvedTarget, meta: StepMeta): ResolvedTarget | undefined {
  if (!target.parts) return target;
  return meta.on ? target.parts[meta.on] : undefined;
}

/** The target id of each role, from a kept target id (`{}` for a single-target run). */
export function roleTargets(targetId: string): Record<string, string> {
  try {
    return Object.fromEntries(namedTargets([targetId]) ?? []);
  } catch {
    return {};
  }
}

/** The run's runner: the kind's runner, or for several roles one that hands each step to its role's runner. */
export async function createTargetRunner(runbook: RunbookDefinition, target: ResolvedTarget, runDir: string): Promise<Runner> {
  if (!target.parts) return (await runnerKind(target.kind)).createRunner(runbook, target, runDir);
  const runners: Record<string, Runner> = {};
  for (const [role, part] of Object.entries(target.parts)) {
    const runner = await (await runnerKind(part.kind)).createRunner(runbook, part, runDir);
    runners[role] = { ...runner, name: `${runner.name} on ${role}` };
  }
  const roleOf = new Map(runbookStates(runbook.machine).flatMap(({ key, meta }) => (meta?.kind === 'step' && meta.on ? [[key, meta.on] as const] : [])));
  const of = (stepId: string, meta?: StepMeta): Runner | undefined => runners[meta?.on ?? roleOf.get(stepId) ?? ''];
  const missing = (stepId: string): never => {
    throw new UserError(`step '${stepId}' names no role of ${runbook.id} (meta.on): it cannot run`, ExitCode.usage);
  };
  return {
    name: [...new Set(Object.values(runners).map((r) => r.name))].join(', '),
    canRun: (stepId, meta) => of(stepId, meta)?.canRun(stepId, meta) ?? false,
    canProbe: (stepId) => of(stepId)?.canProbe?.(stepId) ?? false,
    forStep: (stepId, meta) => of(stepId, meta) ?? missing(stepId),
    async probe(input, ctx, startedAt) {
      const runner = of(input.stepId, ctx.meta) ?? missing(input.stepId);
      if (!runner.probe) return { verdict: 'unknown', evidence: [`the ${runner.name} runner has no probe`] };
      return runner.probe(input, ctx, startedAt);
    },
    prepare() {
      for (const runner of Object.values(runners)) runner.prepare?.();
    },
    run: (input, ctx) => (of(input.stepId, ctx.meta) ?? missing(input.stepId)).run(input, ctx),
    async close() {
      for (const runner of Object.values(runners)) await runner.close?.();
    },
  };
}
