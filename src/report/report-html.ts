import type { ChangeReport } from './change-report.js';
import { resultText, seconds, summaryRows } from './report-markdown.js';

/**
 * The change report as one self-contained HTML file: inline CSS, no script, no network (the
 * Content-Security-Policy forbids any), and a print layout so it can go to PDF for the ticket.
 */
export function reportHtml(report: ChangeReport): string {
  const e = escapeHtml;
  const rows = (cells: string[]) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const steps = report.steps
    .map((s, i) => `<tr class="${s.result}"><td>${i + 1}</td><td><strong>${e(s.title)}</strong><div class="dim">${e(s.stepId)} · ${e(s.attemptId)}</div></td>` +
      `<td>${e(s.startedAt)}<br>${e(s.endedAt ?? '(no end recorded)')}${s.durationMs !== null ? `<div class="dim">${seconds(s.durationMs)}</div>` : ''}</td>` +
      `<td>${e(s.runner)}</td><td>${e(resultText(s))}${s.error ? `<div class="error">${e(s.error.category)}: ${e(s.error.message)}</div>` : ''}</td>` +
      `<td><ul>${s.evidence.map((line) => `<li>${e(line)}</li>`).join('')}</ul></td></tr>`)
    .join('\n');
  const decisions = report.decisions.map((d) => rows([e(d.at), e(d.by), e(d.via ?? ''), e(d.about), e(d.answer), e(d.reason ?? '')])).join('\n');
  const events = report.events.map((v) => rows([e(v.at), e(v.kind), e(v.by ?? ''), e(v.via ?? ''), e(v.detail)])).join('\n');
  const skipped = report.skipped.map((s) => rows([e(s.at), e(s.title), e(s.by), e(s.reason)])).join('\n');
  const table = (head: string[], body: string, empty: string) =>
    body ? `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>` : `<p>${empty}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Change report: ${e(report.runbook.title)} (${e(report.run.id)})</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; color: #1b1f24; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #ccd; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ccd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f0f2f5; } .summary th { width: 10rem; } ul { margin: 0; padding-left: 1.1rem; }
.dim { color: #667; font-size: .85em; } .error { color: #a40000; } tr.failed td { background: #fff3f3; } tr.in-doubt td { background: #fff8e5; }
code, .hash { font-family: ui-monospace, monospace; word-break: break-all; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } tr, li { break-inside: avoid; } h2 { break-after: avoid; } a { color: inherit; } }
</style>
</head>
<body>
<h1>Change report: ${e(report.runbook.title)}</h1>
<table class="summary"><tbody>
${summaryRows(report).map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`).join('\n')}
</tbody></table>
<h2>Steps taken</h2>
${table(['#', 'step', 'start / end', 'runner', 'result', 'evidence'], steps, 'No step was started.')}
<h2>Decisions</h2>
${table(['when', 'who', 'where', 'about', 'answer', 'reason'], decisions, 'No decision was taken.')}
<h2>Interruptions, resumes, in-doubt verdicts and reruns</h2>
${table(['when', 'what', 'who', 'where', 'detail'], events, 'None: the run went through without interruption.')}
<h2>Steps skipped</h2>
${table(['when', 'step', 'who', 'reason'], skipped, 'None.')}
<h2>Integrity</h2>
<p>The run's journal is a hash chain of ${report.journal.records} records; its head commits to all of them:</p>
<p class="hash">${e(report.journal.head)}</p>
<p>Check that the journal is the one this report was made from:</p>
<p><code>${e(report.journal.verify)}</code></p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
