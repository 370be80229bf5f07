import { existsSync } from 'node:fs';
import { namedRunPaths, runsDir, stateDir } from '../../run/paths.js';
import { readCheckpoint } from '../../checkpoint/read-checkpoint.js';
import type { CheckpointEnvelope } from '../../checkpoint/envelope.js';
import { checkHead, checkJournal } from '../../journal/verify-journal.js';
import { anchorMoved, checkpointDisagreement } from '../../journal/checkpoint-agreement.js';
import { ExitCode } from '../../exit-codes.js';
import { UserError } from '../../user-error.js';
import type { GlobalOptions } from '../program.js';

interface VerifyOptions extends GlobalOptions {
  head?: string;
}

/**
 * `runbook verify`: the journal's hash chain holds (and, with --head, ends at a head recorded
 * elsewhere), and the checkpoint agrees with it. Prints the head on stdout; any failure is one
 * line naming the first bad record, exit 5.
 */
export async function verify(runId: string, options: VerifyOptions): Promise<number> {
  const dir = stateDir(options.stateDir);
  const paths = namedRunPaths(dir, runId);
  if (!existsSync(paths.journal)) throw new UserError(`no run ${runId} in ${runsDir(dir)} (see: runbook runs)`, ExitCode.state);
  const check = checkJournal(paths.journal);
  const fail = (message: string): never => {
    throw new UserError(`run ${runId}: ${message}`, ExitCode.state);
  };
  if (check.problem) fail(`journal is not intact: ${check.problem.message}`);
  let appendedAfter = 0;
  if (options.head !== undefined) {
    const atHead = checkHead(check, options.head);
    if (atHead.problem) fail(`journal is not intact: ${atHead.problem.message}`);
    appendedAfter = atHead.appendedAfter;
  }
  const note = (text: string) => process.stderr.write(`runbook: ${text}\n`);
  // the journal is the record; the checkpoint a cache of it: an unreadable one is rebuilt on resume,
  // a readable one must tell the journal's story as it stood when it was taken
  let checkpoint: CheckpointEnvelope | null = null;
  try {
    checkpoint = readCheckpoint(paths.checkpoint);
  } catch (error) {
    note(`${(error as Error).message.replace(/; it was left untouched$/, '')}: it is a cache of the journal, resume rebuilds it`);
  }
  const disagreement = checkpoint && checkpointDisagreement(checkpoint, check.records);
  if (disagreement) fail(`checkpoint disagrees with the journal: ${disagreement}`);
  if (checkpoint && anchorMoved(checkpoint, check.hashes)) {
    // a journal rewritten consistently still chains: only a head kept elsewhere (--head) proves it
    note(`the checkpoint was taken at record ${checkpoint.journal!.records}, which had another hash then (the journal was rewritten after it, or the checkpoint comes from another copy); resume rebuilds it from the journal`);
  }

  if (check.torn && !check.torn.complete) {
    note(`the journal's last line is torn (${check.torn.bytes} bytes written when the process died): a crash, not a change; resume repairs it`);
  }
  if (appendedAfter > 0) {
    note(`the given head is record ${check.count - appendedAfter}; ${appendedAfter} record(s) were appended after it (a resume or rerun; see runbook report)`);
  }
  const lag = checkpoint?.journal && checkpoint.journal.records < check.count ? ` (as of record ${checkpoint.journal.records}; resume replays the ${check.count - checkpoint.journal.records} after it)` : '';
  note(`run ${runId}: ${check.count} records, the chain holds${options.head ? ' to the given head' : ''}; ${checkpoint ? `the checkpoint agrees${lag}` : 'no usable checkpoint'}`);
  process.stdout.write(`${check.head}\n`);
  return ExitCode.ok;
}
