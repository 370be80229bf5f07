import { join } from 'node:path';
import type { RunbookDefinition } from '../src/runbook/define.js';
import type { Runner } from '../src/runner/contract.js';
import { UserError } from '../src/user-error.js';
import { listScenarios, simulationFor } from './simulator/catalog.js';
import { manualRunner } from './manual/manual-runner.js';

export { manualRunner };

/** A target as given on the command line, resolved to a stable id (what locks are keyed on). */
export interface ResolvedTarget {
  id: string;
  describe: string;
}

const SIM_STATE_FILE = 'simulated-server.json';

/** Checks a `--target` value for a runbook before anything is created. */
export function resolveTarget(runbook: RunbookDefinition, target: string | undefined): ResolvedTarget {
  const value = target ?? `sim:${runbook.defaultScenario ?? ''}`;
  if (value === 'sim' || value.startsWith('sim:')) {
    const scenario = value === 'sim' ? runbook.defaultScenario : value.slice(4);
    if (!simulationFor(runbook.id)) throw new UserError(`runbook '${runbook.id}' has no simulator; give a real --target`);
    const known = listScenarios(runbook.id).map((s) => s.name);
    if (!scenario || !known.includes(scenario)) {
      throw new UserError(`unknown scenario '${scenario ?? ''}' for ${runbook.id}; known: ${known.join(', ')}`);
    }
    return { id: `sim:${scenario}`, describe: `simulated server (scenario ${scenario})` };
  }
  throw new UserError(`unknown target '${value}'; expected sim:<scenario>`);
}

/** The runner for a target, preparing its run-directory state on first use. */
export function createRunner(runbook: RunbookDefinition, targetId: string, runDir: string, fresh: boolean): Runner {
  const simulation = simulationFor(runbook.id);
  if (targetId.startsWith('sim:') && simulation) {
    const statePath = join(runDir, SIM_STATE_FILE);
    if (fresh) {
      const scenario = listScenarios(runbook.id).find((s) => `sim:${s.name}` === targetId);
      if (!scenario) throw new UserError(`unknown scenario in target '${targetId}'`);
      simulation.initialize(scenario, statePath);
    }
    return simulation.createRunner(statePath);
  }
  throw new UserError(`no runner for target '${targetId}'`);
}
