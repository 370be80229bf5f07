import { loadAllRunbooks } from '../../runbook/load-runbook.js';
import type { GlobalOptions } from '../program.js';

export async function list(options: GlobalOptions): Promise<number> {
  const runbooks = await loadAllRunbooks();
  if (options.json) {
    process.stdout.write(`${JSON.stringify(runbooks.map((r) => ({ id: r.id, title: r.title, summary: r.summary })), null, 2)}\n`);
    return 0;
  }
  for (const r of runbooks) process.stdout.write(`${r.id}\n  ${r.title}\n  ${r.summary}\n`);
  return 0;
}
