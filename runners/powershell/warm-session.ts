import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceRoot } from '../source-root.js';
import type { StepContext } from '../../src/runner/contract.js';
import type { ScriptCall } from './powershell-runner.js';

/** The host script (Windows PowerShell 5.1 and pwsh 7); code only, never a secret. */
export const SESSION_HOST_PATH = join(sourceRoot, 'runners', 'powershell', 'session-host.ps1');
let hostText: string | undefined;
export function sessionHostScript(): string {
  return (hostText ??= readFileSync(SESSION_HOST_PATH, 'utf8'));
}

const READY = '#RUNBOOK-SESSION-READY# ';
const RESULT = '#RUNBOOK-SESSION-RESULT# ';

export interface StepOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Where the host wrote the step script ('' when the step did not reach the host). */
  path: string;
}

/** How to start a session: the program and its arguments (never a secret), and its environment. */
export interface SessionLaunch {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** A private folder to remove when the session ends (the local host script lives there). */
  privateDir?: string;
}

interface Pending {
  id: number;
  resolve: (outcome: StepOutcome) => void;
  stray: string[];
  stderr: string;
}

/**
 * One PowerShell process (local, or at the other end of one ssh connection) serving the steps of
 * a run one at a time: a request line on its stdin per step, a result frame back on stdout. The
 * process is its own process group, so a kill takes the whole tree. While no step runs, the
 * session does not keep the engine's process alive.
 */
export class WarmSession {
  readonly child: ChildProcessWithoutNullStreams;
  /** The host's pid as it reports it (over SSH: the remote pid), once it is ready. */
  hostPid: number | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private buffer = '';
  private idleStderr = '';
  private exited = false;
  private exitCode: number | null = null;
  private exitSignal: string | null = null;
  private readonly exitedPromise: Promise<void>;
  private readonly readyPromise: Promise<void>;
  private onReady: () => void = () => {};

  /** The arguments it was started with (code and paths, never a secret). */
  readonly launchArgs: string[];

  constructor(launch: SessionLaunch) {
    this.launchArgs = launch.args;
    this.child = spawn(launch.file, launch.args, {
      env: launch.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    this.child.stdin.on('error', () => {}); // a host that died: the exit handler reports it
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    this.child.stderr.on('data', (chunk: string) => {
      if (this.pending) this.pending.stderr += chunk;
      else this.idleStderr = (this.idleStderr + chunk).slice(-8000);
    });
    this.readyPromise = new Promise((resolve) => (this.onReady = resolve));
    this.exitedPromise = new Promise((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: string | null, error?: Error) => {
        if (done) return;
        done = true;
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        if (error) this.idleStderr += `could not start: ${error.message}`;
        this.failPending();
        if (launch.privateDir) rmSync(launch.privateDir, { recursive: true, force: true });
        resolve();
      };
      this.child.on('error', (error) => finish(null, null, error));
      // 'close': the exit and the end of its stdout/stderr, so a last frame is not lost
      this.child.on('close', (code, signal) => finish(code, signal));
      // a grandchild that outlived the host may hold stdout open: do not wait for it
      this.child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 500).unref());
    });
    this.setRef(false);
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Runs one step; resolves when its result frame arrives, the session dies, or ctx.signal aborts (which kills the session). */
  async run(call: ScriptCall, ctx: StepContext): Promise<StepOutcome> {
    if (this.pending) throw new Error('a step is already running in this PowerShell session');
    if (this.exited) return this.deadOutcome('', '', '');
    const id = this.nextId++;
    const line = `${Buffer.from(JSON.stringify({ id, files: call.files, script: call.script, args: call.args, stdin: call.stdin }), 'utf8').toString('base64')}\n`;
    const outcome = new Promise<StepOutcome>((resolve) => {
      this.pending = { id, resolve, stray: [], stderr: '' };
    });
    this.setRef(true);
    const kill = () => this.kill();
    ctx.signal.addEventListener('abort', kill, { once: true });
    try {
      // the request is in the host's stdin pipe before the step counts as started
      await new Promise<void>((resolve) => this.child.stdin.write(line, () => resolve()));
      if (!ctx.signal.aborted) await ctx.checkpointReached('spawned');
      const result = await outcome;
      return ctx.signal.aborted ? { ...result, timedOut: true } : result;
    } finally {
      ctx.signal.removeEventListener('abort', kill);
      this.pending = undefined;
      this.setRef(false);
    }
  }

  /** Waits for the ready frame (the host's pid); rejects if the session ends first. */
  async ready(): Promise<number> {
    this.setRef(true);
    try {
      await Promise.race([this.readyPromise, this.exitedPromise]);
    } finally {
      if (!this.pending) this.setRef(false);
    }
    if (this.hostPid === undefined) throw new Error(`the PowerShell session ended before it was ready: ${this.idleStderr.trim()}`);
    return this.hostPid;
  }

  /** Ends the session: end of stdin lets the host finish and exit; if it has not within `graceMs`, it is killed. */
  async close(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    this.child.stdin.end();
    if (this.pending) return; // a step still runs: it finishes on the host, as a detached script would
    this.setRef(true);
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  /** Kills the whole process group at once (the host, the step, and anything the step started). */
  kill(): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exited) return;
    try {
      if (process.platform === 'win32') spawn('taskkill', ['/T', '/F', '/PID', String(pid)], { stdio: 'ignore', windowsHide: true });
      else process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private onStdout(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    if (line.startsWith(READY)) {
      try {
        this.hostPid = (JSON.parse(Buffer.from(line.slice(READY.length), 'base64').toString('utf8')) as { pid: number }).pid;
      } catch {
        // a damaged frame: the pid stays unknown
      }
      this.onReady();
      return;
    }
    const pending = this.pending;
    if (line.startsWith(RESULT) && pending) {
      let frame: { id: number; path: string; exitCode: number; stdout: string; stderr: string };
      try {
        frame = JSON.parse(Buffer.from(line.slice(RESULT.length), 'base64').toString('utf8'));
      } catch (error) {
        pending.stderr += `\nthe PowerShell session sent an unreadable result (${(error as Error).message})`;
        return;
      }
      if (frame.id !== pending.id) return;
      const stray = pending.stray.length ? `${pending.stray.join('\n')}\n` : '';
      this.pending = undefined;
      pending.resolve({
        exitCode: frame.exitCode,
        stdout: String(frame.stdout ?? '') + stray,
        stderr: String(frame.stderr ?? '') + pending.stderr,
        timedOut: false,
        path: String(frame.path ?? ''),
      });
      return;
    }
    // a child of a step writing to the inherited stdout
    if (pending) pending.stray.push(line);
  }

  private failPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.resolve(this.deadOutcome(pending.stray.join('\n'), pending.stderr, `the PowerShell session (pid ${this.child.pid}) ended during the step`));
  }

  private deadOutcome(stdout: string, stderr: string, note: string): StepOutcome {
    const how = this.exitSignal ? `killed by ${this.exitSignal}` : `exit ${this.exitCode}`;
    const text = [stderr.trim(), this.idleStderr.trim(), note ? `${note} (${how})` : `the PowerShell session had ended (${how})`].filter(Boolean).join('\n');
    return { exitCode: this.exitCode ?? -1, stdout, stderr: text, timedOut: false, path: '' };
  }

  private setRef(on: boolean): void {
    const handles = [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Array<{ ref?: () => void; unref?: () => void }>;
    for (const h of handles) (on ? h.ref : h.unref)?.call(h);
  }
}

/** A session on this machine: the host script in a private 0700 folder, run with -File. */
export function localLaunch(executable: string, flags: string[], env: NodeJS.ProcessEnv): SessionLaunch {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-ps-'));
  const path = join(dir, 'session-host.ps1');
  writeFileSync(path, sessionHostScript(), { mode: 0o600 });
  return { file: executable, args: ['-NoLogo', ...flags, '-File', path], env, privateDir: dir };
}

/** The host script as -EncodedCommand (UTF-16LE, base64): code only, the requests follow on stdin. */
export function encodedHost(): string {
  // the help block is documentation: the command line stays well under Windows' 32,767 characters
  const code = sessionHostScript().replace(/^<#[\s\S]*?#>\r?\n/, '');
  return Buffer.from(code, 'utf16le').toString('base64');
}
