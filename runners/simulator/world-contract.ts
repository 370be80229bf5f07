import type { Runner, ScenarioInfo } from '../../src/runner/contract.js';

/**
 * What a runbook's simulated world exports as the default of `runners/simulator/<runbook>/world.ts`.
 * Its scenarios (and drills, scenarios with a `drill`) are the JSON files in `scenarios/` beside it.
 */
export interface SimulatedWorld {
  /**
   * The runner that carries out the runbook's steps on the world kept in `statePath`. In a
   * multi-target run (a runbook with `targetRoles`) each role gets its own runner, given its
   * `role`: it works on that role's server of the world (the scenario holds every server).
   */
  createRunner(statePath: string, role?: string): Runner;
  /** Writes a scenario's starting world to `statePath`. */
  initialize(scenario: ScenarioInfo, statePath: string): void;
  /** What is wrong with a scenario file for this world; empty when it validates. */
  validateScenario(scenario: unknown): string[];
}
