import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunbookDefinition } from '../../runbook/define.js';
import { dryRun } from '../../run/dry-run.js';
import { AnswersOperator } from '../../operator/answers-operator.js';
import { whoAmI } from '../../run/open-run.js';
import type { ResolvedTarget } from '../../runner/contract.js';
import { createTargetRunner } from '../../run/targets.js';
import { preflight } from '../../run/preflight.js';
import { paint, useColor } from '../terminal-reporter.js';
import { ExitCode } from '../../exit-codes.js';

/** `run --dry-run`: the plan on stdout; only read-only steps touch the target; no run is kept. */
export async function printDryRun(runbook: RunbookDefinition, target: ResolvedTarget): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'runbook-dry-run-'));
  const c = paint(useColor(process.stdout));
  const w = (text = '') => process.stdout.write(`${text}\n`);
  try {
    const runner = await createTargetRunner(runbook, target, scratch);
    preflight(runbook, target, runner);
    runner.prepare?.();
    // a dry run asks nothing: a question would mean a step with an effect is being carried out
    const operator = new AnswersOperator({ answers: {}, secrets: {} }, '(dry run)', whoAmI());
    const lines = await dryRun(runbook, runner, operator, scratch);
    await runner.close?.();
    w(c.bold(`Dry run: ${runbook.title}`));
    w(c.dim(`target ${target.id} (${target.describe}); only read-only steps ran`));
    for (const line of lines) {
      w();
      const tags = line.notes.length && line.kind !== 'ran' && line.kind !== 'failed' && line.kind !== 'prompt' ? `  [${line.notes.join(', ')}]` : '';
      const mark = { ran: '✔ ran', 'would-run': '→ would run', manual: '✋ manual', prompt: '? asks', end: '■ ends', failed: '✖ failed' }[line.kind];
      w(`${line.destructive ? c.red(mark) : c.bold(mark)}  ${line.title}${line.destructive ? c.red(tags) : tags}`);
      if (line.kind === 'ran' || line.kind === 'failed' || line.kind === 'prompt') for (const n of line.notes) w(`     • ${n}`);
      for (const command of line.kind === 'ran' ? [] : line.commands) w(c.dim(`     > ${command}`));
    }
    w();
    const failed = lines.some((l) => l.kind === 'failed');
    w(failed ? 'The dry run stopped at a failed read-only step. Nothing was changed on the target.' : 'Nothing was changed on the target.');
    return failed ? ExitCode.usage : ExitCode.ok;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
