import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/checkpoint/durable-write.js';
import { checkShape, SCENARIO_BASE } from '../scenario-shape.js';
import { SimFault, type Effect } from '../families/aadconnect/simulated-server.js';

export { SimFault, type Effect };

/**
 * A simulated Entra Connect Sync server seen from the LocalDB side: the ADSync service, the
 * database files and how full they are, the sqlcmd the build ships, the scheduler's run history
 * retention, the run history and the Application log. Kept in one JSON file in the run directory;
 * the PowerShell simulated host (runners/powershell/aadconnect-localdb-full/sim-host) reads and
 * writes the same file with the same rules, so both targets end in the same state.
 *
 * The model, deliberately simple:
 * - SQL Express caps the data file (ADSync.mdf) at LIMIT_MB. The service grows the file when it
 *   starts: it fails to start (Event 6323) when the file is within START_HEADROOM_MB of the cap.
 * - A sync run needs SYNC_ROOM_MB of room: space the file can still grow plus unused pages
 *   inside it (`freeInsideMb`). Without it the run ends stopped-database-disk-full (and 6323).
 * - DBCC SHRINKDATABASE gives the unused pages back: the file shrinks by `freeInsideMb`
 *   (possibly zero). Purging run history older than two days turns `oldHistoryMb` into unused pages.
 */

export const LIMIT_MB = 10240;
export const START_HEADROOM_MB = 32;
export const SYNC_ROOM_MB = 64;
/** A data file at least this big counts as a full database even without an event (95 %). */
export const NEAR_LIMIT_MB = 9728;
export const TWO_DAYS_MS = 2 * 24 * 60 * 60_000;

export interface ScenarioEvent {
  log: 'Application' | 'System';
  id: number;
  minutesAgo: number;
  message: string;
}

export interface Scenario {
  name: string;
  description: string;
  server: { name: string; build: string; stagingMode: boolean };
  /** HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters */
  registry: { server: string; sqlInstance: string; dbName: string };
  /** Where the database files are, under the install folder. */
  dataFolder: 'Data' | 'Data\\ADSync2019';
  /** Which sqlcmd the server has: SQL 2012 tools (1.x), ODBC 170 client tools (2.x), or none. */
  sqlcmd: '110' | '170' | 'none';
  service: { status: 'Running' | 'Stopped'; startedMinutesAgo: number };
  database: { mdfMb: number; ldfMb: number; freeInsideMb: number; oldHistoryMb: number };
  diskFreeMb: number;
  /** PurgeRunHistoryInterval as Get-ADSyncScheduler prints it ('7.00:00:00'). */
  retention: string;
  connectors: Array<{ name: string; type: 'AD' | 'Entra' }>;
  runs: Array<{ connector: string; result: string; minutesAgo: number }>;
  events: ScenarioEvent[];
  expect: { final: string; exitCode: number; purged: boolean };
  /** Training faults of the in-process simulator (the PowerShell host has none). */
  faults?: { failOnce?: string[]; ineffectiveOnce?: string[] };
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
}

const SCENARIO_SHAPE = {
  ...SCENARIO_BASE,
  server: { name: 'string', build: 'string', stagingMode: 'boolean' },
  registry: { server: 'string', sqlInstance: 'string', dbName: 'string' },
  dataFolder: ['Data', 'Data\\ADSync2019'],
  sqlcmd: ['110', '170', 'none'],
  service: { status: ['Running', 'Stopped'], startedMinutesAgo: 'number' },
  database: { mdfMb: 'number', ldfMb: 'number', freeInsideMb: 'number', oldHistoryMb: 'number' },
  diskFreeMb: 'number',
  retention: 'string',
  connectors: [{ name: 'string', type: ['AD', 'Entra'] }],
  runs: [{ connector: 'string', result: 'string', minutesAgo: 'number' }],
  events: [{ log: ['Application', 'System'], id: 'number', minutesAgo: 'number', message: 'string' }],
  expect: { final: 'string', exitCode: 'number', purged: 'boolean' },
  'faults?': { 'failOnce?': ['string'], 'ineffectiveOnce?': ['string'] },
} as const;

export function validateScenario(scenario: unknown): string[] {
  const problems = checkShape(scenario, SCENARIO_SHAPE);
  if (problems.length > 0) return problems;
  const s = scenario as Scenario;
  if (!/^\d+(\.\d\d:\d\d:\d\d)?$|^\d\d:\d\d:\d\d$/.test(s.retention) || parseTimeSpanDays(s.retention) === null) problems.push(`retention: '${s.retention}' is not a TimeSpan like 7.00:00:00`);
  const names = new Set(s.connectors.map((c) => c.name));
  for (const [i, r] of s.runs.entries()) if (!names.has(r.connector)) problems.push(`runs[${i}].connector: '${r.connector}' is not one of the connectors`);
  return problems;
}

export interface SimEvent {
  log: 'Application' | 'System';
  id: number;
  at: number;
  message: string;
}

export interface RunRecord {
  connector: string;
  result: string;
  at: number;
}

export interface HostState {
  scenario: string;
  server: Scenario['server'];
  registry: Scenario['registry'];
  dataFolder: Scenario['dataFolder'];
  sqlcmd: Scenario['sqlcmd'];
  service: { status: 'Running' | 'Stopped'; lastStartAt: number };
  database: { mdfMb: number; ldfMb: number; freeInsideMb: number; oldHistoryMb: number; lastWriteAt: number };
  diskFreeMb: number;
  scheduler: { purgeRunHistoryInterval: string };
  connectors: Scenario['connectors'];
  runs: RunRecord[];
  events: SimEvent[];
  /** The backup folder's copy of the two files, when one was made. */
  backup: { mdfMb: number; ldfMb: number; lastWriteAt: number } | null;
  effects: Effect[];
  faults?: { failOnce: string[]; ineffectiveOnce: string[]; fired: string[] };
}

export function initialState(scenario: Scenario, now = Date.now()): HostState {
  return {
    scenario: scenario.name,
    server: { ...scenario.server },
    registry: { ...scenario.registry },
    dataFolder: scenario.dataFolder,
    sqlcmd: scenario.sqlcmd,
    service: { status: scenario.service.status, lastStartAt: now - scenario.service.startedMinutesAgo * 60_000 },
    database: { ...scenario.database, lastWriteAt: now - 60 * 60_000 },
    diskFreeMb: scenario.diskFreeMb,
    scheduler: { purgeRunHistoryInterval: scenario.retention },
    connectors: scenario.connectors.map((c) => ({ ...c })),
    runs: scenario.runs.map((r) => ({ connector: r.connector, result: r.result, at: now - r.minutesAgo * 60_000 })),
    events: scenario.events.map((e) => ({ log: e.log, id: e.id, at: now - e.minutesAgo * 60_000, message: e.message })),
    backup: null,
    effects: [],
    ...(scenario.faults ? { faults: { failOnce: scenario.faults.failOnce ?? [], ineffectiveOnce: scenario.faults.ineffectiveOnce ?? [], fired: [] } } : {}),
  };
}

export function loadState(path: string): HostState {
  return JSON.parse(readFileSync(path, 'utf8')) as HostState;
}

export function saveState(path: string, state: HostState): void {
  writeFileAtomic(path, JSON.stringify(state, null, 2));
}

/** Days of a TimeSpan string ('7.00:00:00', '2.00:00:00', '12:00:00'), or null. */
export function parseTimeSpanDays(text: string): number | null {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text.trim()) ?? /^(\d+)$/.exec(text.trim());
  if (!m) return null;
  if (m.length === 2) return Number(m[1]);
  return Number(m[1] ?? 0) + Number(m[2]) / 24 + Number(m[3]) / 1440 + Number(m[4]) / 86400;
}

export const DISK_FULL = 'stopped-database-disk-full';
export const OUT_OF_SPACE_TEXT = 'The server encountered an error because SQL Server is out of disk space.';

/** The operations, each a pure change of `state`; the runner saves it. */
export const host = {
  isLocalDb(state: HostState): boolean {
    const server = state.registry.server.trim();
    return server === '' || /^\(localdb\)/i.test(server);
  },

  /** The LocalDB instance: SQLInstance without a leading '.\', or the name inside Server '(localdb)\.\X'. */
  instance(state: HostState): string | null {
    const fromServer = /^\(localdb\)\\(?:\.\\)?(.+)$/i.exec(state.registry.server.trim());
    const raw = state.registry.sqlInstance.trim() || fromServer?.[1] || '';
    const name = raw.replace(/^\.\\/, '').trim();
    return name || null;
  },

  roomMb(state: HostState): number {
    return LIMIT_MB - state.database.mdfMb + state.database.freeInsideMb;
  },

  eventsSince(state: HostState, ids: number[], since: number): SimEvent[] {
    return state.events.filter((e) => e.at >= since && ids.includes(e.id));
  },

  newestRun(state: HostState, connector: string): RunRecord | null {
    const runs = state.runs.filter((r) => r.connector === connector).sort((a, b) => b.at - a.at);
    return runs[0] ?? null;
  },

  /** Start-Service ADSync: false when it already ran; throws (and logs 6323) when the file cannot grow. */
  start(state: HostState, now = Date.now()): boolean {
    if (state.service.status === 'Running') return false;
    if (state.database.mdfMb > LIMIT_MB - START_HEADROOM_MB) {
      state.events.push({ log: 'Application', id: 6323, at: now, message: OUT_OF_SPACE_TEXT });
      throw new SimFault("Start-Service: Service 'ADSync' cannot be started: the service terminated with a service-specific error (Event 6323)", 'database-full');
    }
    state.service.status = 'Running';
    state.service.lastStartAt = now;
    state.database.lastWriteAt = now;
    return true;
  },

  /** Copies the two files to the backup folder. */
  backup(state: HostState): void {
    if (state.service.status === 'Running') {
      throw new SimFault("Copy-Item: The process cannot access the file 'ADSync.mdf' because it is being used by another process.", 'file-in-use');
    }
    const reclaim = state.backup ? state.backup.mdfMb + state.backup.ldfMb : 0;
    const need = state.database.mdfMb + state.database.ldfMb;
    if (need > state.diskFreeMb + reclaim) {
      throw new SimFault(`not enough free disk space for the backup: ${need} MB needed, ${state.diskFreeMb + reclaim} MB free`, 'no-space');
    }
    state.diskFreeMb = state.diskFreeMb + reclaim - need;
    state.backup = { mdfMb: state.database.mdfMb, ldfMb: state.database.ldfMb, lastWriteAt: state.database.lastWriteAt };
  },

  backupCurrent(state: HostState): boolean {
    const b = state.backup;
    return b !== null && b.mdfMb === state.database.mdfMb && b.ldfMb === state.database.ldfMb && b.lastWriteAt === state.database.lastWriteAt;
  },

  /** DBCC SHRINKDATABASE: gives back the unused pages (maybe none); returns the MB freed. */
  shrink(state: HostState, now = Date.now()): number {
    const freed = state.database.freeInsideMb;
    state.database.mdfMb -= freed;
    state.database.freeInsideMb = 0;
    state.database.lastWriteAt = now;
    return freed;
  },

  /** Start-ADSyncPurgeRunHistory -PurgeRunHistoryInterval 2 days. Returns the runs removed. */
  purge(state: HostState, now = Date.now()): number {
    if (state.service.status !== 'Running') throw new SimFault('Start-ADSyncPurgeRunHistory: the ADSync service is not running', 'service-stopped');
    const before = state.runs.length;
    state.runs = state.runs.filter((r) => r.at >= now - TWO_DAYS_MS);
    state.database.freeInsideMb += state.database.oldHistoryMb;
    state.database.oldHistoryMb = 0;
    return before - state.runs.length;
  },

  setRetention(state: HostState, value: string): boolean {
    if (state.service.status !== 'Running') throw new SimFault('Set-ADSyncScheduler: the ADSync service is not running', 'service-stopped');
    if (state.scheduler.purgeRunHistoryInterval === value) return false;
    state.scheduler.purgeRunHistoryInterval = value;
    return true;
  },

  /** A delta cycle run to the end: one run per connector. */
  deltaSync(state: HostState, now = Date.now()): RunRecord[] {
    if (state.service.status !== 'Running') throw new SimFault('Start-ADSyncSyncCycle: the ADSync service is not running', 'service-stopped');
    const full = host.roomMb(state) < SYNC_ROOM_MB;
    const results = state.connectors.map((c) => ({ connector: c.name, result: full ? DISK_FULL : 'success', at: now }));
    if (full) state.events.push({ log: 'Application', id: 6323, at: now, message: OUT_OF_SPACE_TEXT });
    state.runs.push(...results);
    return results;
  },
};
