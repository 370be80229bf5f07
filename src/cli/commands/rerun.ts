import { stateDir } from '../../run/paths.js';
import { rerunRun } from '../../rerun/rerun-run.js';
import { TerminalReporter } from '../terminal-reporter.js';
import type { GlobalOptions } from '../program.js';
import { boardOnDisk, finish, makeOperator, plugs } from './run.js';
import { holdSignals } from '../early-signals.js';

interface RerunOptions extends GlobalOptions {
  from: string;
  answers?: string;
}

/** `runbook rerun <run-id> --from <step>`: the same run continues from a chosen step. */
export async function rerun(runId: string, options: RerunOptions): Promise<number> {
  const reporter = new TerminalReporter();
  holdSignals();
  const opened = await rerunRun(stateDir(options.stateDir), runId, options.from, plugs((runbook) => makeOperator(options, reporter, runbook), reporter, options));
  reporter.stepList(boardOnDisk(opened.session, true));
  return finish(opened, reporter, options);
}
