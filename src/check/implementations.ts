import { relative } from 'node:path';
import type { RunbookDefinition } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import { reachableStates } from '../runbook/reachable.js';
import type { RunnerKind } from '../runner/contract.js';
import { lineOf, type CheckProblem } from './problem.js';

/**
 * Every reachable step is implemented for each runner kind it declares (by default: every kind
 * the runbook ships a package for), each kind's own lint passes, and drills name real states.
 */
export async function checkImplementations(
  runbook: RunbookDefinition,
  kinds: RunnerKind[],
  file: string,
  source: string | null,
): Promise<{ problems: CheckProblem[]; notes: string[] }> {
  const problems: CheckProblem[] = [];
  const notes: string[] = [];
  const packaged = kinds.filter((k) => k.hasPackage(runbook));
  if (packaged.length === 0) problems.push({ file, message: `runbook ${runbook.id} has no implementations: add runners/<kind>/${runbook.id}/ (see README, "Writing a runbook")` });
  const reachable = reachableStates(runbook.machine);
  const states = runbookStates(runbook.machine);
  for (const { key, meta } of states) {
    if (meta?.kind !== 'step' || !reachable.has(key)) continue;
    for (const name of meta.runners ?? packaged.map((k) => k.name)) {
      const kind = kinds.find((k) => k.name === name);
      const where = `runners/${name}/${runbook.id}/`;
      if (!kind) problems.push({ file, line: lineOf(source, meta.title), message: `step '${key}' declares runner '${name}', and there is no runners/${name}/kind` });
      else if (!kind.hasPackage(runbook)) problems.push({ file, line: lineOf(source, meta.title), message: `step '${key}' declares runner '${name}', and ${where} does not exist` });
      else if (!(await kind.implements(runbook, key, meta))) problems.push({ file: where, message: `step '${key}' ("${meta.title}") has no implementation for the ${name} runner` });
      else if (meta.probe && !(await kind.implementsProbe(runbook, key))) problems.push({ file: where, message: `step '${key}' ("${meta.title}") declares a probe, and the ${name} runner has no implementation of it` });
    }
    if (!meta.idempotent && !meta.probe) {
      problems.push({ file, line: lineOf(source, meta.title), message: `step '${key}' ("${meta.title}") is not safe to repeat and declares no probe: after a crash nobody could tell whether it took effect` });
    }
  }
  const keys = new Set(states.map((s) => s.key));
  const finals = new Set(states.filter((s) => s.meta?.kind === 'final').map((s) => s.key));
  for (const kind of packaged) {
    const result = await kind.check?.(runbook);
    if (result) {
      problems.push(...result.problems);
      notes.push(...result.notes.map((n) => `${kind.name}: ${n}`));
    }
    for (const scenario of kind.scenarios?.(runbook) ?? []) {
      const where = `runners/${kind.name}/${runbook.id}/scenarios/${scenario.name}.json`;
      if (scenario.drill && !scenario.drill.briefing?.length) problems.push({ file: where, message: 'a drill needs a briefing: what the trainee would have in the real situation (never the answer)' });
      for (const state of scenario.drill?.ideal ?? []) if (!keys.has(state)) problems.push({ file: where, message: `drill's ideal path names '${state}', which is not a state of ${runbook.id}` });
      if (scenario.expect && !finals.has(scenario.expect.final)) problems.push({ file: where, message: `expects the run to end at '${scenario.expect.final}', which is not an end state of ${runbook.id}` });
    }
  }
  return { problems: problems.map((p) => ({ ...p, file: p.file.startsWith('/') ? relative(process.cwd(), p.file) || p.file : p.file })), notes };
}
