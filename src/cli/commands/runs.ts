import { listRuns } from '../../run/open-run.js';
import { stateDir } from '../../run/paths.js';
import type { GlobalOptions } from '../program.js';

export async function runs(options: GlobalOptions): Promise<number> {
  const all = listRuns(stateDir(options.stateDir));
  if (options.json) {
    const out = all.map((r) => ({ runId: r.runId, runbook: r.envelope?.runbookId ?? null, target: r.envelope?.target ?? null, status: r.envelope?.status ?? 'unreadable', state: r.envelope?.state ?? null, outcome: r.envelope?.outcome ?? null, updatedAt: r.envelope?.updatedAt ?? null, problem: r.problem }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (all.length === 0) process.stdout.write(`no runs in ${stateDir(options.stateDir)}\n`);
  for (const r of all) {
    if (r.problem === 'never started') {
      process.stdout.write(`${r.runId}  NEVER STARTED  killed before its first record; nothing to resume (the next run removes it)\n`);
      continue;
    }
    if (!r.envelope) {
      process.stdout.write(`${r.runId}  UNREADABLE  ${r.problem}\n`);
      continue;
    }
    const e = r.envelope;
    const where = e.status === 'active' ? `unfinished at ${e.state}` : `${e.outcome ?? e.status} (${e.state})`;
    process.stdout.write(`${r.runId}  ${e.runbookId}  ${e.target}  ${where}  ${e.updatedAt}\n`);
  }
  return 0;
}
