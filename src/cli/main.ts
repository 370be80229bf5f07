#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { installEarlySignals } from './early-signals.js';

installEarlySignals();

/**
 * The `runbook` command. Modules load per command (the machines and xstate only for commands
 * that need them) so that `runbook --version` costs little more than starting node.
 */
const version = (): string =>
  (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// `runbook show x | head` closes stdout early: that is not an error worth a stack trace
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${version()}\n`);
} else if (args[0] === 'list' && (args.length === 1 || (args.length === 2 && args[1] === '--json'))) {
  // the list reads the runbook index (see runbook/runbook-index.ts): no commander, no machines
  process.exitCode = await (await import('./commands/list.js')).list({ json: args[1] === '--json' });
} else {
  const { runCli } = await import('./program.js');
  process.exitCode = await runCli(process.argv, version());
}
