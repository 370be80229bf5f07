import type { RunbookDefinition } from '../runbook/define.js';
import { stateMeta } from '../runbook/describe.js';
import type { TimedRecord } from '../journal/records.js';

export interface Debrief {
  taken: Array<{ state: string; title: string; seconds: number; detour: boolean }>;
  ideal: string[];
  mistakes: string[];
  handled: string[];
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

/** Compares a drill run with its ideal path: detours, mistakes, failures handled, time per state. */
export function debrief(runbook: RunbookDefinition, records: TimedRecord[], ideal: string[]): Debrief {
  const visited = visitedStates(records);
  const end = records.findLast((r) => r.type === 'run-finished');
  const remaining = [...ideal];
  const taken = visited.map((v, i) => {
    const next = visited[i + 1]?.at ?? end?.at ?? v.at;
    const at = remaining.indexOf(v.state);
    const detour = at === -1;
    if (!detour) remaining.splice(0, at + 1);
    const meta = stateMeta(runbook.machine, v.state);
    return { state: v.state, title: v.title ?? meta?.title ?? v.state, seconds: (Date.parse(next) - Date.parse(v.at)) / 1000, detour };
  });
  const mistakes: string[] = [];
  const handled: string[] = [];
  for (const r of records) {
    if (r.type === 'decision' && r.answer.startsWith('rejected')) mistakes.push(`typed "${r.answer.slice('rejected: '.length)}" for the server name`);
    if (r.type === 'decision' && r.answer === 'skip') mistakes.push(`skipped ${r.stepId}: "${r.reason ?? ''}"`);
    if (r.type === 'decision' && r.answer === 'abort') mistakes.push(`aborted at ${r.state}`);
    if (r.type === 'decision' && r.answer === 'cancel') mistakes.push(`cancelled at ${r.state}`);
    if (r.type === 'step-failed') handled.push(`${r.stepId} failed: ${r.error.message}`);
  }
  // a secret asked for again was rejected somewhere: each time it was wrong is worth a line
  const supplied = new Map<string, { label: string; count: number }>();
  for (const r of records) {
    if (r.type !== 'secret-supplied') continue;
    const seen = supplied.get(r.secretId) ?? { label: r.label ?? r.secretId, count: 0 };
    supplied.set(r.secretId, { ...seen, count: seen.count + 1 });
  }
  for (const { label, count } of supplied.values()) if (count > 1) mistakes.push(`${label} was entered ${count} times (the earlier ones were rejected)`);
  const expectedEnd = ideal.at(-1) ?? '';
  if (end?.type === 'run-finished' && end.state !== expectedEnd) mistakes.push(`ended at ${end.state}, not at ${expectedEnd}`);
  return { taken, ideal, mistakes, handled, endedAt: end?.type === 'run-finished' ? end.state : null, expectedEnd };
}
