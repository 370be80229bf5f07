import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/checkpoint/durable-write.js';
import { checkShape, SCENARIO_BASE } from '../scenario-shape.js';
import { SimFault, type Effect } from '../families/aadconnect/simulated-server.js';

export { SimFault, type Effect };

/**
 * A simulated Azure AD Connect server: the ADSync service, its encryption key, the event logs,
 * the AD connectors with their stored passwords, the Entra connector and the sync run history.
 * It behaves as the domain brief describes, and lives in a JSON file in the run directory so
 * that a resumed run meets the same server.
 */

export type PasswordState = 'valid' | 'stale' | 'unreadable' | 'none' | 'wrong';
export type AccountType = 'domain' | 'virtual' | 'gmsa' | 'smsa' | 'local';

export interface ScenarioConnector {
  name: string;
  forest: string;
  loginUser: string;
  loginDomain: string;
  password: 'valid' | 'stale';
  /** When set, only a password with this SHA-256 works at verify (the others are "wrong"). */
  acceptedPasswordSha256?: string;
}

export interface ScenarioEvent {
  log: 'Application' | 'System';
  id: number;
  minutesAgo: number;
  message: string;
}

export interface Scenario {
  name: string;
  description: string;
  server: {
    name: string;
    build: string;
    serviceAccount: { name: string; type: AccountType };
    stagingMode: boolean;
    entraIdentity: 'ServiceAccount' | 'Application';
    entraAccount: string | null;
    adminRequiresMfa: boolean;
  };
  service: { status: 'Running' | 'Stopped'; logonValid: boolean; startedMinutesAgo: number };
  key: 'readable' | 'unreadable';
  databaseFull: boolean;
  /** Polls of Get-ADSyncConnectorRunStatus that still show a running sync. */
  busyPolls: number;
  connectors: ScenarioConnector[];
  entraCredential: 'valid' | 'stale';
  events: ScenarioEvent[];
  expect: { final: string; exitCode: number; abandoned: boolean };
  /** Training faults of the in-process simulator (the PowerShell host has none). */
  faults?: { failOnce?: string[]; ineffectiveOnce?: string[] };
  /** Present when the scenario is a drill (`runbook train`). */
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
}

const SCENARIO_SHAPE = {
  ...SCENARIO_BASE,
  server: {
    name: 'string',
    build: 'string',
    serviceAccount: { name: 'string', type: ['domain', 'virtual', 'gmsa', 'smsa', 'local'] },
    stagingMode: 'boolean',
    entraIdentity: ['ServiceAccount', 'Application'],
    entraAccount: 'string|null',
    adminRequiresMfa: 'boolean',
  },
  service: { status: ['Running', 'Stopped'], logonValid: 'boolean', startedMinutesAgo: 'number' },
  key: ['readable', 'unreadable'],
  databaseFull: 'boolean',
  busyPolls: 'number',
  connectors: [{ name: 'string', forest: 'string', loginUser: 'string', loginDomain: 'string', password: ['valid', 'stale'], 'acceptedPasswordSha256?': 'string' }],
  entraCredential: ['valid', 'stale'],
  events: [{ log: ['Application', 'System'], id: 'number', minutesAgo: 'number', message: 'string' }],
  expect: { final: 'string', exitCode: 'number', abandoned: 'boolean' },
  'faults?': { 'failOnce?': ['string'], 'ineffectiveOnce?': ['string'] },
} as const;

/** What `runbook check` reports about a scenario file of this world. */
export function validateScenario(scenario: unknown): string[] {
  return checkShape(scenario, SCENARIO_SHAPE);
}

export interface SimEvent {
  log: 'Application' | 'System';
  id: number;
  at: number;
  message: string;
}

export interface SimConnector extends Omit<ScenarioConnector, 'password'> {
  password: PasswordState;
}

export interface RunResult {
  connector: string;
  result: string;
  at: number;
}

export interface ServerState {
  scenario: string;
  server: Scenario['server'];
  service: { status: 'Running' | 'Stopped'; logonValid: boolean; lastStartAt: number };
  key: 'readable' | 'unreadable' | 'abandoned';
  keyGeneration: number;
  databaseFull: boolean;
  busyPolls: number;
  connectors: SimConnector[];
  entraCredential: PasswordState;
  events: SimEvent[];
  runs: RunResult[];
  /** Every state change, with the step attempt that made it: what the crash tests count. */
  effects: Effect[];
  faults?: { failOnce: string[]; ineffectiveOnce: string[]; fired: string[] };
}

export const ENTRA_CONNECTOR = 'contoso.onmicrosoft.com - AAD';

export function initialState(scenario: Scenario, now = Date.now()): ServerState {
  return {
    scenario: scenario.name,
    server: scenario.server,
    service: {
      status: scenario.service.status,
      logonValid: scenario.service.logonValid,
      lastStartAt: now - scenario.service.startedMinutesAgo * 60_000,
    },
    key: scenario.key,
    keyGeneration: 1,
    databaseFull: scenario.databaseFull,
    busyPolls: scenario.busyPolls,
    connectors: scenario.connectors.map((c) => ({ ...c })),
    entraCredential: scenario.entraCredential,
    events: scenario.events.map((e) => ({ log: e.log, id: e.id, at: now - e.minutesAgo * 60_000, message: e.message })),
    runs: [],
    effects: [],
    ...(scenario.faults ? { faults: { failOnce: scenario.faults.failOnce ?? [], ineffectiveOnce: scenario.faults.ineffectiveOnce ?? [], fired: [] } } : {}),
  };
}

export function loadState(path: string): ServerState {
  return JSON.parse(readFileSync(path, 'utf8')) as ServerState;
}

export function saveState(path: string, state: ServerState): void {
  writeFileAtomic(path, JSON.stringify(state, null, 2));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The operations, each a pure change of `state` (the runner saves it). */
export const server = {
  eventsSinceStart(state: ServerState, ids: number[]): SimEvent[] {
    return state.events.filter((e) => e.at >= state.service.lastStartAt && ids.includes(e.id));
  },

  /** Get-ADSyncConnectorRunStatus: true while a sync run is in progress. */
  pollBusy(state: ServerState): string | null {
    if (state.service.status !== 'Running' || state.busyPolls <= 0) return null;
    state.busyPolls -= 1;
    return state.connectors[0]?.name ?? ENTRA_CONNECTOR;
  },

  stop(state: ServerState): boolean {
    if (state.service.status === 'Stopped') return false;
    state.service.status = 'Stopped';
    return true;
  },

  start(state: ServerState, now = Date.now()): boolean {
    if (state.service.status === 'Running') return false;
    if (!state.service.logonValid) {
      state.events.push({ log: 'System', id: 7038, at: now, message: 'The ADSync service was unable to log on with the currently configured password (1069)' });
      throw new SimFault('Start-Service: the service did not start due to a logon failure (error 1069)', 'logon-failure');
    }
    if (state.key === 'unreadable') {
      state.service.lastStartAt = now;
      state.events.push({ log: 'Application', id: 6028, at: now, message: 'The server encryption key cannot be accessed.' });
      throw new SimFault('Start-Service: the service terminated with a service-specific error (Event 6028: the encryption key cannot be accessed)', 'key-unreadable');
    }
    if (state.key === 'abandoned') {
      state.key = 'readable';
      state.keyGeneration += 1;
    }
    state.service.status = 'Running';
    state.service.lastStartAt = now;
    return true;
  },

  abandonKey(state: ServerState): void {
    if (state.service.status === 'Running') {
      throw new SimFault('miiskmu.exe /a: The operation failed because server service was started. Error Code: 80131600', 'service-running');
    }
    state.key = 'abandoned';
    for (const connector of state.connectors) connector.password = 'none';
    // an application identity authenticates with a certificate, not a password kept under the key
    if (state.server.entraIdentity === 'ServiceAccount') state.entraCredential = 'none';
  },

  supplyPassword(state: ServerState, connectorName: string, password: string): PasswordState {
    if (state.service.status !== 'Running') {
      throw new SimFault('Synchronization Service Manager cannot connect: the ADSync service is not running', 'service-stopped');
    }
    const connector = state.connectors.find((c) => c.name === connectorName);
    if (!connector) throw new SimFault(`no AD connector named '${connectorName}'`, 'unknown-connector');
    connector.password = connector.acceptedPasswordSha256 && sha256(password) !== connector.acceptedPasswordSha256 ? 'wrong' : 'valid';
    return connector.password;
  },

  reinitEntra(state: ServerState, interactive: boolean): 'done' | 'mfa-required' | 'not-applicable' {
    if (state.service.status !== 'Running') throw new SimFault('Add-ADSyncAADServiceAccount: the ADSync service is not running', 'service-stopped');
    if (state.server.entraIdentity === 'Application') return 'not-applicable';
    if (state.server.adminRequiresMfa && !interactive) return 'mfa-required';
    state.entraCredential = 'valid';
    return 'done';
  },

  /** A delta cycle, run to the end; the newest result per connector. */
  deltaSync(state: ServerState, now = Date.now()): RunResult[] {
    if (state.service.status !== 'Running') throw new SimFault('Start-ADSyncSyncCycle: the ADSync service is not running', 'service-stopped');
    const results: RunResult[] = [];
    for (const connector of state.connectors) {
      const result = state.databaseFull
        ? 'stopped-database-disk-full'
        : connector.password === 'valid'
          ? 'success'
          : connector.password === 'wrong'
            ? 'stopped-extension-dll-exception'
            : 'no-start-credentials';
      results.push({ connector: connector.name, result, at: now });
    }
    results.push({
      connector: ENTRA_CONNECTOR,
      result: state.databaseFull ? 'stopped-database-disk-full' : state.entraCredential === 'valid' ? 'success' : 'stopped-extension-dll-exception',
      at: now,
    });
    if (state.databaseFull) state.events.push({ log: 'Application', id: 6323, at: now, message: 'SQL Server is out of disk space' });
    for (const r of results) {
      if (r.result === 'no-start-credentials') state.events.push({ log: 'Application', id: 6000, at: now, message: `${r.connector}: no-start-credentials` });
    }
    state.runs.push(...results);
    return results;
  },
};

export function buildAtLeast(build: string, minimum: string): boolean {
  const a = build.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
