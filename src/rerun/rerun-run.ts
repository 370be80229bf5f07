import { existsSync } from 'node:fs';
import { fillTemplate, type RunbookDefinition } from '../runbook/define.js';
import { loadRunbook } from '../runbook/load-runbook.js';
import { stateMeta } from '../runbook/describe.js';
import { restoreRun } from '../run/restore-run.js';
import { cutCrashTail, recordRepair } from '../journal/repair-journal.js';
import { acquireLock } from '../lock/lock-file.js';
import type { Operator } from '../operator/operator.js';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import { namedRunPaths } from '../run/paths.js';
import { acquireTargetLocks, sharesServer } from '../run/targets.js';
import { holder, listRuns, opened, openSession, type OpenedRun, type RunPlugs } from '../run/open-run.js';
import { confirmationFor, expectedName, readableTitle, rerunPoints, unconfirmedDestructive } from './rerun-plan.js';
import { rerunSnapshot } from './rerun-snapshot.js';
import { preflight } from '../run/preflight.js';

/**
 * Continues a run (unfinished or ended) from a chosen step, in the same run directory, journal
 * and locks as a resume. Refused before anything is written: run in use (6), unknown step (2),
 * changed definition or damaged journal (5). The operator acknowledges by typing the server
 * name, gives a reason, and confirms again any destructive step the machine would not ask for.
 */
export async function rerunRun(
  stateDir: string,
  runId: string,
  from: string,
  plugs: RunPlugs,
  load: (id: string) => Promise<RunbookDefinition> = loadRunbook,
): Promise<OpenedRun> {
  const paths = namedRunPaths(stateDir, runId);
  const releaseRun = acquireLock(paths.lock, holder(), `run ${runId}`);
  let releaseTarget = () => {};
  try {
    // where the run stands by its journal (the checkpoint is a cache that may lag; see restore-run.ts)
    const restored = await restoreRun(paths, runId, load);
    const { envelope, runbook, chain } = restored;
    const lastContext = (envelope.snapshot as { context: Record<string, unknown> }).context;
    const points = rerunPoints(runbook, lastContext);
    const point = points.find((p) => p.key === from);
    if (!point) {
      throw new UserError(`no step '${from}' in ${runbook.id}; rerun from one of: ${points.map((p) => `${p.key} (${p.title})`).join(', ')}`, ExitCode.usage);
    }
    const target = await plugs.target(runbook, envelope.target);
    const runner = await plugs.runner(runbook, target, paths.dir);
    preflight(runbook, target, runner, from);
    releaseTarget = acquireTargetLocks(stateDir, target, holder());
    const other = listRuns(stateDir).find((r) => r.runId !== runId && r.envelope?.status === 'active' && sharesServer(r.envelope.lockKey ?? r.envelope.target, target));
    if (other) {
      throw new UserError(`target ${envelope.target} has an unfinished run ${other.runId}; finish it first: runbook resume ${other.runId}`, ExitCode.locked);
    }
    const persisted = rerunSnapshot(runbook.machine, from, lastContext);

    cutCrashTail(paths.journal, chain);
    const session = openSession(runbook, runId, target, runner, envelope.createdAt, paths, plugs, chain);
    if (restored.stepNumbers) session.stepNumbers = restored.stepNumbers;
    try {
      const { operator } = session;
      const name = expectedName(runbook, lastContext, envelope.target);
      const confirmed = await typedName(operator, { id: 'confirmRerun', message: `Rerun run ${runId} from "${point.title}": type the server name (${name}) to confirm, or leave empty to cancel` }, [name, envelope.target]);
      const reason = (await operator.text({ id: 'rerunReason', message: 'Why rerun from this step? (recorded)' })).trim();
      if (!reason) throw new UserError('a rerun needs a reason; nothing was changed');
      const destructive = unconfirmedDestructive(runbook, from);
      const prompt = destructive.length ? confirmationFor(runbook.machine, destructive) : null;
      let again: { id: string; typed: string } | null = null;
      if (destructive.length) {
        const titles = destructive.map((key) => `"${readableTitle(stateMeta(runbook.machine, key)!, lastContext)}"`).join(', ');
        const expected = prompt ? fillTemplate(prompt.expected, lastContext) : name;
        const id = prompt?.id ?? 'confirmDestructive';
        const warning = `The rerun runs ${titles} again: destructive, it cannot be undone.`;
        // unattended, nothing is printed before the answers file is found to answer it (one-line refusals)
        if (operator.interactive) session.reporter.warn(warning);
        again = { id, typed: await typedName(operator, { id, message: `Type the server name (${expected}) to run ${titles} again, or leave empty to cancel` }, [expected]) };
        if (!operator.interactive) session.reporter.warn(`${warning} Confirmed by ${operator.who} (${operator.via}).`);
      }

      recordRepair(session.journal, chain);
      session.journal.append({
        type: 'run-rerun',
        by: operator.who,
        via: operator.via,
        reason,
        confirmed,
        from,
        fromTitle: point.title,
        state: envelope.state,
        status: envelope.status,
      });
      if (again) {
        session.journal.append({ type: 'decision', question: again.id, state: from, stepId: from, answer: `confirmed: ${again.typed}`, reason: 'rerun', by: operator.who, via: operator.via });
      }
      session.log.info({ runId, from, reason }, 'run rerun');
      session.reporter.notice(`Rerunning run ${runId} of ${runbook.id} from "${point.title}" (was ${envelope.status === 'active' ? 'at' : 'ended at'} "${envelope.state}").`);
    } catch (error) {
      session.journal.close();
      session.operator.close();
      await session.runner.close?.();
      throw error;
    }
    return opened(session, persisted, () => {
      releaseTarget();
      releaseRun();
    });
  } catch (error) {
    releaseTarget();
    releaseRun();
    throw error;
  }
}

/** Asks for a name to type back; an empty answer cancels, a wrong one is asked again (or refused when unattended). */
async function typedName(operator: Operator, question: { id: string; message: string }, accepted: string[]): Promise<string> {
  for (;;) {
    const typed = (await operator.text(question)).trim();
    if (typed === '') throw new UserError('rerun cancelled; nothing was changed', ExitCode.aborted);
    if (accepted.some((a) => a.toLowerCase() === typed.toLowerCase())) return typed;
    if (!operator.interactive) throw new UserError(`the answer to '${question.id}' ("${typed}") does not match; nothing was changed`);
    process.stderr.write(`"${typed}" does not match. Nothing was changed; type it exactly, or leave it empty to cancel.\n`);
  }
}
