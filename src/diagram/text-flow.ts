import type { StepMark } from '../run/reporter.js';
import type { RunbookGraph } from './graph.js';
import { fillForPeople } from '../runbook/define.js';

const MARK: Record<StepMark, string> = { done: '✔', current: '▶', failed: '✖', skipped: '↷', pending: '·', 'not-taken': '–' };

/**
 * The flow as text for a terminal: every state in order with where each outcome leads; a failed
 * step's decision is folded into its line. `marks` (from a run) puts the run's position on it.
 */
export function textFlow(
  graph: RunbookGraph,
  marks: Map<string, StepMark> = new Map(),
  paint: { dim(t: string): string; bold(t: string): string; red(t: string): string } = plain,
  /** Placeholders filled from a run, or in words ("for each connector"): never braces on a screen. */
  values: (key: string) => unknown = () => ({}),
): string[] {
  const words = (key: string, text: string) => fillForPeople(text, values(key));
  const title = new Map(graph.nodes.map((n) => [n.key, n.kind === 'final' ? `■ ${words(n.key, n.title)}` : words(n.key, n.title)]));
  const lines: string[] = [];
  let n = 0;
  for (const node of graph.nodes) {
    if (node.kind === 'decision') continue;
    const mark = marks.get(node.key) ?? (marks.size ? 'pending' : undefined);
    const prefix = mark ? `${MARK[mark]} ` : '';
    const tags = node.marks.length ? `  [${node.marks.join(', ')}]` : '';
    if (node.kind === 'final') {
      lines.push(`  ${prefix}${paint.bold(title.get(node.key)!)}${paint.dim(` (end: ${node.outcome})`)}`);
      continue;
    }
    n += 1;
    const head = `  ${prefix}${n}. ${title.get(node.key)}`;
    lines.push(mark === 'current' ? paint.bold(`${head}${tags}  ◀ the run is here`) : node.destructive ? paint.red(`${head}${tags}`) : `${head}${tags}`);
    for (const edge of graph.edges.filter((e) => e.from === node.key)) {
      const target = graph.nodes.find((x) => x.key === edge.to);
      if (target?.kind === 'decision') {
        const choices = graph.edges.filter((e) => e.from === target.key).map((e) => `${e.trigger} → ${e.to === node.key ? 'again' : title.get(e.to)}`);
        lines.push(paint.dim(`       ${edge.label} → decide: ${choices.join(' · ')}`));
      } else {
        lines.push(paint.dim(`       ${edge.label} → ${edge.self ? 'again (next item)' : title.get(edge.to)}`));
      }
    }
  }
  return lines;
}

const plain = { dim: (t: string) => t, bold: (t: string) => t, red: (t: string) => t };
