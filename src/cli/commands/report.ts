import { existsSync, writeFileSync } from 'node:fs';
import { namedRunPaths, runsDir, stateDir } from '../../run/paths.js';
import { checkpointOrNull, currentEnvelope, runbookIdOf } from '../../run/restore-run.js';
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
  const check = verifiedJournal(paths.journal, runId);
  // the journal is the record: the checkpoint (a cache that may lag) is brought up to it
  const checkpoint = checkpointOrNull(paths.checkpoint);
  const runbookId = runbookIdOf(check.records) ?? checkpoint?.runbookId;
  if (!runbookId) throw new UserError(`run ${runId} has neither a journal nor a checkpoint to read`, ExitCode.state);
  const runbook = await loadRunbook(runbookId);
  const envelope = currentEnvelope(runbook, checkpoint, check.records);
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
