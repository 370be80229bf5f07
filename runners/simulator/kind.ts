import { basename, join } from 'node:path';
import type { RunnerKind, ResolvedTarget } from '../../src/runner/contract.js';
import { UserError } from '../../src/user-error.js';
import { hasWorld, listScenarios, loadWorld, scenarioFiles } from './worlds.js';

/** The in-process simulated world, kept in the run directory so that a resumed run meets the same one. */
export const SIM_STATE_FILE = 'simulated-server.json';

/** A scenario named by a `<prefix><scenario>` target, checked against the runbook's own scenarios. */
export function scenarioOf(runbookId: string, value: string, prefix: string): string {
  if (!hasWorld(runbookId)) throw new UserError(`runbook ${runbookId} has no simulated world (runners/simulator/${runbookId}/world.ts); give a real --target`);
  const scenario = value.slice(prefix.length);
  const known = listScenarios(runbookId).map((s) => s.name);
  if (!known.includes(scenario)) throw new UserError(`unknown scenario '${scenario}' for ${runbookId}; known: ${known.join(', ')}`);
  return scenario;
}

const simulator: RunnerKind = {
  name: 'simulator',
  targetForms: ['sim:<scenario>'],
  async defaultTarget(runbook) {
    return hasWorld(runbook.id) && runbook.defaultScenario ? `sim:${runbook.defaultScenario}` : undefined;
  },
  async resolveTarget(runbook, value, options) {
    if (value !== 'sim' && !value.startsWith('sim:')) return undefined;
    const scenario = scenarioOf(runbook.id, value === 'sim' ? `sim:${runbook.defaultScenario ?? ''}` : value, 'sim:');
    // in a multi-target run each role is its own simulated server of the scenario, locked apart
    const role = options.role;
    return {
      id: `sim:${scenario}`,
      kind: 'simulator',
      describe: role ? `simulated server '${role}' of scenario ${scenario}` : `simulated server, scenario ${scenario}`,
      lockKey: `sim-${runbook.id}-${scenario}${role ? `-${role}` : ''}`,
      ...(role ? { role } : {}),
    } satisfies ResolvedTarget;
  },
  async createRunner(runbook, target, runDir) {
    const world = await loadWorld(runbook.id);
    const scenario = listScenarios(runbook.id).find((s) => `sim:${s.name}` === target.id);
    if (!world || !scenario) throw new UserError(`unknown scenario in target '${target.id}' for ${runbook.id}`);
    const statePath = join(runDir, SIM_STATE_FILE);
    return { ...world.createRunner(statePath, target.role), prepare: () => world.initialize(scenario, statePath) };
  },
  hasPackage: (runbook) => hasWorld(runbook.id),
  async implements(runbook, stepId, meta) {
    const world = await loadWorld(runbook.id);
    return world?.createRunner(join('/nonexistent', SIM_STATE_FILE)).canRun(stepId, meta) ?? false;
  },
  async implementsProbe(runbook, stepId) {
    const world = await loadWorld(runbook.id);
    return world?.createRunner(join('/nonexistent', SIM_STATE_FILE)).canProbe?.(stepId) ?? false;
  },
  async check(runbook) {
    const world = await loadWorld(runbook.id);
    const problems = [];
    for (const f of scenarioFiles(runbook.id)) {
      if (f.error) problems.push({ file: f.file, message: `not valid JSON: ${f.error}` });
      else {
        for (const message of world?.validateScenario(f.scenario) ?? []) problems.push({ file: f.file, message });
        if (f.scenario?.name !== basename(f.file, '.json')) problems.push({ file: f.file, message: `its name '${f.scenario?.name}' is not its file name` });
      }
    }
    return { problems, notes: [] };
  },
  scenarios: (runbook) => listScenarios(runbook.id),
};

export default simulator;
