import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/**
 * Where a person acted, for the journal: the host and the terminal a confirmation was typed
 * on, or the answers file that gave it. Never anything secret.
 */
export function terminalWhere(): string {
  return `host ${hostname()}, terminal ${ttyName()}`;
}

export function answersFileWhere(path: string): string {
  return `host ${hostname()}, answers file ${resolve(path)}`;
}

function ttyName(): string {
  // Linux names the terminal behind standard input; elsewhere only that there is one is known
  try {
    return readlinkSync('/proc/self/fd/0');
  } catch {
    return process.stdin.isTTY ? 'tty' : 'no tty';
  }
}
