import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { UserError } from '../user-error.js';
import type { RunbookDefinition } from './define.js';

/** Runbooks are the modules in machines/ (compiled next to this engine); a new file is a new runbook. */
const machinesDir = fileURLToPath(new URL('../../machines/', import.meta.url));

export function runbookIds(): string[] {
  if (!existsSync(machinesDir)) return [];
  return readdirSync(machinesDir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(js|ts)$/, ''))
    .sort();
}

export async function loadRunbook(id: string): Promise<RunbookDefinition> {
  const ids = runbookIds();
  if (!ids.includes(id)) {
    throw new UserError(`unknown runbook '${id}'; known: ${ids.join(', ') || '(none)'} (see: runbook list)`);
  }
  const file = readdirSync(machinesDir).find((f) => f.replace(/\.(js|ts)$/, '') === id)!;
  const module = (await import(pathToFileURL(join(machinesDir, file)).href)) as { default?: RunbookDefinition };
  if (!module.default?.machine) throw new Error(`machines/${file} does not export a runbook definition as default`);
  return module.default;
}

export async function loadAllRunbooks(): Promise<RunbookDefinition[]> {
  return Promise.all(runbookIds().map(loadRunbook));
}

/** The runbook's source file (for `file:line` in `runbook check`), whether the engine runs compiled or not. */
export function runbookSourceFile(id: string): string {
  const root = machinesDir.includes('/dist/') ? join(machinesDir, '..', '..', 'machines') : machinesDir;
  return join(root, `${id}.ts`);
}
