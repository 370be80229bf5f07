import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/checkpoint/durable-write.js';
import { checkShape, SCENARIO_BASE } from '../scenario-shape.js';
import type { DatabaseFacts, EngineFacts, EventFacts, ServiceFacts } from '../../../machines/lib/aadconnect-health-assess.js';
import { buildAtLeast, WATCHED_EVENT_IDS } from '../../../machines/lib/aadconnect-health-assess.js';

/**
 * The simulated Entra Connect Sync server of the health check: a service, its build, the event
 * log, the database files, the scheduler, the connectors with their run history and the Entra
 * connector identity, as one JSON file. The health check only reads it; nothing here writes it
 * after `initialState`. runners/powershell/aadconnect-health-check/sim-host reads the same file
 * and answers the same facts through the cmdlets a real server has.
 */

export interface ScenarioRun {
  profile: string;
  result: string;
  hoursAgo: number;
}

export interface HealthScenario {
  name: string;
  description: string;
  /** The run's date and time on this server (ISO); without it, the moment the run starts. */
  today?: string;
  server: { name: string; build: string; installPath: string };
  service: { installed: boolean; status: 'Running' | 'Stopped'; startType: 'Automatic' | 'Manual' | 'Disabled'; account: string; startedMinutesAgo: number };
  database: { server: string; instance: string; folder: string; mdfGB: number; ldfGB: number };
  scheduler: {
    syncCycleEnabled: boolean;
    schedulerSuspended: boolean;
    stagingModeEnabled: boolean;
    intervalMinutes: number;
    nextCycleInMinutes: number;
    purgeRunHistoryDays: number;
    busyConnector: string | null;
  };
  autoUpgrade: 'Enabled' | 'Disabled' | 'Suspended';
  entra: { identityType: 'ServiceAccount' | 'Application'; userName: string };
  connectors: Array<{ name: string; type: 'AD' | 'Entra'; runs: ScenarioRun[] }>;
  events: Array<{ log: 'Application' | 'System'; id: number; minutesAgo: number; message: string }>;
  expect: { final: string; exitCode: number; checks: Record<string, string> };
  /** Training only (the in-process simulator): steps that fail once with a transient error. */
  faults?: { failOnce: string[] };
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
}

const VERDICTS = ['OK', 'WARN', 'FAIL', 'NOT COLLECTED'];

const SCENARIO_SHAPE = {
  ...SCENARIO_BASE,
  'today?': 'string',
  server: { name: 'string', build: 'string', installPath: 'string' },
  service: { installed: 'boolean', status: ['Running', 'Stopped'], startType: ['Automatic', 'Manual', 'Disabled'], account: 'string', startedMinutesAgo: 'number' },
  database: { server: 'string', instance: 'string', folder: 'string', mdfGB: 'number', ldfGB: 'number' },
  scheduler: {
    syncCycleEnabled: 'boolean',
    schedulerSuspended: 'boolean',
    stagingModeEnabled: 'boolean',
    intervalMinutes: 'number',
    nextCycleInMinutes: 'number',
    purgeRunHistoryDays: 'number',
    busyConnector: 'string|null',
  },
  autoUpgrade: ['Enabled', 'Disabled', 'Suspended'],
  entra: { identityType: ['ServiceAccount', 'Application'], userName: 'string' },
  connectors: [{ name: 'string', type: ['AD', 'Entra'], runs: [{ profile: 'string', result: 'string', hoursAgo: 'number' }] }],
  events: [{ log: ['Application', 'System'], id: 'number', minutesAgo: 'number', message: 'string' }],
  expect: { final: 'string', exitCode: 'number', checks: 'unknown' },
  'faults?': { failOnce: ['string'] },
} as const;

export function validateScenario(scenario: unknown): string[] {
  const problems = checkShape(scenario, SCENARIO_SHAPE);
  const s = scenario as Partial<HealthScenario>;
  if (s.today !== undefined && Number.isNaN(Date.parse(s.today))) problems.push(`today: not a date: ${s.today}`);
  for (const [id, verdict] of Object.entries(s.expect?.checks ?? {})) {
    if (!VERDICTS.includes(verdict)) problems.push(`expect.checks.${id}: expected one of ${VERDICTS.join(', ')}, found ${JSON.stringify(verdict)}`);
  }
  return problems;
}

export interface HostState {
  scenario: string;
  /** The simulated server's clock (ms): the run's date on this server. */
  now: number;
  server: HealthScenario['server'];
  service: { installed: boolean; status: string; startType: string; account: string; lastStartAt: number };
  database: { server: string; instance: string; folder: string; mdfBytes: number; ldfBytes: number };
  scheduler: Omit<HealthScenario['scheduler'], 'nextCycleInMinutes'> & { nextCycleAt: number };
  autoUpgrade: string;
  entra: HealthScenario['entra'];
  connectors: Array<{ name: string; type: 'AD' | 'Entra'; runs: Array<{ profile: string; result: string; at: number }> }>;
  events: Array<{ log: string; id: number; at: number; message: string }>;
}

const GB = 1024 ** 3;

export function initialState(scenario: HealthScenario, clock = Date.now()): HostState {
  const now = scenario.today ? Date.parse(scenario.today) : clock;
  const { nextCycleInMinutes, ...scheduler } = scenario.scheduler;
  return {
    scenario: scenario.name,
    now,
    server: scenario.server,
    service: {
      installed: scenario.service.installed,
      status: scenario.service.status,
      startType: scenario.service.startType,
      account: scenario.service.account,
      lastStartAt: now - scenario.service.startedMinutesAgo * 60_000,
    },
    database: {
      server: scenario.database.server,
      instance: scenario.database.instance,
      folder: scenario.database.folder,
      mdfBytes: Math.round(scenario.database.mdfGB * GB),
      ldfBytes: Math.round(scenario.database.ldfGB * GB),
    },
    scheduler: { ...scheduler, nextCycleAt: now + nextCycleInMinutes * 60_000 },
    autoUpgrade: scenario.autoUpgrade,
    entra: scenario.entra,
    connectors: scenario.connectors.map((c) => ({ name: c.name, type: c.type, runs: c.runs.map((r) => ({ profile: r.profile, result: r.result, at: now - Math.round(r.hoursAgo * 3_600_000) })) })),
    events: scenario.events.map((e) => ({ log: e.log, id: e.id, at: now - e.minutesAgo * 60_000, message: e.message })),
  };
}

export function loadState(path: string): HostState {
  return JSON.parse(readFileSync(path, 'utf8')) as HostState;
}

export function saveState(path: string, state: HostState): void {
  writeFileAtomic(path, JSON.stringify(state, null, 2));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The wording both runners use for facts that reach the report. */
export const WORDING = {
  lastStart7036: 'System Event 7036',
  lastStartNone: 'no start found in the last 30 days',
  buildFile: 'file version of miiserver.exe',
  buildUnknown: 'no miiserver.exe in the install folder',
  engineDown: (status: string) => `the ADSync service is ${status}: the sync engine cannot be asked`,
  notInstalled: 'the ADSync service does not exist',
  entraNoCmdlet: 'Get-ADSyncEntraConnectorCredential does not exist on this build (before 2.5.3.0): a Sync_ service account',
  entraCmdlet: (type: string) => `Get-ADSyncEntraConnectorCredential: ConnectorIdentityType ${type}`,
  noDbFiles: 'ADSync.mdf was found neither in Data\\ADSync2019 nor in Data',
};

/** What a read of the simulated server finds, step by step (the facts of machines/lib/aadconnect-health-assess.ts). */
export const read = {
  service(s: HostState): ServiceFacts {
    if (!s.service.installed) {
      return { server: s.server.name, evaluatedAt: iso(s.now), installed: false, status: null, startType: null, account: null, installPath: null, build: null, buildSource: WORDING.notInstalled };
    }
    return {
      server: s.server.name,
      evaluatedAt: iso(s.now),
      installed: true,
      status: s.service.status,
      startType: s.service.startType,
      account: s.service.account,
      installPath: s.server.installPath,
      build: s.server.build,
      buildSource: WORDING.buildFile,
    };
  },

  events(s: HostState): EventFacts {
    const since = s.now - 24 * 3_600_000;
    const window = s.now - 30 * 24 * 3_600_000;
    const found = s.service.installed && s.service.lastStartAt >= window;
    const from = found ? s.service.lastStartAt : window;
    const app = s.events.filter((e) => e.log === 'Application' && e.at <= s.now);
    return {
      collected: true,
      lastStart: found ? iso(s.service.lastStartAt) : null,
      lastStartSource: found ? WORDING.lastStart7036 : WORDING.lastStartNone,
      keyErrorsSinceStart: app.filter((e) => e.id === 6028 && e.at >= from).length,
      since: iso(since),
      events: app
        .filter((e) => WATCHED_EVENT_IDS.includes(e.id) && e.at >= since)
        .sort((a, b) => b.at - a.at)
        .map((e) => ({ id: e.id, at: iso(e.at) })),
    };
  },

  database(s: HostState): DatabaseFacts {
    const d = s.database;
    if (!s.service.installed) return { collected: false, reason: WORDING.notInstalled, kind: 'unknown', server: null, instance: null, files: [] };
    const localDb = d.server === '' || /^\(localdb\)/i.test(d.server);
    if (!localDb) return { collected: true, kind: 'SQL', server: d.server, instance: d.instance, files: [] };
    const folder = `${s.server.installPath}\\${d.folder}`;
    return {
      collected: true,
      kind: 'LocalDB',
      server: d.server,
      instance: d.instance,
      files: [
        { path: `${folder}\\ADSync.mdf`, bytes: d.mdfBytes },
        { path: `${folder}\\ADSync_log.ldf`, bytes: d.ldfBytes },
      ],
    };
  },

  engine(s: HostState): EngineFacts {
    const empty = { scheduler: null, busyConnectors: [], autoUpgrade: null, entraIdentity: { type: 'unknown' as const, userName: null, source: '' }, connectors: [] };
    if (!s.service.installed) return { collected: false, reason: WORDING.notInstalled, ...empty, entraIdentity: { ...empty.entraIdentity, source: WORDING.notInstalled } };
    if (s.service.status !== 'Running') {
      const reason = WORDING.engineDown(s.service.status);
      return { collected: false, reason, ...empty, entraIdentity: { ...empty.entraIdentity, source: reason } };
    }
    const sch = s.scheduler;
    const hasCredentialCmdlet = buildAtLeast(s.server.build, '2.5.3.0');
    return {
      collected: true,
      scheduler: {
        syncCycleEnabled: sch.syncCycleEnabled,
        schedulerSuspended: sch.schedulerSuspended,
        stagingModeEnabled: sch.stagingModeEnabled,
        syncCycleInProgress: sch.busyConnector !== null,
        intervalMinutes: sch.intervalMinutes,
        nextCycleAt: iso(sch.nextCycleAt),
        purgeRunHistoryDays: sch.purgeRunHistoryDays,
      },
      busyConnectors: sch.busyConnector ? [sch.busyConnector] : [],
      autoUpgrade: s.autoUpgrade,
      entraIdentity: hasCredentialCmdlet
        ? { type: s.entra.identityType, userName: s.entra.userName, source: WORDING.entraCmdlet(s.entra.identityType) }
        : { type: 'ServiceAccount', userName: s.entra.userName, source: WORDING.entraNoCmdlet },
      connectors: s.connectors.map((c) => ({
        name: c.name,
        type: c.type === 'AD' ? 'AD' : 'Extensible2',
        runs: [...c.runs]
          .sort((a, b) => b.at - a.at)
          .slice(0, 10)
          .map((r) => ({ profile: r.profile, result: r.result, start: iso(r.at) })),
      })),
    };
  },
};
