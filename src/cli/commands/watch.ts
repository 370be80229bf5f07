import { randomBytes } from 'node:crypto';
import { takeOverSignals } from '../early-signals.js';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadRunbook } from '../../runbook/load-runbook.js';
import { readJournal } from '../../journal/read-journal.js';
import { listRuns } from '../../run/open-run.js';
import { runPaths, runsDir, stateDir } from '../../run/paths.js';
import { runbookGraph } from '../../diagram/graph.js';
import { foldGraph } from '../../diagram/fold.js';
import { pageRun, trainingPage } from '../../diagram/training-page.js';
import { ExitCode } from '../../exit-codes.js';
import { UserError } from '../../user-error.js';
import type { GlobalOptions } from '../program.js';

export interface WatchOptions extends GlobalOptions {
  /** Default: a free port chosen by the system. */
  port?: string;
}

/**
 * `runbook watch [run-id]`: the training page of a run, live, for a trainer to project: served on
 * 127.0.0.1 under a random token (`http://127.0.0.1:<port>/<token>/`), read-only (GET and HEAD),
 * and polled by the page every second for the run's journal (`/<token>/run.json`), so it follows
 * the run as it happens. It shows what the journal has, which never holds a secret. Ctrl-C
 * (SIGINT) or SIGTERM closes the server and ends with exit code 0.
 */
export async function watch(runIdArg: string | undefined, options: WatchOptions): Promise<number> {
  const dir = stateDir(options.stateDir);
  const runs = listRuns(dir);
  const runId = runIdArg ?? runs[0]?.runId;
  if (!runId) throw new UserError(`no run in ${runsDir(dir)} to watch (see: runbook runs)`, ExitCode.state);
  const paths = runPaths(dir, runId);
  if (!existsSync(paths.journal)) throw new UserError(`no run '${runId}' in ${runsDir(dir)} (see: runbook runs)`, ExitCode.state);
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a port number (0-65535), not '${options.port}'`);

  const journal = readJournal(paths.journal);
  const started = journal.find((r) => r.type === 'run-started') as { runbookId?: unknown } | undefined;
  const runbookId = typeof started?.runbookId === 'string' ? started.runbookId : runs.find((r) => r.runId === runId)?.envelope?.runbookId;
  if (!runbookId) throw new UserError(`run '${runId}' does not say which runbook it runs (no run-started record, no checkpoint)`, ExitCode.state);
  const runbook = await loadRunbook(runbookId);
  const graph = runbookGraph(runbook);
  const folded = foldGraph(graph);

  const token = randomBytes(18).toString('base64url');
  const base = `/${token}/`;
  const html = await trainingPage(runbook, journal, { runId, live: { poll: `${base}run.json` } });

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'x-frame-options': 'DENY',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== base && path !== `/${token}` && path !== `${base}run.json`) return send(404, 'text/plain; charset=utf-8', 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'read-only: GET only\n');
    }
    if (path === `${base}run.json`) {
      try {
        return send(200, 'application/json; charset=utf-8', JSON.stringify(pageRun(graph, readJournal(paths.journal), runId, folded)));
      } catch (error) {
        return send(500, 'text/plain; charset=utf-8', `cannot read the journal: ${(error as Error).message}\n`);
      }
    }
    return send(200, 'text/html; charset=utf-8', html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new UserError(`cannot listen on 127.0.0.1:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  process.stdout.write(`http://127.0.0.1:${actual}${base}\n`);
  process.stderr.write(`runbook: watching run ${runId} of ${runbook.id}; read-only, on this machine only. Ctrl-C to stop.\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    takeOverSignals();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stderr.write('runbook: stopped watching\n');
  return ExitCode.ok;
}
