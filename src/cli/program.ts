import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { UserError } from '../user-error.js';
import { stateWriteError } from '../state-errors.js';

export interface GlobalOptions {
  stateDir?: string;
  verbose?: boolean;
  json?: boolean;
}

const EXIT_CODES_HELP = `
Exit codes:
  0    the runbook ended well (recovered, or nothing to do)
  1    internal error (details in the run's diagnostic log)
  2    bad input: unknown runbook or target, malformed answers file, no terminal and no --answers
  3    the runbook handed over: the symptom belongs to another procedure
  4    the operator aborted the run
  5    run state unusable: corrupt checkpoint, changed runbook, no such run,
       a journal whose hash chain does not hold ("runbook verify" names the record)
  6    the run or its target is in use by another process, or has an unfinished run
  7    runbook check found problems
  8    a step is in doubt, the answers file says "probe", and the probe cannot tell
  130  interrupted: the run is saved; continue with "runbook resume"

Run state lives in --state-dir, else $RUNBOOK_STATE_DIR, else the user's state directory
(~/.local/state/runbook on Linux, %LOCALAPPDATA%\\runbook on Windows).`;

export async function runCli(argv: string[], version: string): Promise<number> {
  let code: number = ExitCode.ok;
  const program = new Command('runbook')
    .description('Operational runbooks as executable, resumable state machines')
    .version(version)
    .addOption(new Option('--state-dir <dir>', 'where runs are kept'))
    .option('-v, --verbose', 'also print diagnostic log lines on stderr')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;

  program
    .command('list')
    .description('list the runbooks')
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) => {
      code = await (await import('./commands/list.js')).list(globals(cmd));
    });

  program
    .command('show <runbook>')
    .description('show a runbook: its steps, what each does, and its simulator scenarios')
    .option('--json', 'machine-readable output')
    .action(async (runbook: string, _opts, cmd: Command) => {
      code = await (await import('./commands/show.js')).show(runbook, globals(cmd));
    });

  program
    .command('check [runbook]')
    .description('lint runbook packages without a target: texts, flow, confirmations, implementations, scenarios, scripts')
    .option('--json', 'machine-readable output')
    .action(async (runbook: string | undefined, _opts, cmd: Command) => {
      code = await (await import('./commands/check.js')).check(runbook, globals(cmd));
    });

  program
    .command('run <runbook>')
    .description('start a run (default target: the simulated server)')
    .option(
      '-t, --target <target>',
      'sim:<scenario> | pwsh-sim:<scenario> | local | local:pwsh | ssh://user@host[:port] (the runner kinds in runners/); for a runbook with several servers, once per role: --target active=ssh://aadc01 --target staging=ssh://aadc02',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('-a, --answers <file>', 'answers file for an unattended run (secrets come from env or stdin, never the file)')
    .option('--dry-run', 'run only the read-only steps; print what every other step would do')
    .option('--simulated-host', "the target is the runbook's simulated host: manual steps are done by its stand-ins")
    .option('--ssh-config <file>', 'ssh client configuration (ssh -F) for an ssh:// target')
    .option('--json', "when the run ends, write {runId, runbook, target, outcome, state, result} on stdout (human output stays on stderr)")
    .action(async (runbook: string, opts: { target?: string[]; answers?: string; dryRun?: boolean; simulatedHost?: boolean; sshConfig?: string }, cmd: Command) => {
      code = await (await import('./commands/run.js')).run(runbook, { ...globals(cmd), ...opts });
    });

  program
    .command('diagram <runbook>')
    .description('draw a runbook: Mermaid (default), DOT, SVG, or an offline training page (html) that can replay a run')
    .option('-f, --format <format>', 'mermaid | dot | svg | html (default: mermaid, or html with --run)')
    .option('--run <run-id>', 'replay this run on the training page (html only)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--detail <detail>', 'folded (default: the happy path, failure handling folded into each step) | full (every state and transition)')
    .action(async (runbook: string, opts: { format?: string; run?: string; output?: string; detail?: string }, cmd: Command) => {
      code = await (await import('./commands/diagram.js')).diagram(runbook, { ...globals(cmd), ...opts });
    });

  program
    .command('train <runbook>')
    .description('practise a failure on the simulator (a drill), then read the debrief')
    .option('-s, --scenario <name>', 'the drill to run')
    .option('--list', 'list the drills')
    .option('--json', 'machine-readable list')
    .option('-a, --answers <file>', 'answers file (for unattended drills in tests)')
    .action(async (runbook: string, opts: { scenario?: string; list?: boolean; answers?: string }, cmd: Command) => {
      code = await (await import('./commands/train.js')).train(runbook, { ...globals(cmd), ...opts });
    });

  program
    .command('resume [run-id]')
    .description('continue an interrupted run (default: the latest unfinished one)')
    .option('-a, --answers <file>', 'answers file for an unattended resume')
    .option('--json', "when the run ends, write {runId, runbook, target, outcome, state, result} on stdout")
    .action(async (runId: string | undefined, opts: { answers?: string }, cmd: Command) => {
      code = await (await import('./commands/run.js')).resume(runId, { ...globals(cmd), ...opts });
    });

  program
    .command('rerun <run-id>')
    .description('continue a run (also one that ended) from a chosen step; asks who, why, and the server name')
    .requiredOption('--from <step>', 'the step to run again from (its id, as in "runbook show")')
    .option('-a, --answers <file>', 'answers file for an unattended rerun (confirmRerun, rerunReason, ...)')
    .action(async (runId: string, opts: { from: string; answers?: string }, cmd: Command) => {
      code = await (await import('./commands/rerun.js')).rerun(runId, { ...globals(cmd), ...opts });
    });

  program
    .command('verify <run-id>')
    .description("check a run's hash-chained journal (and its checkpoint); prints the head hash")
    .option('--head <hash>', 'also check the journal ends at this head (recorded elsewhere, e.g. in the change ticket)')
    .action(async (runId: string, opts: { head?: string }, cmd: Command) => {
      code = await (await import('./commands/verify.js')).verify(runId, { ...globals(cmd), ...opts });
    });

  program
    .command('report <run-id>')
    .description('a change report of a run, for the change ticket: steps, decisions, interruptions, head hash')
    .option('-f, --format <format>', 'md | html | json (default: md)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (runId: string, opts: { format?: string; output?: string }, cmd: Command) => {
      code = await (await import('./commands/report.js')).report(runId, { ...globals(cmd), ...opts });
    });

  program
    .command('status [run-id]')
    .description("a run's steps and where it stands (default: the latest run)")
    .option('--json', 'machine-readable output')
    .action(async (runId: string | undefined, _opts, cmd: Command) => {
      code = await (await import('./commands/status.js')).status(runId, globals(cmd));
    });

  program
    .command('watch [run-id]')
    .description('serve a run\'s training page live on 127.0.0.1 (default: the latest run), for a trainer to project; Ctrl-C stops it (exit 0)')
    .option('-p, --port <port>', 'listen on this port (default: a free one)')
    .action(async (runId: string | undefined, opts: { port?: string }, cmd: Command) => {
      code = await (await import('./commands/watch.js')).watch(runId, { ...globals(cmd), ...opts });
    });

  program
    .command('runs')
    .description('list the runs in the state directory')
    .option('--json', 'machine-readable output')
    .action(async (_opts, cmd: Command) => {
      code = await (await import('./commands/runs.js')).runs(globals(cmd));
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    return reportError(error, argv.includes('--verbose') || argv.includes('-v'));
  }
}

export function reportError(error: unknown, verbose: boolean): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof UserError) {
    process.stderr.write(`runbook: ${error.message}\n`);
    return error.exitCode;
  }
  const mapped = stateWriteError(error, (error as NodeJS.ErrnoException)?.path ?? 'the state directory');
  if (mapped instanceof UserError) {
    process.stderr.write(`runbook: ${mapped.message}\n`);
    return mapped.exitCode;
  }
  const name = (error as Error)?.name;
  if (name === 'ExitPromptError' || name === 'AbortPromptError') {
    process.stderr.write('\nrunbook: interrupted; the run is saved, continue with: runbook resume\n');
    return ExitCode.interrupted;
  }
  process.stderr.write(`runbook: internal error: ${(error as Error)?.message ?? String(error)}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return ExitCode.internal;
}
