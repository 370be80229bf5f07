import { existsSync, writeFileSync } from 'node:fs';
import { loadRunbook } from '../../runbook/load-runbook.js';
import { machineHash } from '../../runbook/machine-hash.js';
import { readJournal } from '../../journal/read-journal.js';
import { namedRunPaths, stateDir } from '../../run/paths.js';
import { runbookGraph } from '../../diagram/graph.js';
import { toMermaid } from '../../diagram/mermaid.js';
import { toDot } from '../../diagram/dot.js';
import { DETAILS, type Detail } from '../../diagram/fold.js';
import { ExitCode } from '../../exit-codes.js';
import { UserError } from '../../user-error.js';
import type { GlobalOptions } from '../program.js';

export const DIAGRAM_FORMATS = ['mermaid', 'dot', 'svg', 'html'] as const;
export type DiagramFormat = (typeof DIAGRAM_FORMATS)[number];

export interface DiagramOptions extends GlobalOptions {
  /** Default: html with --run, else mermaid. */
  format?: string;
  /** A run to replay on the training page (html only). */
  run?: string;
  /** Write here instead of stdout. */
  output?: string;
  /** folded (default): the spine with failure handling folded into each step; full: every state and transition (mermaid, dot, svg). */
  detail?: string;
}

/** `runbook diagram <runbook>`: the flow as Mermaid, DOT, SVG or the offline training page. */
export async function diagram(id: string, options: DiagramOptions): Promise<number> {
  const format = (options.format ?? (options.run ? 'html' : 'mermaid')).toLowerCase();
  if (!(DIAGRAM_FORMATS as readonly string[]).includes(format)) {
    throw new UserError(`unknown diagram format '${options.format}'; use one of: ${DIAGRAM_FORMATS.join(', ')}`);
  }
  if (options.run && format !== 'html') {
    throw new UserError(`--run replays a run on the training page: use it with --format html (not ${format})`);
  }
  const detail = (options.detail ?? 'folded').toLowerCase() as Detail;
  if (!DETAILS.includes(detail)) throw new UserError(`unknown --detail '${options.detail}'; use one of: ${DETAILS.join(', ')}`);
  if (options.detail && format === 'html') throw new UserError('--detail applies to mermaid, dot and svg; the training page folds failures and expands them on click');
  const runbook = await loadRunbook(id);
  let text: string;
  switch (format as DiagramFormat) {
    case 'mermaid':
      text = toMermaid(runbookGraph(runbook), { detail });
      break;
    case 'dot':
      text = toDot(runbookGraph(runbook), { detail });
      break;
    case 'svg': {
      const { renderSvg } = await import('../../diagram/svg.js');
      text = await renderSvg(toDot(runbookGraph(runbook), { detail }));
      break;
    }
    case 'html': {
      const journal = options.run ? runJournal(options.run, runbook.id, machineHash(runbook.machine), options.stateDir) : undefined;
      const { trainingPage } = await import('../../diagram/training-page.js');
      text = await trainingPage(runbook, journal, options.run ? { runId: options.run } : {});
      break;
    }
  }
  if (options.output) {
    try {
      writeFileSync(options.output, text);
    } catch (error) {
      throw new UserError(`cannot write ${options.output}: ${(error as Error).message}`);
    }
    process.stderr.write(`runbook: wrote ${options.output}\n`);
  } else {
    process.stdout.write(text);
  }
  return ExitCode.ok;
}

export function runJournal(runId: string, runbookId: string, hash: string, stateDirFlag: string | undefined) {
  const dir = stateDir(stateDirFlag);
  const paths = namedRunPaths(dir, runId);
  if (!existsSync(paths.journal)) throw new UserError(`no run '${runId}' in ${dir} (see: runbook runs)`, ExitCode.state);
  const journal = readJournal(paths.journal);
  const started = journal.find((r) => r.type === 'run-started');
  if (started?.type === 'run-started') {
    if (started.runbookId !== runbookId) {
      throw new UserError(`run '${runId}' is a run of '${started.runbookId}', not of '${runbookId}'`, ExitCode.state);
    }
    if (started.machineHash !== hash) {
      process.stderr.write(`runbook: note: '${runbookId}' changed since run '${runId}'; the replay may not match every transition\n`);
    }
  }
  return journal;
}
