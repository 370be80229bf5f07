import type { AnyStateMachine } from 'xstate';
import type { StateMeta } from '../runbook/define.js';
import { runbookStates, textValues } from '../runbook/describe.js';
import { lineOf, type CheckProblem } from './problem.js';

const PLACEHOLDER = /\{([A-Za-z0-9_.]+)\}/g;

/**
 * Every state has a title and instructions a person can follow, and every `{placeholder}` in
 * what a person reads is one the run fills: a step's params or the machine's context.
 */
export function checkStateTexts(machine: AnyStateMachine, file: string, source: string | null): CheckProblem[] {
  const problems: CheckProblem[] = [];
  for (const { key, meta } of runbookStates(machine)) {
    const at = (text: string) => ({ file, line: lineOf(source, text) ?? lineOf(source, `${key}`) });
    if (!meta) {
      problems.push({ file, line: lineOf(source, key), message: `state '${key}' has no meta: no title or instructions for the operator` });
      continue;
    }
    if (!meta.title?.trim()) problems.push({ ...at(key), message: `state '${key}' has no title` });
    const guidance = meta.kind === 'final' ? [meta.summary] : meta.instructions;
    if (!guidance?.some((line) => line.trim())) problems.push({ ...at(meta.title || key), message: `state '${key}' has no instructions` });
    const fillable = new Set(Object.keys(textValues(machine, key, initialContext(machine))));
    for (const text of readText(meta)) {
      for (const [, name] of text.matchAll(PLACEHOLDER)) {
        if (!fillable.has(name!.split('.')[0]!)) {
          problems.push({ ...at(text), message: `state '${key}': placeholder {${name}} is not filled by the context or the step's params (${[...fillable].filter((k) => !k.startsWith('_')).join(', ')})` });
        }
      }
    }
  }
  return problems;
}

/** Every text of a state that reaches a person: terminal, status, page, report. */
function readText(meta: StateMeta): string[] {
  switch (meta.kind) {
    case 'step':
      return [meta.title, ...meta.instructions, ...meta.commands, ...(meta.briefing ?? []), ...meta.secrets.flatMap((s) => [s.id, s.label])];
    case 'final':
      return [meta.title, meta.summary];
    default:
      return [meta.title, ...meta.instructions, meta.prompt.message, ...(meta.prompt.type === 'typed-confirm' ? [meta.prompt.expected] : meta.prompt.choices.map((c) => c.label))];
  }
}

function initialContext(machine: AnyStateMachine): Record<string, unknown> {
  const context = machine.config.context as unknown;
  return typeof context === 'object' && context !== null ? (context as Record<string, unknown>) : {};
}
