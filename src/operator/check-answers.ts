import type { RunbookDefinition } from '../runbook/define.js';
import { runbookStates } from '../runbook/describe.js';
import { reachableStates } from '../runbook/reachable.js';
import { UserError } from '../user-error.js';
import type { AnswersFile } from './answers-file.js';

/** Questions the engine and the generic runners ask, with the answers each offers (null: free text). */
const ENGINE_QUESTIONS: Record<string, string[] | null> = {
  inDoubt: ['mark-done', 'rerun', 'abort', 'probe'],
  manual: ['done', 'failed'],
  manualFailure: null,
  skipReason: null,
  confirmRerun: null,
  rerunReason: null,
  confirmDestructive: null,
};

/**
 * Checks an answers file against the runbook before anything is written: every question id is one
 * the runbook or the engine can ask, every per-step key names a step, every choice is one the
 * question offers, and every secret a reachable step can need has an entry (per-connector
 * patterns included). A gap is one line, exit 2.
 */
export function checkAnswers(file: AnswersFile, path: string, runbook: RunbookDefinition): void {
  const fail = (what: string): never => {
    throw new UserError(`answers file ${path}: ${what}; nothing was started`);
  };
  const states = runbookStates(runbook.machine);
  const steps = new Set(states.filter((s) => s.meta?.kind === 'step').map((s) => s.key));
  const questions: Record<string, string[] | null> = { ...ENGINE_QUESTIONS };
  for (const { meta } of states) {
    if (meta?.kind !== 'prompt' && meta?.kind !== 'decision') continue;
    const prompt = meta.prompt;
    const offered = prompt.type === 'choice' ? prompt.choices.map((c) => c.event.toLowerCase()) : null;
    questions[prompt.id] = offered && questions[prompt.id] ? [...new Set([...questions[prompt.id]!, ...offered])] : offered;
    if (prompt.type === 'choice') for (const c of prompt.choices) if (c.reason) questions[c.reason.id] = null;
  }
  for (const [id, value] of Object.entries(file.answers)) {
    if (!(id in questions)) fail(`'${id}' is not a question ${runbook.id} asks (it asks: ${Object.keys(questions).join(', ')})`);
    const values = typeof value === 'string' ? [value] : Array.isArray(value) ? value : Object.values(value).flat();
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const key of Object.keys(value)) if (key !== '*' && !steps.has(key)) fail(`'${id}' has an answer for '${key}', which is not a step of ${runbook.id}`);
    }
    const offered = questions[id];
    for (const v of values) if (offered && !offered.includes(v)) fail(`'${v}' is not an answer to '${id}' (one of: ${offered.join(', ')})`);
  }
  const reachable = reachableStates(runbook.machine);
  for (const { key, meta } of states) {
    if (meta?.kind !== 'step' || !reachable.has(key)) continue;
    for (const secret of meta.secrets) {
      // a per-item secret ("password:{item}") is covered by a pattern that matches any item, or names items
      const sample = secret.id.replace(/\{[^}]+\}/g, '\u0000');
      const entry = Object.entries(file.secrets).find(([pattern]) => covers(pattern, sample));
      if (!entry) fail(`no entry under 'secrets' for '${secret.id}' (${secret.label}), which step "${meta.title}" can ask for`);
      if (secret.kind === 'credential' && !entry![1].username) fail(`secret '${entry![0]}' needs a username for ${secret.label}`);
    }
  }
}

/** Whether a secrets pattern can answer a secret id whose per-item parts are \0. */
function covers(pattern: string, sample: string): boolean {
  if (!sample.includes('\u0000')) return matches(pattern, sample);
  const fixed = sample.split('\u0000')[0]!;
  return pattern.startsWith(fixed) || matches(pattern, sample.replace(/\u0000/g, 'x'));
}

function matches(pattern: string, id: string): boolean {
  if (!pattern.includes('*')) return pattern === id;
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(id);
}
