import { join } from 'node:path';
import { loadRunbook } from '../../runbook/load-runbook.js';
import { readJournal } from '../../journal/read-journal.js';
import { readCheckpoint } from '../../checkpoint/read-checkpoint.js';
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
    // the situation, never the lesson: the list must not give the answer away
    for (const d of drills) process.stdout.write(`${d.name.padEnd(26)} ${d.drill!.title}: ${d.drill!.briefing?.[0] ?? ''}\n`);
    if (!options.list) process.stdout.write('\nchoose one with: runbook train <runbook> --scenario <name>\n');
    return 0;
  }
  const drill = drills.find((d) => d.name === options.scenario);
  if (!drill) throw new UserError(`no drill '${options.scenario}' for ${runbook.id}; known: ${drills.map((d) => d.name).join(', ')}`);
  const c = paint(useColor(process.stderr));
  w(c.bold(`Drill: ${drill.drill!.title}`));
  // what the trainee knows before starting, as a real operator would (never the answer)
  for (const line of drill.drill!.briefing ?? [drill.description]) w(`  ${line}`);
  w();
  let runDir = '';
  const code = await run(
    runbook.id,
    { ...options, stateDir: join(stateDir(options.stateDir), 'training'), target: `sim:${drill.name}` },
    (session) => (runDir = session.paths.dir),
  );
  if (!runDir) return code;
  const context = (readCheckpoint(join(runDir, 'checkpoint.json')).snapshot as { context?: unknown }).context;
  const result = debrief(runbook, readJournal(join(runDir, 'journal.jsonl')), drill.drill!.ideal, context);
  w();
  w(c.bold('Debrief'));
  w(`  lesson: ${drill.drill!.lesson}`);
  w(`  ideal path: ${result.ideal.join(' → ')}`);
  w('  path taken:');
  for (const step of result.taken) w(`    ${step.detour ? c.yellow('↳') : '·'} ${step.title.padEnd(60)} ${step.seconds.toFixed(1).padStart(6)} s${step.detour ? c.yellow('  (detour)') : ''}`);
  const handled = result.failures.filter((f) => f.handling === 'retried' || f.handling === 'skipped').length;
  w(`  failures met: ${result.failures.length}${result.failures.length ? `, handled: ${handled} of ${result.failures.length}` : ''}`);
  const how = { retried: 'retried', skipped: 'skipped', aborted: 'the run was aborted here', open: 'not decided' } as const;
  for (const f of result.failures) w(`    - ${f.title}: ${f.message} (${how[f.handling]})`);
  w(`  mistakes: ${result.mistakes.length ? '' : c.green('none')}`);
  for (const m of result.mistakes) w(c.yellow(`    - ${m}`));
  return code;
}
