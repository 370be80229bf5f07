import type { RunbookDefinition } from '../runbook/define.js';
import { fillForPeople } from '../runbook/define.js';
import { stateMeta, textValues } from '../runbook/describe.js';
import type { TimedRecord } from '../journal/records.js';

export interface Debrief {
  taken: Array<{ state: string; title: string; seconds: number; detour: boolean }>;
  /** The ideal path as titles a person reads. */
  ideal: string[];
  mistakes: string[];
  /** Every failure met, each with what was done about it. */
  failures: Array<{ title: string; message: string; handling: 'retried' | 'skipped' | 'aborted' | 'open' }>;
  endedAt: string | null;
  expectedEnd: string;
}

/** The states a run went through, in order, from its journal. */
export function visitedStates(records: TimedRecord[]): Array<{ state: string; at: string; title?: string }> {
  const visited: Array<{ state: string; at: string; title?: string }> = [];
  for (const r of records) {
    if (r.type === 'step-started') visited.push({ state: r.stepId, at: r.at, title: r.title });
    else if (r.type === 'decision' && r.question !== 'inDoubt' && !r.answer.startsWith('rejected')) visited.push({ state: r.state, at: r.at });
    else if (r.type === 'run-finished') visited.push({ state: r.state, at: r.at });
  }
  return visited;
}

/**
 * Compares a drill run with its ideal path: detours, mistakes, the failures met and how each was
 * handled, time per state. Everything in titles, placeholders filled from the run's last context.
 */
export function debrief(runbook: RunbookDefinition, records: TimedRecord[], ideal: string[], context: unknown = {}): Debrief {
  const titleOf = (key: string) => fillForPeople(stateMeta(runbook.machine, key)?.title ?? key, textValues(runbook.machine, key, context));
  const visited = visitedStates(records);
  const end = records.findLast((r) => r.type === 'run-finished');
  const remaining = [...ideal];
  const taken = visited.map((v, i) => {
    const next = visited[i + 1]?.at ?? end?.at ?? v.at;
    const at = remaining.indexOf(v.state);
    const detour = at === -1;
    if (!detour) remaining.splice(0, at + 1);
    return { state: v.state, title: v.title ?? titleOf(v.state), seconds: (Date.parse(next) - Date.parse(v.at)) / 1000, detour };
  });
  const mistakes: string[] = [];
  for (const r of records) {
    if (r.type !== 'decision') continue;
    const where = titleOf(r.stepId ?? r.state);
    if (r.answer.startsWith('rejected')) mistakes.push(`typed "${r.answer.slice('rejected: '.length)}" for the server name`);
    if (r.answer === 'skip') mistakes.push(`skipped "${where}": "${r.reason ?? ''}"`);
    if (r.answer === 'abort') mistakes.push(`aborted at "${where}"`);
    if (r.answer === 'cancel') mistakes.push(`cancelled at "${where}"`);
  }
  const failures = records.flatMap((r, i) => {
    if (r.type !== 'step-failed') return [];
    const started = records.find((s) => s.type === 'step-started' && s.attemptId === r.attemptId);
    const decision = records.slice(i + 1).find((d) => d.type === 'decision' && d.stepId === r.stepId && d.question !== 'inDoubt');
    const answer = decision?.type === 'decision' ? decision.answer : null;
    const handling = answer === 'retry' ? 'retried' : answer === 'skip' ? 'skipped' : answer === 'abort' ? 'aborted' : 'open';
    return [{ title: started?.type === 'step-started' ? started.title : titleOf(r.stepId), message: r.error.message, handling } as const];
  });
  // a secret asked for again was rejected somewhere: each time it was wrong is worth a line
  const supplied = new Map<string, { label: string; count: number }>();
  for (const r of records) {
    if (r.type !== 'secret-supplied') continue;
    const seen = supplied.get(r.secretId) ?? { label: r.label ?? r.secretId, count: 0 };
    supplied.set(r.secretId, { ...seen, count: seen.count + 1 });
  }
  for (const { label, count } of supplied.values()) if (count > 1) mistakes.push(`${label} was entered ${count} times (the earlier ones were rejected)`);
  const expectedEnd = ideal.at(-1) ?? '';
  if (end?.type === 'run-finished' && end.state !== expectedEnd) mistakes.push(`ended at "${titleOf(end.state)}", not at "${titleOf(expectedEnd)}"`);
  return {
    taken,
    ideal: ideal.map(titleOf),
    mistakes,
    failures,
    endedAt: end?.type === 'run-finished' ? titleOf(end.state) : null,
    expectedEnd: titleOf(expectedEnd),
  };
}
