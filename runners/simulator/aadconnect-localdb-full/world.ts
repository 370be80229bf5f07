import { StepFailure, type ProbeResult, type Runner, type StepContext, type StepInput, type StepResult } from '../../../src/runner/contract.js';
import type { SimulatedWorld } from '../world-contract.js';
import {
  DISK_FULL,
  host,
  initialState,
  LIMIT_MB,
  loadState,
  NEAR_LIMIT_MB,
  parseTimeSpanDays,
  saveState,
  TWO_DAYS_MS,
  validateScenario,
  type HostState,
  type Scenario,
} from './host.js';
import { simulatedWork } from '../simulated-work.js';
import { applyEffect, trainingFault } from '../families/aadconnect/simulated-server.js';

/**
 * Carries out the LocalDB runbook's steps against the simulated server in `statePath`, with the
 * same decisions as the PowerShell scripts in runners/powershell/aadconnect-localdb-full/.
 */

const INSTALL = 'C:\\Program Files\\Microsoft Azure AD Sync';
const SQLCMD_PATHS = {
  '110': 'C:\\Program Files\\Microsoft SQL Server\\110\\Tools\\Binn\\SQLCMD.EXE',
  '170': 'C:\\Program Files\\Microsoft SQL Server\\Client SDK\\ODBC\\170\\Tools\\Binn\\SQLCMD.EXE',
} as const;

interface Call {
  input: StepInput;
  ctx: StepContext;
  state: HostState;
  /** Applies a change once per attempt (idempotent ops); a change that throws SimFault saves what it did, then fails the step. */
  apply<T>(op: string, change: (state: HostState) => T, options?: { idempotent?: boolean; record?: (result: T) => boolean }): Promise<T | undefined>;
  reload(): HostState;
}

type Handler = (call: Call) => Promise<StepResult>;

const fileMb = (mb: number) => `${mb.toLocaleString('en-US')} MB`;

function requireRunning(state: HostState, what: string): void {
  if (state.service.status !== 'Running') throw new StepFailure(`${what}: the ADSync service is not running`, 'service-stopped');
}

/** Start-Service once and look for a new 6323: the decision tryStart and startService share. */
async function startOnce({ ctx, apply, reload }: Call): Promise<StepResult> {
  await simulatedWork(ctx, 'starting ADSync');
  const before = Date.now();
  const evidence: string[] = [];
  try {
    const started = await apply('start', (s) => host.start(s));
    evidence.push(started === false ? 'ADSync was already Running' : 'Start-Service ADSync succeeded');
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    evidence.push(error.message);
  }
  const now = reload();
  const new6323 = host.eventsSince(now, [6323], before).length;
  const running = now.service.status === 'Running';
  evidence.push(`ADSync is ${now.service.status}`, `new Event 6323 since the attempt: ${new6323}`);
  return { output: { running, new6323 }, evidence };
}

const handlers: Record<string, Handler> = {
  async detect({ state, ctx }) {
    await simulatedWork(ctx, 'reading the service, the registry, the database files and the event log');
    const running = state.service.status === 'Running';
    const localDb = host.isLocalDb(state);
    const instance = host.instance(state);
    const dataFolder = `${INSTALL}\\${state.dataFolder}`;
    const dbName = state.registry.dbName || 'ADSync';
    const sqlcmd = state.sqlcmd === 'none' ? null : SQLCMD_PATHS[state.sqlcmd];
    const since = state.service.lastStartAt;
    const count = (id: number) => host.eventsSince(state, [id], since).length;
    const evidence = [
      `server ${state.server.name}: service ADSync is ${state.service.status}`,
      `database: Server '${state.registry.server}', SQLInstance '${state.registry.sqlInstance}', DBName '${dbName}'${localDb ? ` (LocalDB instance ${instance ?? 'unknown'})` : ' (not LocalDB)'}`,
    ];
    let mdfMb: number | null = null;
    let ldfMb: number | null = null;
    if (localDb) {
      mdfMb = state.database.mdfMb;
      ldfMb = state.database.ldfMb;
      evidence.push(
        `${INSTALL}\\Data\\${dbName}.mdf: ${state.dataFolder === 'Data' ? 'found' : 'not there'}`,
        `${INSTALL}\\Data\\ADSync2019\\${dbName}.mdf: ${state.dataFolder === 'Data' ? 'not there' : 'found'}`,
        `database files in ${dataFolder}: ${dbName}.mdf ${fileMb(mdfMb)}, ${dbName}_log.ldf ${fileMb(ldfMb)} (total ${fileMb(mdfMb + ldfMb)}; the data file limit is ${fileMb(LIMIT_MB)})`,
        sqlcmd ? `sqlcmd: ${sqlcmd}` : `sqlcmd: not found in ${SQLCMD_PATHS['110']} nor ${SQLCMD_PATHS['170']}`,
      );
    }
    for (const id of [6323, 6028, 528, 2005, 6226]) evidence.push(`Event ${id} since the last start: ${count(id)}`);
    const diskFull: string[] = [];
    if (running) {
      for (const c of state.connectors) {
        const r = host.newestRun(state, c.name);
        evidence.push(`connector ${c.name}: newest run ${r ? r.result : '(none)'}`);
        if (r?.result === DISK_FULL) diskFull.push(c.name);
      }
    } else {
      evidence.push('run history not read: the ADSync cmdlets need the service running');
    }
    const nearLimit = mdfMb !== null && mdfMb >= NEAR_LIMIT_MB;
    const symptom = count(6323) > 0 || diskFull.length > 0 || nearLimit;
    const classification =
      count(6028) > 0
        ? 'key-unreadable'
        : count(528) > 0 && count(2005) + count(6226) > 0
          ? 'model-corruption'
          : !localDb
            ? 'real-sql'
            : symptom
              ? running
                ? 'localdb-full-running'
                : 'localdb-full-stopped'
              : running
                ? 'healthy'
                : 'unknown';
    evidence.push(`diagnosis: ${classification}`);
    return {
      output: {
        classification,
        server: state.server.name,
        serviceStatus: state.service.status,
        instance,
        dbName,
        dataFolder: localDb ? dataFolder : null,
        backupFolder: localDb ? `${INSTALL}\\Data-backup` : null,
        mdfMb,
        ldfMb,
        sqlcmd,
      },
      evidence,
    };
  },

  tryStart: startOnce,
  startService: startOnce,

  async backupDatabase({ input, ctx, state, apply, reload }) {
    const folder = String(input.params.backupFolder);
    if (host.backupCurrent(state)) {
      return {
        output: { backupFolder: folder, alreadyDone: true },
        evidence: [`${folder} already holds both files with the same size and time as the originals: nothing copied`],
      };
    }
    await simulatedWork(ctx, `copying the database files to ${folder}`);
    await apply('backup', (s) => host.backup(s));
    const b = reload().backup!;
    return {
      output: { backupFolder: folder, alreadyDone: false },
      evidence: [`copied ${input.params.dbName}.mdf (${fileMb(b.mdfMb)}) and ${input.params.dbName}_log.ldf (${fileMb(b.ldfMb)}) to ${folder}; sizes checked`],
    };
  },

  async shrinkDatabase({ input, ctx, state, apply, reload }) {
    if (state.sqlcmd === 'none') {
      throw new StepFailure(
        `sqlcmd not found: neither ${SQLCMD_PATHS['110']} nor ${SQLCMD_PATHS['170']} exists. Install the SQL Server command line utilities (sqlcmd) and retry`,
        'sqlcmd-missing',
      );
    }
    const before = state.database.mdfMb;
    await simulatedWork(ctx, `DBCC SHRINKDATABASE(${input.params.dbName},1) on (localdb)\\.\\${input.params.instance}`);
    await apply('shrink', (s) => host.shrink(s));
    const after = reload().database.mdfMb;
    const freed = before - after;
    return {
      output: { beforeMb: before, afterMb: after, freedMb: freed },
      evidence: [
        `${SQLCMD_PATHS[state.sqlcmd]} -S "(localdb)\\.\\${input.params.instance}" -E -b: exit code 0`,
        `${input.params.dbName}.mdf: ${fileMb(before)} before, ${fileMb(after)} after (${fileMb(freed)} freed)`,
        ...(freed === 0 ? ['the shrink freed nothing: the start may fail again'] : []),
      ],
    };
  },

  async preparePurge({ state, ctx }) {
    requireRunning(state, 'Get-ADSyncScheduler');
    await simulatedWork(ctx, 'reading the scheduler and the run history');
    const cutoff = Date.now() - TWO_DAYS_MS;
    const older = state.runs.filter((r) => r.at < cutoff).length;
    return {
      output: { retention: state.scheduler.purgeRunHistoryInterval, stagingMode: state.server.stagingMode, runsTotal: state.runs.length, runsOlder: older, mdfMb: state.database.mdfMb },
      evidence: [
        `PurgeRunHistoryInterval: ${state.scheduler.purgeRunHistoryInterval}`,
        state.server.stagingMode ? 'this is a STAGING server' : 'this is the active server (not in staging mode)',
        `run history: ${state.runs.length} runs, ${older} older than two days`,
        `data file now: ${fileMb(state.database.mdfMb)}`,
      ],
    };
  },

  async purgeHistory({ ctx, apply, reload }) {
    await simulatedWork(ctx, 'Start-ADSyncPurgeRunHistory -PurgeRunHistoryInterval 2 days');
    const removed = await apply('purge', (s) => host.purge(s), { idempotent: false });
    const after = reload();
    const oldest = after.runs.reduce((min, r) => Math.min(min, r.at), Number.POSITIVE_INFINITY);
    return {
      evidence: [
        `run history older than two days deleted (${removed ?? 0} runs)`,
        after.runs.length > 0 ? `oldest remaining run: ${new Date(oldest).toISOString()} (newer than the cutoff)` : 'no run history left',
      ],
    };
  },

  async shortenRetention({ state, ctx, apply }) {
    requireRunning(state, 'Set-ADSyncScheduler');
    const before = state.scheduler.purgeRunHistoryInterval;
    const days = parseTimeSpanDays(before) ?? Number.POSITIVE_INFINITY;
    const warning = 'scheduler settings are kept in Entra ID: the other server of an active/staging pair may get this value too';
    if (days <= 2) {
      return { output: { before, after: before }, evidence: [`PurgeRunHistoryInterval is ${before}: already two days or less, left alone`] };
    }
    await simulatedWork(ctx, 'Set-ADSyncScheduler -PurgeRunHistoryInterval 2.00:00:00');
    await apply('retention', (s) => host.setRetention(s, '2.00:00:00'), { record: (changed) => changed });
    return { output: { before, after: '2.00:00:00' }, evidence: [`PurgeRunHistoryInterval: ${before} before, 2.00:00:00 now`, warning] };
  },

  async verify({ state, ctx, apply, reload }) {
    requireRunning(state, 'verify');
    await simulatedWork(ctx, 'running a delta sync cycle and waiting until it is idle');
    const before = Date.now();
    await apply('delta-sync', (s) => host.deltaSync(s));
    const after = reload();
    const diskFull: string[] = [];
    const otherFailures: string[] = [];
    const evidence = ['ADSync is Running', 'Start-ADSyncSyncCycle -PolicyType Delta accepted'];
    for (const c of after.connectors) {
      const r = host.newestRun(after, c.name);
      const result = r?.result ?? 'no-run';
      evidence.push(`${c.name}: ${result}`);
      if (result === DISK_FULL) diskFull.push(c.name);
      else if (!(result === 'success' || (result.startsWith('completed-') && result.endsWith('-warnings')))) otherFailures.push(`${c.name}: ${result}`);
    }
    const new6323 = host.eventsSince(after, [6323], before).length;
    evidence.push(`new Event 6323 during the cycle: ${new6323}`);
    if (otherFailures.length) evidence.push(`failures that are not about database space (see the matching runbook): ${otherFailures.join(', ')}`);
    return { output: { running: after.service.status === 'Running', new6323, diskFull, otherFailures }, evidence };
  },

  async summary({ input, state, ctx }) {
    await simulatedWork(ctx, 'measuring the database files');
    const before = typeof input.params.mdfMbBefore === 'number' ? input.params.mdfMbBefore : null;
    const room = host.roomMb(state);
    return {
      output: { mdfMb: state.database.mdfMb, ldfMb: state.database.ldfMb },
      evidence: [
        `${input.params.dbName}.mdf: ${before !== null ? `${fileMb(before)} at the start, ` : ''}${fileMb(state.database.mdfMb)} now; ${input.params.dbName}_log.ldf ${fileMb(state.database.ldfMb)}`,
        `room before the 10 GB limit (growth plus unused pages): about ${fileMb(room)}`,
        `run history retention: ${state.scheduler.purgeRunHistoryInterval}`,
        `backup: ${input.params.backupFolder}`,
        'long term: this server has outgrown LocalDB. Build a new Connect server on a full SQL Server, put it in staging, then swap.',
      ],
    };
  },
};

const FAULT_MESSAGES: Record<string, string> = {
  detect: 'Get-WinEvent: the RPC server is unavailable (the event log service did not answer)',
  tryStart: 'Start-Service: the service did not respond to the start request in a timely fashion',
  backupDatabase: "Copy-Item: The process cannot access the file 'ADSync.mdf' because it is being used by another process (the LocalDB instance has not shut down yet)",
  shrinkDatabase: 'Sqlcmd: Error: Microsoft ODBC Driver 17 for SQL Server : Login timeout expired (the LocalDB instance is still starting)',
  startService: 'Start-Service: the service did not respond to the start request in a timely fashion',
  preparePurge: 'Get-ADSyncScheduler: unable to connect to the Synchronization Service (it is still starting)',
  purgeHistory: 'Start-ADSyncPurgeRunHistory: the sync engine is busy (a run started in the meantime)',
  shortenRetention: 'Set-ADSyncScheduler: unable to connect to the Synchronization Service',
  verify: 'Start-ADSyncSyncCycle: the sync engine is busy (a cycle is already running)',
  summary: 'Get-Item: access to the path is denied',
};

/** Read-only probes for the steps that are not safe to repeat, after a crash left one in doubt. */
const probes: Record<string, (state: HostState, startedAt: number) => ProbeResult> = {
  purgeHistory(state, startedAt) {
    const cutoff = startedAt - TWO_DAYS_MS;
    const oldest = state.runs.reduce<number | null>((min, r) => (min === null || r.at < min ? r.at : min), null);
    const service = `service ADSync is ${state.service.status}`;
    if (state.service.status !== 'Running') return { verdict: 'unknown', evidence: [service, 'the run history cannot be read while the service is stopped'] };
    if (oldest === null) return { verdict: 'done', evidence: [service, 'no run history is left'] };
    const when = new Date(oldest).toISOString();
    return oldest >= cutoff
      ? { verdict: 'done', evidence: [service, `the oldest run left is from ${when}, newer than two days before the step started: the purge took effect`] }
      : { verdict: 'not-done', evidence: [service, `a run from ${when} is still there, older than two days before the step started: the purge did not take effect`] };
  },
};

function simulatorRunner(statePath: string): Runner {
  const store = { load: () => loadState(statePath), save: (state: HostState) => saveState(statePath, state) };
  return {
    name: 'simulator',
    canRun: (stepId) => stepId in handlers,
    canProbe: (stepId) => stepId in probes,
    async probe(input, _ctx, startedAt) {
      return probes[input.stepId]!(loadState(statePath), Date.parse(startedAt));
    },
    async run(input, ctx) {
      const handler = handlers[input.stepId]!;
      const state = loadState(statePath);
      const fault = trainingFault(state, input.stepId);
      if (fault) {
        saveState(statePath, state);
        if (fault === 'ineffective') return { evidence: ['(the step reported success)'], output: null };
        throw new StepFailure(FAULT_MESSAGES[input.stepId] ?? `${input.stepId}: a transient error (simulated)`, 'transient');
      }
      const call: Call = {
        input,
        ctx,
        state,
        reload: () => loadState(statePath),
        apply: (op, change, options) => applyEffect(store, input, ctx, op, change, options),
      };
      return handler(call);
    },
  };
}

const world: SimulatedWorld = {
  createRunner: simulatorRunner,
  initialize: (scenario, statePath) => saveState(statePath, initialState(scenario as unknown as Scenario)),
  validateScenario,
};

export default world;
