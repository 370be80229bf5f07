import { join } from 'node:path';
import { loadRunbook } from '../../runbook/load-runbook.js';
import { readJournal } from '../../journal/read-journal.js';
import { debrief } from '../../run/debrief.js';
import { stateDir } from '../../run/paths.js';
import { UserError } from '../../user-error.js';
import { scenariosOf } from '../../runner/runner-kinds.js';
import { paint, useColor } from '../terminal-reporter.js';
import type { GlobalOptions } from '../program.js';
import { run } from './run.js';

interface TrainOptions extends GlobalOptions {
  scenario?: string;
  list?: boolean;
  answers?: string;
}

/**
 * `runbook train`: a drill is a simulator scenario with a fault and an ideal path. The run is
 * the real interactive runbook (kept apart from real runs, under <state>/training), followed by
 * a debrief: the path taken against the ideal one, mistakes, failures handled, time per step.
 */
export async function train(runbookId: string, options: TrainOptions): Promise<number> {
  const runbook = await loadRunbook(runbookId);
  const drills = (await scenariosOf(runbook)).filter((s) => s.drill);
  const w = (text = '') => process.stderr.write(`${text}\n`);
  if (options.list || !options.scenario) {
    if (options.json) {
      process.stdout.write(`${JSON.stringify(drills.map((d) => ({ scenario: d.name, ...d.drill, ...(d.expect ? { expect: d.expect.final } : {}) })), null, 2)}\n`);
      return 0;
    }
    for (const d of drills) process.stdout.write(`${d.name.padEnd(26)} ${d.drill!.title}: ${d.drill!.lesson}\n`);
    if (!options.list) process.stdout.write('\nchoose one with: runbook train <runbook> --scenario <name>\n');
    return 0;
  }
  const drill = drills.find((d) => d.name === options.scenario);
  if (!drill) throw new UserError(`no drill '${options.scenario}' for ${runbook.id}; known: ${drills.map((d) => d.name).join(', ')}`);
  const c = paint(useColor(process.stderr));
  w(c.bold(`Drill: ${drill.drill!.title}`));
  w(drill.description);
  for (const line of drill.drill!.briefing ?? []) w(c.bold(line));
  w();
  let runDir = '';
  const code = await run(
    runbook.id,
    { ...options, stateDir: join(stateDir(options.stateDir), 'training'), target: `sim:${drill.name}` },
    (session) => (runDir = session.paths.journal),
  );
  if (!runDir) return code;
  const result = debrief(runbook, readJournal(runDir), drill.drill!.ideal);
  w();
  w(c.bold('Debrief'));
  w(`  lesson: ${drill.drill!.lesson}`);
  w(`  ideal path: ${result.ideal.join(' → ')}`);
  w('  path taken:');
  for (const step of result.taken) w(`    ${step.detour ? c.yellow('↳') : '·'} ${step.title.padEnd(60)} ${step.seconds.toFixed(1).padStart(6)} s${step.detour ? c.yellow('  (detour)') : ''}`);
  w(`  failures met and handled: ${result.handled.length ? '' : 'none'}`);
  for (const h of result.handled) w(`    - ${h}`);
  w(`  mistakes: ${result.mistakes.length ? '' : c.green('none')}`);
  for (const m of result.mistakes) w(c.yellow(`    - ${m}`));
  return code;
}
