import { checkRunbook } from '../../check/check-runbook.js';
import { loadAllRunbooks, loadRunbook } from '../../runbook/load-runbook.js';
import { ExitCode } from '../../exit-codes.js';
import type { GlobalOptions } from '../program.js';

/** One line per problem (`file:line: runbook: what`) on stdout; exit 0 only when every runbook is clean. */
export async function check(id: string | undefined, options: GlobalOptions): Promise<number> {
  const runbooks = id ? [await loadRunbook(id)] : await loadAllRunbooks();
  const reports = [];
  for (const runbook of runbooks) reports.push(await checkRunbook(runbook));
  const failed = reports.some((r) => r.problems.length > 0);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    return failed ? ExitCode.checkFailed : ExitCode.ok;
  }
  for (const report of reports) {
    for (const p of report.problems) process.stdout.write(`${p.file}${p.line ? `:${p.line}` : ''}: ${report.runbookId}: ${p.message}\n`);
    const verdict = report.problems.length ? `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}` : 'clean';
    process.stderr.write(`${report.runbookId}: ${verdict}${report.notes.length ? ` (${report.notes.join('; ')})` : ''}\n`);
  }
  return failed ? ExitCode.checkFailed : ExitCode.ok;
}
