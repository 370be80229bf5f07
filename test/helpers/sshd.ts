import { execa, type ResultPromise } from 'execa';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findExecutable } from './parts.js';

export const SSHD = findExecutable('sshd', ['/usr/sbin/sshd']);

export interface TestSshServer {
  target: string;
  config: string;
  statePath: string;
  commandLog: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * A real OpenSSH server on 127.0.0.1 only, with a throwaway host key and user key, whose
 * `powershell` is pwsh with the simulated ADSync module (state in `statePath`). Every remote
 * command line is recorded in `commandLog`.
 */
export async function startSshServer(dir: string, pwsh: string, simHost: string): Promise<TestSshServer> {
  mkdirSync(join(dir, 'bin'), { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const key of ['host_key', 'user_key']) await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, key)]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')), { mode: 0o600 });
  const statePath = join(dir, 'adsync-state.json');
  const commandLog = join(dir, 'remote-commands.log');
  writeFileSync(join(dir, 'bin', 'powershell'), `#!/bin/sh\nprintf 'ARGV: %s\\n' "$*" >> '${commandLog}'\nexec '${pwsh}' "$@"\n`);
  chmodSync(join(dir, 'bin', 'powershell'), 0o755);
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      `SetEnv PATH=${join(dir, 'bin')}:${dirname(pwsh)}:/usr/local/bin:/usr/bin:/bin RUNBOOK_SIM_STATE=${statePath} PSModulePath=${simHost}`,
      '',
    ].join('\n'),
  );
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    // only root needs it
  }
  const daemon: ResultPromise = execa(SSHD!, ['-D', '-e', '-f', config], { reject: false, stdin: 'ignore' });
  let log = '';
  daemon.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  const clientConfig = join(dir, 'ssh_config');
  writeFileSync(
    clientConfig,
    [
      'Host *',
      `  IdentityFile ${join(dir, 'user_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const end = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > end || daemon.exitCode !== null) throw new Error(`sshd did not start: ${log}`);
    await sleep(100);
  }
  return {
    target: `ssh://${userInfo().username}@127.0.0.1:${port}`,
    config: clientConfig,
    statePath,
    commandLog,
    stop: async () => {
      daemon.kill('SIGTERM');
      await daemon;
    },
  };
}
