import type { ChangeReport, ReportStep } from './change-report.js';

/** The change report as Markdown, to paste into or attach to a change ticket. */
export function reportMarkdown(report: ChangeReport): string {
  const out: string[] = [];
  const w = (line = '') => out.push(line);
  w(`# Change report: ${report.runbook.title}`);
  w();
  w('| | |');
  w('| --- | --- |');
  for (const [label, value] of summaryRows(report)) w(`| ${label} | ${cell(value)} |`);
  w();
  w('## Steps taken');
  w();
  if (!report.steps.length) w('No step was started.');
  report.steps.forEach((step, index) => {
    w(`${index + 1}. **${escape(step.title)}**: ${resultText(step)}`);
    w(`   - ${step.startedAt} → ${step.endedAt ?? '(no end recorded)'}${step.durationMs !== null ? ` (${seconds(step.durationMs)})` : ''}, runner ${step.runner}, attempt \`${step.attemptId}\``);
    if (step.error) w(`   - error (${step.error.category}): ${escape(step.error.message)}`);
    for (const line of step.evidence) w(`   - evidence: ${escape(line)}`);
  });
  w();
  w('## Decisions');
  w();
  if (!report.decisions.length) w('No decision was taken.');
  else {
    w('| when | who | where | about | answer | reason |');
    w('| --- | --- | --- | --- | --- | --- |');
    for (const d of report.decisions) w(`| ${d.at} | ${cell(d.by)} | ${cell(d.via ?? '')} | ${cell(d.about)} | ${cell(d.answer)} | ${cell(d.reason ?? '')} |`);
  }
  w();
  w('## Interruptions, resumes, in-doubt verdicts and reruns');
  w();
  if (!report.events.length) w('None: the run went through without interruption.');
  for (const e of report.events) w(`- ${e.at} **${e.kind}**${e.by ? ` by ${escape(e.by)}` : ''}${e.via ? ` (${escape(e.via)})` : ''}: ${escape(e.detail)}`);
  w();
  w('## Steps skipped');
  w();
  if (!report.skipped.length) w('None.');
  for (const s of report.skipped) w(`- ${s.at} **${escape(s.title)}** skipped by ${escape(s.by)}; reason: ${escape(s.reason)}`);
  if (report.secrets.length) {
    w();
    w('## Secrets supplied (names only, never values)');
    w();
    for (const s of report.secrets) w(`- ${s.at} \`${s.secretId}\` from ${s.source}, by ${escape(s.by)}`);
  }
  w();
  w('## Integrity');
  w();
  w(`The run's journal is a hash chain of ${report.journal.records} records; its head commits to all of them:`);
  w();
  w(`    ${report.journal.head}`);
  w();
  w('Check that the journal is the one this report was made from:');
  w();
  w(`    ${report.journal.verify}`);
  w();
  return `${out.join('\n')}\n`;
}

export function summaryRows(report: ChangeReport): Array<[string, string]> {
  const { run, runbook } = report;
  return [
    ['Runbook', `${runbook.title} (${runbook.id}, definition ${runbook.definition})`],
    ['Run', run.id],
    ['Target', run.target],
    ['Operator(s)', report.operators.join(', ') || '(none recorded)'],
    ['Started', run.startedAt],
    ['Ended', run.endedAt ?? '(not ended)'],
    ['Outcome', run.status === 'active' ? `unfinished, at ${run.stateTitle}` : `${run.outcome ?? run.status} (${run.stateTitle})`],
  ];
}

export function resultText(step: ReportStep): string {
  switch (step.result) {
    case 'done':
      return 'done';
    case 'failed':
      return 'FAILED';
    case 'marked-done':
      return `marked done by ${step.confirmedBy} after an interruption`;
    case 'in-doubt':
      return 'stopped before it reported an end (in doubt)';
    default:
      return 'running when the report was made';
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function escape(text: string): string {
  return text.replace(/([\\`*_<>[\]])/g, '\\$1');
}

function cell(text: string): string {
  return escape(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
