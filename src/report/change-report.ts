import type { CheckpointEnvelope } from '../checkpoint/envelope.js';
import type { RunbookDefinition } from '../runbook/define.js';
import { stateMeta } from '../runbook/describe.js';
import type { TimedRecord } from '../journal/records.js';
import { readableTitle } from '../rerun/rerun-plan.js';

/**
 * A run as a change report for a change ticket, built from the verified journal (what happened,
 * who decided what and why) and the checkpoint (where the run stands). This object is the
 * `--format json` output: stable, schema-versioned, documented in the README.
 */
export const REPORT_SCHEMA = 1;

export interface ChangeReport {
  schema: typeof REPORT_SCHEMA;
  run: { id: string; target: string; status: string; state: string; stateTitle: string; outcome: string | null; startedAt: string; endedAt: string | null };
  runbook: { id: string; title: string; definition: string };
  operators: string[];
  steps: ReportStep[];
  decisions: ReportDecision[];
  /** Interruptions, resumes, in-doubt verdicts, reruns and journal repairs, in order. */
  events: ReportEvent[];
  skipped: Array<{ at: string; stepId: string; title: string; by: string; reason: string }>;
  secrets: Array<{ at: string; secretId: string; source: string; by: string }>;
  journal: { records: number; head: string; verify: string };
}

export interface ReportStep {
  stepId: string;
  title: string;
  attemptId: string;
  runner: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** done | failed | marked-done | in-doubt (stopped before it reported an end) | running */
  result: 'done' | 'failed' | 'marked-done' | 'in-doubt' | 'running';
  error: { message: string; category: string } | null;
  evidence: string[];
  confirmedBy: string | null;
  /** Run again after an interruption left it in doubt. */
  againAfterDoubt: boolean;
}

export interface ReportDecision {
  at: string;
  by: string;
  via: string | null;
  question: string;
  about: string;
  answer: string;
  reason: string | null;
}

export interface ReportEvent {
  at: string;
  kind: 'interrupted' | 'stopped' | 'resumed' | 'in-doubt' | 'rerun' | 'repaired';
  by: string | null;
  via: string | null;
  state: string | null;
  stateTitle: string | null;
  detail: string;
}

export function changeReport(runbook: RunbookDefinition, envelope: CheckpointEnvelope, records: TimedRecord[], head: string): ChangeReport {
  const context = (envelope.snapshot as { context?: unknown }).context ?? {};
  const titles = new Map<string, string>();
  const titleOf = (state: string, stepId?: string): string => {
    if (stepId && titles.has(stepId)) return titles.get(stepId)!;
    const meta = stateMeta(runbook.machine, state);
    return meta ? readableTitle(meta, context) : state;
  };
  const steps: ReportStep[] = [];
  const decisions: ReportDecision[] = [];
  const events: ReportEvent[] = [];
  const skipped: ChangeReport['skipped'] = [];
  const secrets: ChangeReport['secrets'] = [];
  const open = new Map<string, ReportStep>();
  let last: TimedRecord | undefined;
  let startedAt = records[0]?.at ?? envelope.createdAt;
  let endedAt: string | null = null;

  for (const r of records) {
    switch (r.type) {
      case 'run-started':
        startedAt = r.at;
        break;
      case 'step-started': {
        titles.set(r.stepId, r.title);
        const before = open.get(r.attemptId);
        if (before) before.result = 'in-doubt';
        const step: ReportStep = {
          stepId: r.stepId, title: r.title, attemptId: r.attemptId, runner: r.runner, startedAt: r.at, endedAt: null, durationMs: null,
          result: 'running', error: null, evidence: [], confirmedBy: null, againAfterDoubt: Boolean(r.rerun),
        };
        steps.push(step);
        open.set(r.attemptId, step);
        break;
      }
      case 'step-finished':
      case 'step-failed': {
        const step = open.get(r.attemptId) ?? steps.findLast((s) => s.attemptId === r.attemptId);
        if (!step) break;
        open.delete(r.attemptId);
        step.endedAt = r.at;
        step.durationMs = r.durationMs;
        step.evidence = r.evidence;
        if (r.type === 'step-failed') {
          step.result = 'failed';
          step.error = r.error;
        } else {
          step.result = r.confirmedBy ? 'marked-done' : 'done';
          step.confirmedBy = r.confirmedBy ?? null;
        }
        break;
      }
      case 'decision': {
        const about = r.question === 'stepFailed' && r.stepId ? `${titleOf(r.stepId, r.stepId)}: failed` : titleOf(r.stepId ?? r.state, r.stepId);
        decisions.push({ at: r.at, by: r.by, via: r.via ?? null, question: r.question, about, answer: r.answer, reason: r.reason ?? null });
        if (r.question === 'inDoubt') {
          events.push({ at: r.at, kind: 'in-doubt', by: r.by, via: r.via ?? null, state: r.state, stateTitle: about, detail: `in doubt: ${r.answer}${r.reason ? ` (${r.reason})` : ''}` });
        }
        if (r.answer === 'skip' && r.stepId) skipped.push({ at: r.at, stepId: r.stepId, title: titleOf(r.stepId, r.stepId), by: r.by, reason: r.reason ?? '' });
        break;
      }
      case 'secret-supplied':
        secrets.push({ at: r.at, secretId: r.secretId, source: r.source, by: r.by });
        break;
      case 'run-interrupted':
        events.push({ at: r.at, kind: 'interrupted', by: null, via: null, state: null, stateTitle: null, detail: `interrupted (${r.reason}) ${r.state}` });
        break;
      case 'run-resumed':
        // a resume with no interruption recorded before it: the process died (crash, kill, power)
        if (last && last.type !== 'run-interrupted' && last.type !== 'journal-repaired') {
          events.push({ at: last.at, kind: 'stopped', by: null, via: null, state: r.state, stateTitle: titleOf(r.state), detail: 'the process stopped without a record (crash, kill or power loss); last record before it' });
        }
        events.push({ at: r.at, kind: 'resumed', by: r.by, via: r.via ?? null, state: r.state, stateTitle: titleOf(r.state), detail: `resumed at ${titleOf(r.state)}` });
        break;
      case 'run-rerun':
        endedAt = null;
        events.push({ at: r.at, kind: 'rerun', by: r.by, via: r.via, state: r.from, stateTitle: r.fromTitle, detail: `rerun from ${r.fromTitle} (the run was ${r.status === 'active' ? 'at' : 'ended at'} ${titleOf(r.state)}); reason: ${r.reason}` });
        break;
      case 'journal-repaired':
        events.push({ at: r.at, kind: 'repaired', by: null, via: null, state: null, stateTitle: null, detail: r.reason });
        break;
      case 'run-finished':
        endedAt = r.at;
        break;
    }
    last = r;
  }
  for (const step of open.values()) if (envelope.status !== 'active' || step !== steps.at(-1)) step.result = 'in-doubt';

  const operators = [...new Set(records.flatMap((r) => ('by' in r && r.by && r.by !== 'engine' ? [r.by] : [])))];
  return {
    schema: REPORT_SCHEMA,
    run: {
      id: envelope.runId,
      target: envelope.target,
      status: envelope.status,
      state: envelope.state,
      stateTitle: titleOf(envelope.state),
      outcome: envelope.status === 'active' ? null : envelope.outcome,
      startedAt,
      endedAt: envelope.status === 'active' ? null : endedAt,
    },
    runbook: { id: runbook.id, title: runbook.title, definition: envelope.machineHash },
    operators,
    steps,
    decisions,
    events,
    skipped,
    secrets,
    journal: { records: records.length, head, verify: `runbook verify ${envelope.runId} --head ${head}` },
  };
}
