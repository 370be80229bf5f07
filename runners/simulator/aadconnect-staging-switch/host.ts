import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/checkpoint/durable-write.js';
import { checkShape, SCENARIO_BASE } from '../scenario-shape.js';

/**
 * Two simulated Entra Connect Sync servers, an active one and a staging one, in one JSON file in
 * the run directory: `servers.active` and `servers.staging` (the runbook's target roles). Each
 * role's runner works on its own server only. The PowerShell simulated host
 * (runners/powershell/aadconnect-staging-switch/sim-host) reads and writes the same file with the
 * same rules, choosing its server by $env:RUNBOOK_SIM_SERVER.
 *
 * The model:
 * - staging mode is per server; only the configuration wizard ("Configure staging mode") changes
 *   it. `wizard` says what happens when the operator runs it on that server: it takes, it has no
 *   effect (the operator closed it before Configure, or the sign-in failed), or the server goes down.
 * - pending exports are what a server in staging mode has staged; a delta cycle on a server that
 *   is not in staging mode exports them (an Export run per connector) and they are gone.
 * - the configuration fingerprint is the sync rules (name, precedence, disabled) and the connectors.
 */

export type Operation = 'add' | 'update' | 'delete';
export type Wizard = 'takes' | 'no-effect' | 'server-down';

export interface Rule {
  name: string;
  precedence: number;
  disabled: boolean;
}

export interface ServerSpec {
  name: string;
  build: string;
  stagingMode: boolean;
  syncCycleEnabled: boolean;
  lastSyncMinutesAgo: number;
  rules: Rule[];
  connectors: string[];
  pending: { add: number; update: number; delete: number; sample: Array<{ connector: string; dn: string; operation: Operation }> };
  wizard: Wizard;
}

export interface Scenario {
  name: string;
  description: string;
  /** The tenant's accidental-delete threshold (Get-ADSyncExportDeletionThreshold). */
  deletionThreshold: number;
  servers: { active: ServerSpec; staging: ServerSpec };
  expect: { final: string; exitCode: number; promoted: boolean; answers?: Record<string, unknown> };
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
}

export interface Run {
  connector: string;
  profile: string;
  result: string;
  at: number;
}

export interface Server extends Omit<ServerSpec, 'lastSyncMinutesAgo'> {
  reachable: boolean;
  runs: Run[];
}

export interface Effect {
  op: string;
  server: string;
  stepId: string;
  attemptId: string;
  at: string;
}

export interface HostState {
  scenario: string;
  deletionThreshold: number;
  servers: Record<string, Server>;
  effects: Effect[];
}

const RULE = { name: 'string', precedence: 'number', disabled: 'boolean' } as const;
const SERVER = {
  name: 'string',
  build: 'string',
  stagingMode: 'boolean',
  syncCycleEnabled: 'boolean',
  lastSyncMinutesAgo: 'number',
  rules: [RULE],
  connectors: ['string'],
  pending: { add: 'number', update: 'number', delete: 'number', sample: [{ connector: 'string', dn: 'string', operation: ['add', 'update', 'delete'] }] },
  wizard: ['takes', 'no-effect', 'server-down'],
} as const;
const SHAPE = {
  ...SCENARIO_BASE,
  deletionThreshold: 'number',
  servers: { active: SERVER, staging: SERVER },
  expect: { final: 'string', exitCode: 'number', promoted: 'boolean', 'answers?': 'unknown' },
} as const;

export function validateScenario(scenario: unknown): string[] {
  const problems = checkShape(scenario, SHAPE);
  if (problems.length) return problems;
  const s = scenario as Scenario;
  if (s.servers.active.name.toLowerCase() === s.servers.staging.name.toLowerCase()) problems.push('servers: active and staging have the same name');
  return problems;
}

export const PROFILES = ['Delta Import', 'Delta Synchronization'];

export function initialState(s: Scenario): HostState {
  const now = Date.now();
  const server = (spec: ServerSpec): Server => {
    const { lastSyncMinutesAgo, ...rest } = spec;
    const at = now - lastSyncMinutesAgo * 60_000;
    const runs = spec.connectors.flatMap((connector) => PROFILES.map((profile) => ({ connector, profile, result: 'success', at })));
    return { ...structuredClone(rest), reachable: true, runs };
  };
  return { scenario: s.name, deletionThreshold: s.deletionThreshold, servers: { active: server(s.servers.active), staging: server(s.servers.staging) }, effects: [] };
}

export function loadState(path: string): HostState {
  return JSON.parse(readFileSync(path, 'utf8')) as HostState;
}

export function saveState(path: string, state: HostState): void {
  writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** The configuration as both servers must have it: rules and connectors, sorted. */
export function fingerprint(server: Server): string {
  const rules = server.rules.map((r) => `${r.name}|${r.precedence}|${r.disabled ? 'disabled' : 'enabled'}`).sort();
  return [...rules, ...server.connectors.map((c) => `connector|${c}`).sort()].join('\n');
}

/** The sample lines the pending-export check shows (at most five). */
export function sampleLines(server: Server): string[] {
  return server.pending.sample.slice(0, 5).map((p) => `${p.operation} ${p.dn} (${p.connector})`);
}

/** A delta cycle: import and sync on every connector; a server out of staging mode also exports its pending changes. */
export function deltaCycle(server: Server, now = Date.now()): void {
  for (const connector of server.connectors) {
    for (const profile of PROFILES) server.runs.push({ connector, profile, result: 'success', at: now });
    if (!server.stagingMode) server.runs.push({ connector, profile: 'Export', result: 'success', at: now });
  }
  if (!server.stagingMode) server.pending = { add: 0, update: 0, delete: 0, sample: [] };
}
