import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { StepContext } from '../../src/runner/contract.js';
import type { ScriptCall } from './powershell-runner.js';

export interface TransportResult {
  /** The command as it can be journaled: no secret is ever part of it. */
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Where a step script runs: this machine, or a Windows host over OpenSSH. */
export interface Transport {
  runnerName: 'powershell' | 'ssh';
  describe: string;
  run(call: ScriptCall, ctx: StepContext): Promise<TransportResult>;
  close(): Promise<void>;
}

const PS_FLAGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass'];

/**
 * Runs the script from a private temporary folder with `-File` (never `-Command -`, which
 * reads stdin as a REPL); stdin carries only the secrets. The process is its own group so that
 * cancelling the step kills the whole tree (miiskmu and anything else it started).
 */
export function localTransport(executable: string, env: Record<string, string> = {}): Transport {
  return {
    runnerName: 'powershell',
    describe: `${executable} (this machine)`,
    async run(call, ctx) {
      const dir = mkdtempSync(join(tmpdir(), 'runbook-ps-'));
      try {
        for (const file of call.files) writeFileSync(join(dir, file.name), file.text, { mode: 0o600 });
        const path = join(dir, call.script);
        const child = execa(executable, [...PS_FLAGS, '-File', path, ...call.args], {
          input: call.stdin,
          reject: false,
          env: { ...process.env, ...env },
          extendEnv: false,
          detached: process.platform !== 'win32',
          stripFinalNewline: false,
          maxBuffer: 16 * 1024 * 1024,
        });
        const result = await settle(child, ctx);
        return { command: `${executable} ${PS_FLAGS.join(' ')} -File ${path}`, ...result };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    close: async () => {},
  };
}

/**
 * The same scripts on a Windows host through OpenSSH: batch mode, host key checking on. The
 * remote command is a small fixed bootstrap (-EncodedCommand); the scripts and then the
 * secrets follow on stdin, and the bootstrap runs the step script from a private temporary
 * file with -File, feeding it the rest of stdin.
 */
export function sshTransport(destination: string, port: number | undefined, configFile: string | undefined): Transport {
  const sshArgs = [
    '-T',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'ConnectTimeout=15',
    ...(configFile ? ['-F', configFile] : []),
    ...(port ? ['-p', String(port)] : []),
    destination,
    `powershell ${PS_FLAGS.join(' ')} -EncodedCommand ${Buffer.from(BOOTSTRAP, 'utf16le').toString('base64')}`,
  ];
  const ssh = process.env.RUNBOOK_SSH ?? 'ssh';
  return {
    runnerName: 'ssh',
    describe: `ssh ${destination}${port ? `:${port}` : ''}`,
    async run(call, ctx) {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
      const child = execa(ssh, sshArgs, {
        input: `${b64(call.files)}\n${b64({ script: call.script, args: call.args })}\n${call.stdin}`,
        reject: false,
        detached: process.platform !== 'win32',
        stripFinalNewline: false,
        maxBuffer: 16 * 1024 * 1024,
      });
      const result = await settle(child, ctx);
      if (result.exitCode === 255 && !result.stdout.includes('RUNBOOK-RESULT')) {
        result.stderr = `ssh could not run the step on ${destination} (exit 255): ${result.stderr.trim()}`;
      }
      return { command: `${ssh} ${sshArgs.slice(0, -1).join(' ')} powershell -EncodedCommand <bootstrap>`, ...result };
    },
    close: async () => {},
  };
}

async function settle(child: ResultPromise, ctx: StepContext): Promise<Omit<TransportResult, 'command'>> {
  const kill = () => killTree(child.pid);
  ctx.signal.addEventListener('abort', kill, { once: true });
  try {
    await ctx.checkpointReached('spawned');
    const result = await child;
    // a process that could not start (not installed, not on PATH) has no exit code: say why
    const notStarted = result.exitCode === undefined && !ctx.signal.aborted ? `could not start: ${result.shortMessage ?? result.message}` : '';
    return {
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout ?? ''),
      stderr: notStarted || String(result.stderr ?? ''),
      timedOut: ctx.signal.aborted,
    };
  } finally {
    ctx.signal.removeEventListener('abort', kill);
  }
}

function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') {
      void execa('taskkill', ['/T', '/F', '/PID', String(pid)], { reject: false });
    } else {
      process.kill(-pid, 'SIGKILL');
    }
  } catch {
    // already gone
  }
}

/** Runs on Windows PowerShell 5.1 and pwsh 7; receives no secret on its command line. */
const BOOTSTRAP = String.raw`
$ErrorActionPreference = 'Stop'
$in = [Console]::In
$files = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($in.ReadLine())) | ConvertFrom-Json
$call = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($in.ReadLine())) | ConvertFrom-Json
$rest = $in.ReadToEnd()
$dir = Join-Path ([IO.Path]::GetTempPath()) ('runbook-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $dir
try {
  $utf8 = New-Object Text.UTF8Encoding $false
  foreach ($f in @($files)) { [IO.File]::WriteAllText((Join-Path $dir $f.name), [string]$f.text, $utf8) }
  $list = @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', (Join-Path $dir $call.script)) + @($call.args)
  $psi = New-Object Diagnostics.ProcessStartInfo
  # the running PowerShell: powershell.exe (5.1), pwsh.exe / pwsh (7, also as a dotnet tool, whose process is dotnet)
  $exe = (Get-Process -Id $PID).Path
  foreach ($name in @('powershell.exe', 'pwsh.exe', 'pwsh')) {
    $candidate = Join-Path $PSHOME $name
    if (Test-Path -LiteralPath $candidate -PathType Leaf) { $exe = $candidate; break }
  }
  $psi.FileName = $exe
  $psi.Arguments = (@($list) | ForEach-Object { '"' + ([string]$_ -replace '"', '\"') + '"' }) -join ' '
  $psi.UseShellExecute = $false
  $psi.RedirectStandardInput = $true
  $psi.RedirectStandardOutput = $true
  $psi.RedirectStandardError = $true
  $p = [Diagnostics.Process]::Start($psi)
  $p.StandardInput.Write($rest)
  $p.StandardInput.Close()
  $err = $p.StandardError.ReadToEndAsync()
  $out = $p.StandardOutput.ReadToEnd()
  $p.WaitForExit()
  [Console]::Out.Write($out)
  [Console]::Error.Write($err.Result)
  exit $p.ExitCode
} finally {
  Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue
}
`;

/** The bootstrap's text, for the test that checks it with PowerShell's parser. */
export const BOOTSTRAP_FOR_LINT = BOOTSTRAP;
