import { execa } from 'execa';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from './parts.js';
import { initialState, saveState, type Scenario } from '../../runners/simulator/aadconnect-encryption-key/server.js';
import { ROOT } from './cli.js';

/** pwsh: RUNBOOK_PWSH (set by .ci/run), else pwsh on PATH. */
export const PWSH = process.env.RUNBOOK_PWSH ? findExecutable(process.env.RUNBOOK_PWSH) : findExecutable('pwsh');
export const SIM_HOST = join(ROOT, 'runners', 'powershell', 'aadconnect-encryption-key', 'sim-host');
export const SCRIPTS = join(ROOT, 'runners', 'powershell', 'aadconnect-encryption-key');

/** A fresh simulated ADSync host state file for a scenario. */
export function simHostState(path: string, scenario: Scenario): string {
  saveState(path, initialState(scenario));
  return path;
}

/**
 * A `pwsh` that records its command line and environment before running the real one, so a
 * test can prove what every PowerShell process it started received.
 */
export function recordingPwsh(dir: string, log: string): string {
  const path = join(dir, 'pwsh');
  writeFileSync(path, `#!/bin/sh\n{ printf 'ARGV:'; printf ' %s' "$@"; printf '\\n'; env | sed 's/^/ENV: /'; } >> '${log}'\nexec '${PWSH}' "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

export async function pwshJson(script: string, args: string[]): Promise<string> {
  const result = await execa(PWSH!, ['-NoProfile', '-NonInteractive', '-File', script, ...args]);
  return String(result.stdout);
}
