import { freshRunbookIndex, writeRunbookIndex, type IndexedRunbook } from '../../runbook/runbook-index.js';
import type { GlobalOptions } from '../program.js';

export async function list(options: GlobalOptions): Promise<number> {
  // the machines (and xstate) load only when the index next to them is missing or stale
  let runbooks: IndexedRunbook[] | null = freshRunbookIndex();
  if (!runbooks) {
    const { loadAllRunbooks } = await import('../../runbook/load-runbook.js');
    runbooks = (await loadAllRunbooks()).map(({ id, title, summary }) => ({ id, title, summary }));
    writeRunbookIndex(runbooks);
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(runbooks.map((r) => ({ id: r.id, title: r.title, summary: r.summary })), null, 2)}\n`);
    return 0;
  }
  for (const r of runbooks) process.stdout.write(`${r.id}\n  ${r.title}\n  ${r.summary}\n`);
  return 0;
}
