import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ScenarioInfo } from '../../src/runner/contract.js';
import { sourceRoot } from '../source-root.js';
import type { SimulatedWorld } from './world-contract.js';

/**
 * A runbook's simulated world is found by position: `runners/simulator/<runbook>/world.ts` and
 * its `scenarios/*.json` (data, shipped as source). Nothing else is ever loaded for that runbook.
 */
const compiledDir = new URL('./', import.meta.url);

export function worldFolder(runbookId: string): string {
  return join(sourceRoot, 'runners', 'simulator', runbookId);
}

export function scenariosFolder(runbookId: string): string {
  return join(worldFolder(runbookId), 'scenarios');
}

export function hasWorld(runbookId: string): boolean {
  return ['world.js', 'world.ts'].some((f) => existsSync(new URL(`${runbookId}/${f}`, compiledDir)));
}

export async function loadWorld(runbookId: string): Promise<SimulatedWorld | undefined> {
  const file = ['world.js', 'world.ts'].map((f) => new URL(`${runbookId}/${f}`, compiledDir)).find((u) => existsSync(u));
  if (!file) return undefined;
  const module = (await import(pathToFileURL(file.pathname).href)) as { default?: SimulatedWorld };
  if (!module.default?.createRunner) throw new Error(`runners/simulator/${runbookId}/world does not export a simulated world as default`);
  return module.default;
}

export interface ScenarioFile {
  file: string;
  /** The parsed file, or the parse error. */
  scenario: ScenarioInfo | null;
  error: string | null;
}

export function scenarioFiles(runbookId: string): ScenarioFile[] {
  const dir = scenariosFolder(runbookId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      try {
        return { file, scenario: JSON.parse(readFileSync(file, 'utf8')) as ScenarioInfo, error: null };
      } catch (error) {
        return { file, scenario: null, error: (error as Error).message };
      }
    });
}

export function listScenarios(runbookId: string): ScenarioInfo[] {
  return scenarioFiles(runbookId).flatMap((f) => (f.scenario ? [f.scenario] : []));
}
