import { loadRunbook } from '../../runbook/load-runbook.js';
import { runbookStates } from '../../runbook/describe.js';
import { machineHash } from '../../runbook/machine-hash.js';
import { scenariosOf } from '../../runner/runner-kinds.js';
import { paint, useColor } from '../terminal-reporter.js';
import type { GlobalOptions } from '../program.js';
import { runbookGraph } from '../../diagram/graph.js';
import { textFlow } from '../../diagram/text-flow.js';

export async function show(id: string, options: GlobalOptions): Promise<number> {
  const runbook = await loadRunbook(id);
  const states = runbookStates(runbook.machine);
  const scenarios = (await scenariosOf(runbook)).map((s) => ({ name: s.name, description: s.description, ...(s.expect ? { expect: s.expect.final } : {}), ...(s.drill ? { drill: s.drill.title } : {}) }));
  if (options.json) {
    const out = { id: runbook.id, title: runbook.title, summary: runbook.summary, appliesTo: runbook.appliesTo, ...(runbook.targetRoles ? { targetRoles: runbook.targetRoles } : {}), machineHash: machineHash(runbook.machine), states: states.map((s) => ({ key: s.key, ...s.meta })), scenarios };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const c = paint(useColor(process.stdout));
  const w = (text = '') => process.stdout.write(`${text}\n`);
  w(c.bold(runbook.title));
  w(runbook.summary);
  w(c.dim(`applies to: ${runbook.appliesTo}`));
  if (runbook.targetRoles) w(c.dim(`runs on ${runbook.targetRoles.length} servers: ${runbook.targetRoles.map((r) => `${r.name} (${r.title})`).join(', ')}; --target ${runbook.targetRoles.map((r) => `${r.name}=<target>`).join(' --target ')}, or one sim:<scenario>`));
  let n = 0;
  for (const { key, meta } of states) {
    if (!meta || meta.kind === 'decision') continue;
    w();
    if (meta.kind === 'final') {
      w(`${c.bold('■')} ${meta.title} ${c.dim(`[end: ${meta.outcome}]`)}`);
      w(`   ${meta.summary}`);
      continue;
    }
    n += 1;
    const tags =
      meta.kind === 'step'
        ? [meta.on ? c.bold(`[on ${meta.on}]`) : '', meta.destructive ? c.red('DESTRUCTIVE') : '', meta.manual ? c.yellow('manual') : '', meta.idempotent ? 'safe to repeat' : c.yellow('not safe to repeat'), meta.skippable ? 'skippable' : '', meta.runners ? `only on: ${meta.runners.join(', ')}` : '']
        : [c.yellow('asks the operator')];
    w(`${c.bold(`${n}. ${meta.title}`)}  ${c.dim(`(${key})`)}  ${tags.filter(Boolean).join(' · ')}`);
    for (const line of meta.instructions) w(`   ${line}`);
    if (meta.kind === 'step') for (const command of meta.commands) w(c.dim(`     > ${command}`));
  }
  w();
  w(c.bold('Flow (runbook diagram for Mermaid, DOT, SVG or the training page)'));
  for (const line of textFlow(runbookGraph(runbook), new Map(), c)) w(line);
  if (scenarios.length) {
    w();
    w(c.bold('Simulator scenarios (--target sim:<name>)'));
    for (const s of scenarios) w(`  ${s.name.padEnd(28)} ${s.description}`);
  }
  return 0;
}
