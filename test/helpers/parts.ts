import { execaSync } from 'execa';

/**
 * Real parts a suite needs (tmux, pwsh, sshd, chromium). On a developer's machine a missing
 * part skips the suite with a visible reason; in CI (CI=true or RUNBOOK_REQUIRE_PARTS=1) the
 * suite runs anyway and fails, so a broken install step cannot pass unnoticed.
 */
export const partsRequired = process.env.CI === 'true' || process.env.RUNBOOK_REQUIRE_PARTS === '1';

export function findExecutable(name: string, extraPaths: string[] = []): string | null {
  for (const candidate of [...extraPaths, name]) {
    try {
      const result = execaSync('sh', ['-c', `command -v "${candidate}"`], { reject: false });
      if (result.exitCode === 0 && String(result.stdout).trim()) return String(result.stdout).trim();
    } catch {
      // not there
    }
  }
  return null;
}

/** True when the suite should be skipped; prints why. */
export function skipWithoutPart(part: string, path: string | null): boolean {
  if (path) return false;
  if (partsRequired) return false;
  console.warn(`SKIPPED: ${part} is not installed on this machine (CI installs it with .ci/run)`);
  return true;
}

import { readdirSync, readFileSync } from 'node:fs';

/**
 * Polls /proc while a run goes on: any process whose command line holds a secret, and any
 * descendant of `rootPid` whose environment holds one, is reported. (Linux only.)
 */
export function watchProcesses(secrets: string[], rootPid: () => number | undefined): { stop(): string[]; seen(): number } {
  const findings = new Set<string>();
  const pids = new Set<number>();
  const read = (path: string) => {
    try {
      return readFileSync(path, 'latin1');
    } catch {
      return '';
    }
  };
  const timer = setInterval(() => {
    const parents = new Map<number, number>();
    const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
    for (const pid of all) {
      const stat = read(`/proc/${pid}/stat`);
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    }
    const root = rootPid();
    for (const pid of all) {
      if (pid === process.pid) continue;
      const cmdline = read(`/proc/${pid}/cmdline`).replace(/\0/g, ' ');
      for (const s of secrets) if (cmdline.includes(s)) findings.add(`argv of ${pid}: ${cmdline.slice(0, 80)}`);
      let p = parents.get(pid);
      let descendant = false;
      for (let i = 0; p && i < 20; i++, p = parents.get(p)) if (p === root) descendant = true;
      if (root !== undefined && descendant) {
        pids.add(pid);
        const environ = read(`/proc/${pid}/environ`);
        for (const s of secrets) if (environ.includes(s)) findings.add(`environment of ${pid} (${cmdline.slice(0, 60)})`);
      }
    }
  }, 15);
  return {
    stop: () => (clearInterval(timer), [...findings]),
    seen: () => pids.size,
  };
}
