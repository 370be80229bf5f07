import type { CheckProblem } from '../runner/contract.js';

export type { CheckProblem };

/** Where a text sits in a file: the first line that holds it (a title, an instruction). */
export function lineOf(source: string | null, text: string): number | undefined {
  if (!source) return undefined;
  const needle = text.length > 60 ? text.slice(0, 60) : text;
  const at = source.indexOf(needle);
  return at === -1 ? undefined : source.slice(0, at).split('\n').length;
}
