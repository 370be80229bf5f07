import type { RunbookDefinition } from '../runbook/define.js';
import { fillForPeople } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import type { TimedRecord } from '../journal/records.js';
import type { StepMark } from './reporter.js';

export interface BoardLine {
  key: string;
  title: string;
  mark: StepMark;
  destructive: boolean;
  manual: boolean;
}

/**
 * The runbook's steps with what the journal says of each: done, failed, skipped, current,
 * pending, or (once the run ended, `current` null) not taken. A step run for several items (one
 * per connector) gets one line per item.
 */
export function stepBoard(runbook: RunbookDefinition, records: TimedRecord[], current: string | null, context: unknown = {}): BoardLine[] {
  const lines: BoardLine[] = [];
  for (const { key, meta } of runbookStates(runbook.machine)) {
    if (!meta || meta.kind === 'decision' || meta.kind === 'final') continue;
    const destructive = meta.kind === 'step' && meta.destructive;
    const manual = meta.kind === 'step' && meta.manual;
    const byTitle = new Map<string, StepMark>();
    for (const record of records) {
      if (record.type === 'step-started' && record.stepId === key) byTitle.set(record.title, 'current');
      // a step that ran and found things wrong (a verify with a failing connector) gets no tick
      if (record.type === 'step-finished' && record.stepId === key) byTitle.set(titleOf(records, record.attemptId) ?? key, record.problems?.length ? 'failed' : 'done');
      if (record.type === 'step-failed' && record.stepId === key) byTitle.set(titleOf(records, record.attemptId) ?? key, 'failed');
      if (record.type === 'decision' && record.stepId === key && record.answer === 'skip') {
        const last = [...byTitle.keys()].at(-1);
        if (last) byTitle.set(last, 'skipped');
      }
      if (record.type === 'decision' && record.state === key && (record.answer.startsWith('confirmed') || (meta.kind === 'prompt' && record.answer !== 'cancel' && !record.answer.startsWith('rejected')))) byTitle.set(fillForPeople(meta.title, context), 'done');
    }
    const isCurrent = current === key || current === `${key}Failed`;
    if (byTitle.size === 0) {
      // once the run has ended, a step it never reached was not taken, not "pending"
      lines.push({ key, title: fillForPeople(meta.title, context), mark: isCurrent ? 'current' : current === null ? 'not-taken' : 'pending', destructive, manual });
      continue;
    }
    const entries = [...byTitle.entries()];
    entries.forEach(([title, mark], index) => {
      const last = index === entries.length - 1;
      const shown: StepMark = last && isCurrent && mark !== 'failed' ? 'current' : last && !isCurrent && mark === 'current' ? 'failed' : mark;
      lines.push({ key, title, mark: shown, destructive, manual });
    });
  }
  return lines;
}

function titleOf(records: TimedRecord[], attemptId: string): string | undefined {
  for (const record of records) if (record.type === 'step-started' && record.attemptId === attemptId) return record.title;
  return undefined;
}
