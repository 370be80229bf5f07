import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, tempDir } from './helpers/cli.js';
import { skipWithoutPart } from './helpers/parts.js';
import { PWSH, pwshJson, recordingPwsh } from './helpers/pwsh.js';
import { localTransport, type Transport } from '../runners/powershell/transport.js';
import { SESSION_HOST_PATH } from '../runners/powershell/warm-session.js';
import type { StepContext } from '../src/runner/contract.js';
import type { ScriptCall } from '../runners/powershell/powershell-runner.js';

/** The warm PowerShell session: one process per run, a fresh runspace per step. */
const root = tempDir();

function context(): StepContext & { abort(): void; reached: string[] } {
  const controller = new AbortController();
  const reached: string[] = [];
  return {
    signal: controller.signal,
    checkpointReached: async (point: string) => void reached.push(point),
    abort: () => controller.abort(),
    reached,
  } as unknown as StepContext & { abort(): void; reached: string[] };
}

/** A step script (with a _common.ps1 it dot-sources from its own folder, as the real ones do). */
function step(body: string, args: string[] = [], stdin = ''): ScriptCall {
  return {
    files: [
      { name: '_common.ps1', text: '$script:CommonLoaded = "yes"\n' },
      { name: 'step.ps1', text: `param([string]$AttemptId = '', [switch]$Flag, [double]$Seconds = 1)\n. (Join-Path $PSScriptRoot '_common.ps1')\n${body}\n` },
    ],
    script: 'step.ps1',
    args,
    stdin,
  };
}

const pidOf = (stdout: string) => Number(/pid=(\d+)/.exec(stdout)?.[1]);

/** Running (a zombie no one reaped yet counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(skipWithoutPart('pwsh', PWSH))('the warm PowerShell session', () => {
  const transports: Transport[] = [];
  const open = (executable = PWSH!, env: Record<string, string> = {}) => {
    const t = localTransport(executable, env);
    transports.push(t);
    return t;
  };
  afterAll(async () => {
    for (const t of transports) await t.close();
  });

  it('one pwsh process serves every step, each in a runspace of its own: no variable, global or environment change reaches the next step', async () => {
    const dir = join(root, 'shim');
    mkdirSync(dir, { recursive: true });
    const log = join(dir, 'calls.log');
    const t = open(recordingPwsh(dir, log));
    const first = await t.run(step('$x = "one"; $global:g = "two"; $env:RUNBOOK_TEST_LEAK = "three"; [Console]::Out.WriteLine("pid=$PID common=$script:CommonLoaded root=$PSScriptRoot"); exit 0'), context());
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/common=yes root=\S+/);
    const second = await t.run(step('[Console]::Out.WriteLine("pid=$PID x=[$x] g=[$global:g] env=[$env:RUNBOOK_TEST_LEAK] common=$script:CommonLoaded")'), context());
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain('x=[] g=[] env=[] common=yes');
    const third = await t.run(step('[Console]::Out.WriteLine("pid=$PID")'), context());
    expect(new Set([pidOf(first.stdout), pidOf(second.stdout), pidOf(third.stdout)]).size).toBe(1);
    expect(readFileSync(log, 'utf8').match(/^ARGV:/gm)).toHaveLength(1);
    expect(readFileSync(log, 'utf8')).toMatch(/^ARGV: -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -File \S+session-host\.ps1$/m);
    expect(first.command).toMatch(/-File \S+session-host\.ps1 \[session \d+\] new runspace: \S+step\.ps1$/);
  });

  it('arguments bind as with -File; secret lines arrive on [Console]::In; exit N, a throw and a binding error give the exit code a process would', async () => {
    const t = open();
    const bound = await t.run(
      step('[Console]::Out.WriteLine("a=[$AttemptId] flag=$Flag s=$Seconds rest=[$($args -join "|")]"); [Console]::Out.WriteLine("line1=" + [Console]::In.ReadLine()); [Console]::Out.WriteLine("line2=" + [Console]::In.ReadLine()); [Console]::Out.WriteLine("eof=" + ($null -eq [Console]::In.ReadLine())); [Console]::Error.WriteLine("progress"); exit 0', ['-AttemptId', 'a 1 "q"', '-Flag', 'extra', '-Seconds', '0.5'], 's3cr3t\nsecond\n'),
      context(),
    );
    expect(bound).toMatchObject({ exitCode: 0, timedOut: false });
    expect(bound.stdout).toContain('a=[a 1 "q"] flag=True s=0.5 rest=[extra]');
    expect(bound.stdout).toContain('line1=s3cr3t\nline2=second\neof=True');
    expect(bound.stderr).toContain('progress');
    const exits = await t.run(step('[Console]::Out.WriteLine(\'RUNBOOK-RESULT {"ok":false,"error":"no","category":"failed","evidence":[]}\'); exit 7'), context());
    expect(exits.exitCode).toBe(7);
    expect(exits.stdout).toContain('RUNBOOK-RESULT {"ok":false');
    const throws = await t.run(step('$ErrorActionPreference = "Stop"; throw "it broke here"'), context());
    expect(throws.exitCode).toBe(1);
    expect(throws.stderr).toContain('it broke here');
    const badArgs = await t.run(step('exit 0', ['-Seconds', 'not-a-number']), context());
    expect(badArgs.exitCode).toBe(1);
    expect(badArgs.stderr).toMatch(/Seconds/);
    const noExit = await t.run(step('Write-Output "pipeline text"; Write-Host "host text"'), context());
    expect(noExit.exitCode).toBe(0);
    expect(noExit.stdout).toContain('pipeline text');
    expect(noExit.stdout).toContain('host text');
    // native children (miiskmu.exe is one) still run, their output is captured
    const native = await t.run(step('$o = @(& $PSHOME/pwsh -NoProfile -Command "[Console]::Out.WriteLine(\'child says hi\'); exit 4"); [Console]::Out.WriteLine("child=[$o] code=$LASTEXITCODE"); exit 0'), context());
    expect(native.stdout).toContain('child=[child says hi] code=4');
  });

  it('a step that times out kills the session, with what it started; the next step runs on a fresh session', async () => {
    const t = open();
    const before = await t.run(step('[Console]::Out.WriteLine("pid=$PID")'), context());
    const marker = join(root, 'child.pid');
    const ctx = context();
    const running = t.run(step(`$p = Start-Process -FilePath (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile','-Command','Start-Sleep 60' -PassThru; [IO.File]::WriteAllText('${marker}', [string]$p.Id); Start-Sleep 60`), ctx);
    for (let i = 0; i < 200 && !existsSync(marker); i++) await sleep(50);
    expect(ctx.reached).toEqual(['spawned']);
    ctx.abort();
    const timedOut = await running;
    expect(timedOut.timedOut).toBe(true);
    expect(timedOut.exitCode).not.toBe(0);
    await sleep(300);
    expect(alive(pidOf(before.stdout))).toBe(false);
    expect(alive(Number(readFileSync(marker, 'utf8')))).toBe(false);
    const after = await t.run(step('[Console]::Out.WriteLine("pid=$PID")'), context());
    expect(after.exitCode, after.stderr).toBe(0);
    expect(pidOf(after.stdout)).not.toBe(pidOf(before.stdout));
  });

  it('a session killed in the middle of a step fails that step, and the next step gets a new session', async () => {
    const t = open();
    const marker = join(root, 'session.pid');
    const running = t.run(step(`[IO.File]::WriteAllText('${marker}', [string]$PID); Start-Sleep 60; [Console]::Out.WriteLine('RUNBOOK-RESULT {}')`), context());
    for (let i = 0; i < 200 && !existsSync(marker); i++) await sleep(50);
    const pid = Number(readFileSync(marker, 'utf8'));
    process.kill(pid, 'SIGKILL');
    const killed = await running;
    // as a killed script: a non-zero exit code, no result line
    expect(killed).toMatchObject({ timedOut: false, stdout: '' });
    expect(killed.exitCode).not.toBe(0);
    expect(killed.stderr).toMatch(/the PowerShell session \(pid \d+\) ended during the step/);
    const after = await t.run(step('[Console]::Out.WriteLine("pid=$PID")'), context());
    expect(after.exitCode, after.stderr).toBe(0);
    expect(pidOf(after.stdout)).not.toBe(pid);
  });

  it('close() ends the session', async () => {
    const t = open();
    const r = await t.run(step('[Console]::Out.WriteLine("pid=$PID")'), context());
    expect(alive(pidOf(r.stdout))).toBe(true);
    await t.close();
    expect(alive(pidOf(r.stdout))).toBe(false);
  });

  it('the session host parses with PowerShell\'s parser and uses nothing Windows PowerShell 5.1 cannot run', async () => {
    const copy = join(root, 'session-host.ps1');
    writeFileSync(copy, readFileSync(SESSION_HOST_PATH, 'utf8'));
    const [report] = (await pwshJson(join(ROOT, 'runners', 'powershell', 'lint-ps51.ps1'), [copy])).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect({ parseErrors: report.parseErrors, problems: report.problems }).toEqual({ parseErrors: [], problems: [] });
    // and the same check on a host script with pwsh-7-only syntax finds it
    writeFileSync(copy, `${readFileSync(SESSION_HOST_PATH, 'utf8')}\n$late = $null ?? 'x'\n`);
    const [bad] = (await pwshJson(join(ROOT, 'runners', 'powershell', 'lint-ps51.ps1'), [copy])).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(bad.problems.join(' ')).toMatch(/\?\?/);
  });
});
