import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sourceRoot } from '../source-root.js';
import type { Runner } from '../../src/runner/contract.js';
import { simulatorRunner as aadconnectRunner } from './aadconnect/runner.js';
import { initialState, saveState, type Scenario } from './aadconnect/server.js';

/**
 * The simulated worlds, by runbook id. A runbook without one cannot run against `sim:`.
 * Scenarios are data files beside the simulator; they ship as source, not compiled.
 */
interface Simulation {
  scenariosDir: string;
  createRunner(statePath: string): Runner;
  initialize(scenario: Scenario, statePath: string): void;
}


const simulations: Record<string, Simulation> = {
  'aadconnect-encryption-key': {
    scenariosDir: join(sourceRoot, 'runners', 'simulator', 'aadconnect', 'scenarios'),
    createRunner: aadconnectRunner,
    initialize: (scenario, statePath) => saveState(statePath, initialState(scenario)),
  },
};

export function simulationFor(runbookId: string): Simulation | undefined {
  return simulations[runbookId];
}

export function listScenarios(runbookId: string): Scenario[] {
  const simulation = simulations[runbookId];
  if (!simulation || !existsSync(simulation.scenariosDir)) return [];
  return readdirSync(simulation.scenariosDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(simulation.scenariosDir, f), 'utf8')) as Scenario);
}
