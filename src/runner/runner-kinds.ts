import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunbookDefinition } from '../runbook/define.js';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import type { ResolvedTarget, RunnerKind, ScenarioInfo, TargetOptions } from './contract.js';

/**
 * Runner kinds are found by position: every folder under runners/ with a `kind` module is one.
 * Nothing lists them, so a new kind is a new folder. Loaded only by the commands that run or
 * check something, to keep `list` and `--version` fast.
 */
const runnersDir = fileURLToPath(new URL('../../runners/', import.meta.url));

let loaded: Promise<RunnerKind[]> | undefined;

export function runnerKinds(): Promise<RunnerKind[]> {
  loaded ??= (async () => {
    if (!existsSync(runnersDir)) return [];
    const kinds: RunnerKind[] = [];
    for (const folder of readdirSync(runnersDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
      const file = ['kind.js', 'kind.ts'].map((f) => join(runnersDir, folder, f)).find((f) => existsSync(f));
      if (!file) continue;
      const module = (await import(pathToFileURL(file).href)) as { default?: RunnerKind };
      if (!module.default?.resolveTarget) throw new Error(`runners/${folder}/kind does not export a runner kind as default`);
      kinds.push(module.default);
    }
    return kinds;
  })();
  return loaded;
}

export async function runnerKind(name: string): Promise<RunnerKind> {
  const kind = (await runnerKinds()).find((k) => k.name === name);
  if (!kind) throw new UserError(`no runner kind '${name}' (runners/${name}/kind is missing)`, ExitCode.state);
  return kind;
}

/** The kind that claims a --target value (or a kept target id); the default target when none is given. */
export async function resolveTarget(runbook: RunbookDefinition, value: string | undefined, options: TargetOptions = {}): Promise<ResolvedTarget> {
  const kinds = await runnerKinds();
  let wanted = value;
  for (const kind of kinds) wanted ??= await kind.defaultTarget?.(runbook);
  if (!wanted) throw new UserError(`runbook ${runbook.id} has no default target; give --target (${kinds.flatMap((k) => k.targetForms).join(', ')})`);
  for (const kind of kinds) {
    const target = await kind.resolveTarget(runbook, wanted, options);
    if (target) return target;
  }
  throw new UserError(`unknown target '${wanted}'; expected ${kinds.flatMap((k) => k.targetForms).join(', ')}`);
}

/** Every scenario the runbook's packages have, over all kinds (names are unique per runbook). */
export async function scenariosOf(runbook: RunbookDefinition): Promise<ScenarioInfo[]> {
  const seen = new Map<string, ScenarioInfo>();
  for (const kind of await runnerKinds()) for (const s of kind.scenarios?.(runbook) ?? []) if (!seen.has(s.name)) seen.set(s.name, s);
  return [...seen.values()];
}
