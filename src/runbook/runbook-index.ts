import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What `runbook list` prints, without importing the machines (and xstate with them): an index
 * written next to the compiled machines, `dist/machines/index.json`, when a list had to load
 * them. It is used only while it is fresh: it names every file under the machines folder (the
 * runbooks and what they import: lib/, data/) with its size and modification time, and any
 * file added, removed or changed makes it stale, so the list loads the machines again and
 * rewrites it. Only a compiled tree gets one (never the source folder); a read-only install
 * simply loads the machines every time.
 */
export interface IndexedRunbook {
  id: string;
  title: string;
  summary: string;
}

interface RunbookIndex {
  schema: 1;
  files: Array<[string, number, number]>;
  runbooks: IndexedRunbook[];
}

const machinesDir = fileURLToPath(new URL('../../machines/', import.meta.url));
const indexPath = join(machinesDir, 'index.json');
const compiled = /[\\/]dist[\\/]/.test(machinesDir);

/** Every module file under the machines folder, with its size and modification time. */
function fingerprint(): Array<[string, number, number]> {
  const files: Array<[string, number, number]> = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(js|ts|json)$/.test(entry.name) && !entry.name.endsWith('.d.ts') && path !== indexPath) {
        const stat = statSync(path);
        files.push([relative(machinesDir, path), stat.size, Math.round(stat.mtimeMs)]);
      }
    }
  };
  walk(machinesDir);
  return files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The index, when there is one and nothing under machines/ changed since it was written. */
export function freshRunbookIndex(): IndexedRunbook[] | null {
  if (!compiled || !existsSync(indexPath)) return null;
  try {
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as RunbookIndex;
    if (index.schema !== 1 || JSON.stringify(index.files) !== JSON.stringify(fingerprint())) return null;
    return index.runbooks;
  } catch {
    return null;
  }
}

/** Writes the index for the runbooks just loaded (best effort: a read-only tree keeps none). */
export function writeRunbookIndex(runbooks: IndexedRunbook[]): void {
  if (!compiled || !existsSync(machinesDir)) return;
  try {
    const index: RunbookIndex = { schema: 1, files: fingerprint(), runbooks: runbooks.map(({ id, title, summary }) => ({ id, title, summary })) };
    const temp = `${indexPath}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(index, null, 1)}\n`);
    renameSync(temp, indexPath);
  } catch {
    // not writable: the next list loads the machines again
  }
}
