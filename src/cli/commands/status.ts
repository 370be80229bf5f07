import { listRuns } from '../../run/open-run.js';
import { namedRunPaths, stateDir } from '../../run/paths.js';
import { checkpointOrNull, currentEnvelope, runbookIdOf } from '../../run/restore-run.js';
import { verifiedJournal } from '../../journal/verify-journal.js';
import { loadRunbook } from '../../runbook/load-runbook.js';
import { fillForPeople } from '../../runbook/define.js';
import { stateMeta, textValues } from '../../runbook/describe.js';
import { stepBoard } from '../../run/step-board.js';
import { ExitCode } from '../../exit-codes.js';
import { UserError } from '../../user-error.js';
import { MARKS, paint, useColor } from '../terminal-reporter.js';
import type { GlobalOptions } from '../program.js';
import type { StepMark } from '../../run/reporter.js';
import { runbookGraph } from '../../diagram/graph.js';
import { textFlow } from '../../diagram/text-flow.js';
import { roleTargets } from '../../run/targets.js';

export async function status(runId: string | undefined, options: GlobalOptions): Promise<number> {
  const dir = stateDir(options.stateDir);
  const id = runId ?? listRuns(dir)[0]?.runId;
  if (!id) throw new UserError(`no runs in ${dir}`, ExitCode.state);
  const paths = namedRunPaths(dir, id);
  // the journal is the record: the checkpoint (a cache that may lag) is brought up to it
  const { records } = verifiedJournal(paths.journal, id);
  const checkpoint = checkpointOrNull(paths.checkpoint);
  const runbookId = runbookIdOf(records) ?? checkpoint?.runbookId;
  if (!runbookId) throw new UserError(`run ${id} has neither a journal nor a checkpoint to read`, ExitCode.state);
  const runbook = await loadRunbook(runbookId);
  const envelope = currentEnvelope(runbook, checkpoint, records);
  const context = (envelope.snapshot as { context?: unknown }).context;
  const board = stepBoard(runbook, records, envelope.status === 'active' ? envelope.state : null, (envelope.snapshot as { context?: unknown }).context);
  const lastDecision = [...records].reverse().find((r) => r.type === 'decision');
  // a multi-target run: which server each step touches
  const targets = roleTargets(envelope.target);
  const onRole = (key: string) => {
    const meta = stateMeta(runbook.machine, key);
    return meta?.kind === 'step' ? meta.on : undefined;
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ runId: id, runbook: runbook.id, target: envelope.target, status: envelope.status, state: envelope.state, outcome: envelope.outcome, updatedAt: envelope.updatedAt, ...(runbook.targetRoles ? { targets } : {}), steps: board.map((line) => (onRole(line.key) ? { ...line, on: onRole(line.key), onTarget: targets[onRole(line.key)!] ?? null } : line)), lastDecision: lastDecision ?? null, runDir: paths.dir }, null, 2)}\n`);
    return 0;
  }
  const c = paint(useColor(process.stdout));
  const w = (text = '') => process.stdout.write(`${text}\n`);
  w(c.bold(`${runbook.title}`));
  const stateTitle = fillForPeople(stateMeta(runbook.machine, envelope.state)?.title ?? envelope.state, textValues(runbook.machine, envelope.state, context));
  w(`run ${id} · target ${envelope.target} · ${envelope.status === 'active' ? `unfinished at "${stateTitle}"` : `ended: ${envelope.outcome ?? envelope.status} ("${stateTitle}")`}`);
  w(c.dim(`last checkpoint ${envelope.updatedAt} · ${paths.dir}`));
  w();
  for (const line of board) {
    const tags = [line.destructive ? 'destructive' : '', line.manual ? 'manual' : ''].filter(Boolean).join(', ');
    const role = onRole(line.key);
    const on = role ? `  [on ${role}${targets[role] ? `: ${targets[role]}` : ''}]` : '';
    w(`  ${MARKS[line.mark]} ${line.title}${on}${tags ? c.dim(`  (${tags})`) : ''}`);
  }
  w();
  w(c.bold('Flow'));
  for (const line of textFlow(runbookGraph(runbook), flowMarks(board, envelope), c, (key) => textValues(runbook.machine, key, context))) w(line);
  if (envelope.status === 'active') {
    w();
    w(`continue with: runbook resume ${id}`);
  }
  return 0;
}

/** One mark per state for the flow: the run's position, and what the journal says of each step. */
function flowMarks(board: Array<{ key: string; mark: StepMark }>, envelope: { status: string; state: string }): Map<string, StepMark> {
  const marks = new Map<string, StepMark>();
  for (const line of board) if (marks.get(line.key) !== 'current') marks.set(line.key, line.mark);
  if (envelope.status !== 'active') {
    marks.set(envelope.state, 'done');
    for (const [key, mark] of marks) if (mark === 'pending') marks.set(key, 'not-taken');
  }
  return marks;
}
