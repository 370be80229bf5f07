import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/checkpoint/durable-write.js';
import { checkShape, SCENARIO_BASE } from '../scenario-shape.js';
import { SimFault, type Effect } from '../families/aadconnect/simulated-server.js';

export { SimFault, type Effect };

/**
 * A simulated Entra Connect Sync server seen from the AD DS connector password side: the ADSync
 * service (its process start time), the build, the AD connectors with the password each one has
 * stored and the one the running service has in memory, the connector accounts as Active
 * Directory knows them (kind, groups, the SHA-256 of their current password), the run history
 * and the Application log. One JSON file in the run directory; the PowerShell simulated host
 * (runners/powershell/aadconnect-adds-password/sim-host) reads and writes the same file with the
 * same rules. Passwords are only ever kept as SHA-256 hashes.
 *
 * The model: a connector imports when the password the *running service* holds matches the
 * account's password in AD. Typing a password in Synchronization Service Manager changes the
 * stored one; the service uses it after a restart.
 */

export const NO_START = 'no-start-credentials';
export const DLL_EXCEPTION = 'stopped-extension-dll-exception';
export const STALE = 'stale';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface Scenario {
  name: string;
  description: string;
  server: { name: string; build: string; stagingMode: boolean };
  service: { status: 'Running' | 'Stopped'; startedMinutesAgo: number };
  accounts: Array<{ domain: string; user: string; kind: 'user' | 'gmsa' | 'msa'; groups: string[]; passwordSha256: string }>;
  connectors: Array<{ name: string; type: 'AD' | 'Entra'; forest: string; loginDomain: string; loginUser: string; stored: 'current' | 'stale' }>;
  runs: Array<{ connector: string; profile: string; result: string; minutesAgo: number }>;
  events: Array<{ id: number; minutesAgo: number; message: string }>;
  /** The Entra connector cannot sign in (its own credential, not this runbook's). */
  entraFailing: boolean;
  expect: { final: string; exitCode: number; passwordsEntered: number };
  faults?: { failOnce?: string[] };
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
}

const SHAPE = {
  ...SCENARIO_BASE,
  server: { name: 'string', build: 'string', stagingMode: 'boolean' },
  service: { status: ['Running', 'Stopped'], startedMinutesAgo: 'number' },
  accounts: [{ domain: 'string', user: 'string', kind: ['user', 'gmsa', 'msa'], groups: ['string'], passwordSha256: 'string' }],
  connectors: [{ name: 'string', type: ['AD', 'Entra'], forest: 'string', loginDomain: 'string', loginUser: 'string', stored: ['current', 'stale'] }],
  runs: [{ connector: 'string', profile: 'string', result: 'string', minutesAgo: 'number' }],
  events: [{ id: 'number', minutesAgo: 'number', message: 'string' }],
  entraFailing: 'boolean',
  expect: { final: 'string', exitCode: 'number', passwordsEntered: 'number' },
  'faults?': { 'failOnce?': ['string'] },
} as const;

export function validateScenario(scenario: unknown): string[] {
  const problems = checkShape(scenario, SHAPE);
  if (problems.length > 0) return problems;
  const s = scenario as Scenario;
  const names = new Set(s.connectors.map((c) => c.name));
  for (const [i, r] of s.runs.entries()) if (!names.has(r.connector)) problems.push(`runs[${i}].connector: '${r.connector}' is not one of the connectors`);
  for (const [i, c] of s.connectors.entries()) {
    if (c.type === 'AD' && !s.accounts.some((a) => a.domain.toLowerCase() === c.loginDomain.toLowerCase() && a.user.toLowerCase() === c.loginUser.toLowerCase())) {
      problems.push(`connectors[${i}]: no account ${c.loginDomain}\\${c.loginUser} in accounts`);
    }
  }
  if (s.connectors.filter((c) => c.type === 'Entra').length !== 1) problems.push('connectors: exactly one Entra connector expected');
  return problems;
}

export interface SimConnector {
  name: string;
  type: 'AD' | 'Entra';
  forest: string;
  loginDomain: string;
  loginUser: string;
  /** SHA-256 of the password stored in the sync engine ('stale' for an old one). */
  storedSha256: string;
  /** SHA-256 of the password the running service holds in memory. */
  inUseSha256: string;
}

export interface HostState {
  scenario: string;
  server: Scenario['server'];
  service: { status: 'Running' | 'Stopped'; startedAt: number; processId: number };
  accounts: Scenario['accounts'];
  connectors: SimConnector[];
  runs: Array<{ connector: string; profile: string; result: string; at: number }>;
  events: Array<{ log: 'Application'; id: number; at: number; message: string }>;
  entraFailing: boolean;
  effects: Effect[];
  faults?: { failOnce: string[]; fired: string[] };
}

export function initialState(s: Scenario, now = Date.now()): HostState {
  const accountSha = (c: Scenario['connectors'][number]) =>
    s.accounts.find((a) => a.domain.toLowerCase() === c.loginDomain.toLowerCase() && a.user.toLowerCase() === c.loginUser.toLowerCase())?.passwordSha256 ?? STALE;
  return {
    scenario: s.name,
    server: { ...s.server },
    service: { status: s.service.status, startedAt: now - s.service.startedMinutesAgo * 60_000, processId: 4100 },
    accounts: s.accounts.map((a) => ({ ...a, groups: [...a.groups] })),
    connectors: s.connectors.map((c) => {
      const stored = c.type === 'AD' && c.stored === 'current' ? accountSha(c) : STALE;
      return { name: c.name, type: c.type, forest: c.forest, loginDomain: c.loginDomain, loginUser: c.loginUser, storedSha256: stored, inUseSha256: stored };
    }),
    runs: s.runs.map((r) => ({ connector: r.connector, profile: r.profile, result: r.result, at: now - r.minutesAgo * 60_000 })),
    events: s.events.map((e) => ({ log: 'Application' as const, id: e.id, at: now - e.minutesAgo * 60_000, message: e.message })),
    entraFailing: s.entraFailing,
    effects: [],
    ...(s.faults ? { faults: { failOnce: s.faults.failOnce ?? [], fired: [] } } : {}),
  };
}

export function loadState(path: string): HostState {
  return JSON.parse(readFileSync(path, 'utf8')) as HostState;
}

export function saveState(path: string, state: HostState): void {
  writeFileAtomic(path, JSON.stringify(state, null, 2));
}

const event6000 = (connector: string) => `The management agent "${connector}" failed to run because the credentials were invalid.`;

export const host = {
  adConnectors(state: HostState): SimConnector[] {
    return state.connectors.filter((c) => c.type === 'AD');
  },

  connector(state: HostState, name: string): SimConnector {
    const c = state.connectors.find((x) => x.name === name && x.type === 'AD');
    if (!c) throw new SimFault(`no AD connector named '${name}'`, 'unknown-connector');
    return c;
  },

  account(state: HostState, domain: string, user: string): HostState['accounts'][number] | null {
    return state.accounts.find((a) => a.domain.toLowerCase() === domain.toLowerCase() && a.user.toLowerCase() === user.toLowerCase()) ?? null;
  },

  newestRun(state: HostState, connector: string): HostState['runs'][number] | null {
    return state.runs.filter((r) => r.connector === connector).sort((a, b) => b.at - a.at)[0] ?? null;
  },

  eventsSince(state: HostState, ids: number[], since: number): HostState['events'] {
    return state.events.filter((e) => e.at >= since && ids.includes(e.id));
  },

  /** Synchronization Service Manager > Properties > Connect to Active Directory Forest > Password. */
  storePassword(state: HostState, name: string, sha: string): void {
    if (state.service.status !== 'Running') throw new SimFault('Synchronization Service Manager cannot connect: the ADSync service is not running', 'service-stopped');
    host.connector(state, name).storedSha256 = sha;
  },

  /** Does this password sign in as the connector's account (the pre-check)? */
  passwordWorks(state: HostState, name: string, sha: string): boolean {
    const c = host.connector(state, name);
    return host.account(state, c.loginDomain, c.loginUser)?.passwordSha256 === sha;
  },

  restart(state: HostState, now = Date.now()): void {
    state.service.status = 'Running';
    state.service.startedAt = now;
    state.service.processId += 4;
    for (const c of state.connectors) c.inUseSha256 = c.storedSha256;
  },

  /** Invoke-ADSyncRunProfile -RunProfileName 'Delta Import' on an AD connector: the result. */
  deltaImport(state: HostState, name: string, now = Date.now()): string {
    if (state.service.status !== 'Running') throw new SimFault('Invoke-ADSyncRunProfile: the ADSync service is not running', 'service-stopped');
    const c = host.connector(state, name);
    const ok = host.account(state, c.loginDomain, c.loginUser)?.passwordSha256 === c.inUseSha256;
    const result = ok ? 'success' : NO_START;
    state.runs.push({ connector: name, profile: 'Delta Import', result, at: now });
    if (!ok) state.events.push({ log: 'Application', id: 6000, at: now, message: event6000(name) });
    return result;
  },
};
