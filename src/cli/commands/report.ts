import { existsSync, writeFileSync } from 'node:fs';
import { namedRunPaths, runsDir, stateDir } from '../../run/paths.js';
import { readCheckpoint } from '../../checkpoint/read-checkpoint.js';
import { verifiedJournal } from '../../journal/verify-journal.js';
import { loadRunbook } from '../../runbook/load-runbook.js';
import { changeReport } from '../../report/change-report.js';
import { ExitCode } from '../../exit-codes.js';
import { UserError } from '../../user-error.js';
import type { GlobalOptions } from '../program.js';

interface ReportOptions extends GlobalOptions {
  format?: string;
  output?: string;
}

const FORMATS = ['md', 'html', 'json'] as const;

/** `runbook report`: the change report of a run whose journal verifies (a damaged one is refused, exit 5). */
export async function report(runId: string, options: ReportOptions): Promise<number> {
  const format = (options.format ?? 'md') as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new UserError(`unknown report format '${options.format}'; known: ${FORMATS.join(', ')}`);
  const dir = stateDir(options.stateDir);
  const paths = namedRunPaths(dir, runId);
  if (!existsSync(paths.dir)) throw new UserError(`no run ${runId} in ${runsDir(dir)} (see: runbook runs)`, ExitCode.state);
  const envelope = readCheckpoint(paths.checkpoint);
  const check = verifiedJournal(paths.journal, runId);
  const runbook = await loadRunbook(envelope.runbookId);
  const model = changeReport(runbook, envelope, check.records, check.head);
  let text: string;
  if (format === 'json') text = `${JSON.stringify(model, null, 2)}\n`;
  else if (format === 'html') text = (await import('../../report/report-html.js')).reportHtml(model);
  else text = (await import('../../report/report-markdown.js')).reportMarkdown(model);
  if (options.output) {
    writeFileSync(options.output, text, { mode: 0o600 });
    process.stderr.write(`runbook: wrote ${options.output}\n`);
  } else {
    process.stdout.write(text);
  }
  return ExitCode.ok;
}
