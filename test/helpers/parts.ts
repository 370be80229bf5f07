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
