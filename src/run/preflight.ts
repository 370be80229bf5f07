import type { RunbookDefinition } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import { reachableStates } from '../runbook/reachable.js';
import type { ResolvedTarget, Runner } from '../runner/contract.js';
import { UserError } from '../user-error.js';
import { targetFor } from './targets.js';

/**
 * Before a run starts, and again on resume: every step the machine can still reach must have an
 * implementation in this runbook's package for the target's runner. A gap refuses the run before
 * anything is written to the target; no other runbook's implementation is ever tried instead.
 */
export function preflight(runbook: RunbookDefinition, target: ResolvedTarget, runner: Runner, from?: string): void {
  const reachable = reachableStates(runbook.machine, from);
  for (const { key, meta } of runbookStates(runbook.machine)) {
    if (meta?.kind !== 'step' || !reachable.has(key)) continue;
    const part = targetFor(target, meta);
    if (!part) throw new UserError(`runbook ${runbook.id} cannot run: step "${meta.title}" (${key}) names no role of its targets (meta.on: ${meta.on ?? 'none'}); nothing was started`);
    const declared = !meta.runners || meta.runners.includes(part.kind);
    if (declared && runner.canRun(key, meta)) continue;
    throw new UserError(
      `runbook ${runbook.id} cannot run on ${part.role ? `${part.role}=` : ''}${part.id}: step "${meta.title}" (${key}) has no implementation for the ${part.kind} runner` +
        (declared ? ` in runners/${part.kind}/${runbook.id}/` : ` (the step runs only on: ${meta.runners!.join(', ')})`) +
        '; nothing was started',
    );
  }
}
