import type { RunbookDefinition } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import { lineOf, type CheckProblem } from './problem.js';

/**
 * Multi-target runbooks: roles have distinct names, and every step names (`meta.on`) the role
 * whose server it runs on; a single-target runbook's steps name none.
 */
export function checkTargets(runbook: RunbookDefinition, file: string, source: string | null): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const roles = runbook.targetRoles ?? [];
  const names = new Set<string>();
  for (const role of roles) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(role.name)) problems.push({ file, line: lineOf(source, role.name), message: `target role '${role.name}' is not a plain name (letters, digits, - and _)` });
    if (names.has(role.name)) problems.push({ file, line: lineOf(source, role.name), message: `target role '${role.name}' is declared twice` });
    names.add(role.name);
  }
  for (const { key, meta } of runbookStates(runbook.machine)) {
    if (meta?.kind !== 'step') continue;
    const at = { file, line: lineOf(source, meta.title) };
    if (roles.length === 0 && meta.on) problems.push({ ...at, message: `step '${key}' says it runs on '${meta.on}', and the runbook declares no targetRoles` });
    if (roles.length > 0 && !meta.on) problems.push({ ...at, message: `step '${key}' ("${meta.title}") does not say which server it runs on: set meta.on to one of ${[...names].join(', ')}` });
    if (roles.length > 0 && meta.on && !names.has(meta.on)) problems.push({ ...at, message: `step '${key}' runs on '${meta.on}', which is not a role of the runbook (${[...names].join(', ')})` });
  }
  return problems;
}
