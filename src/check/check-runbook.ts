import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { RunbookDefinition } from '../runbook/define.js';
import { runbookSourceFile } from '../runbook/load-runbook.js';
import { runnerKinds } from '../runner/runner-kinds.js';
import { checkFlow } from './flow.js';
import { checkImplementations } from './implementations.js';
import { checkStateTexts } from './state-texts.js';
import { checkTargets } from './targets.js';
import type { CheckProblem } from './problem.js';

export interface CheckReport {
  runbookId: string;
  problems: CheckProblem[];
  notes: string[];
}

/** `runbook check`: everything that can be known about a runbook package without a target. */
export async function checkRunbook(runbook: RunbookDefinition): Promise<CheckReport> {
  const path = runbookSourceFile(runbook.id);
  const source = existsSync(path) ? readFileSync(path, 'utf8') : null;
  const file = relative(process.cwd(), path) || path;
  const implementations = await checkImplementations(runbook, await runnerKinds(), file, source);
  return {
    runbookId: runbook.id,
    problems: [...checkStateTexts(runbook.machine, file, source), ...checkFlow(runbook, file, source), ...checkTargets(runbook, file, source), ...implementations.problems],
    notes: implementations.notes,
  };
}
