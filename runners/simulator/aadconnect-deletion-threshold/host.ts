import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/checkpoint/durable-write.js';
import { checkShape, SCENARIO_BASE } from '../scenario-shape.js';
import { SimFault } from '../families/aadconnect/simulated-server.js';

export { SimFault };

/**
 * A simulated Entra Connect Sync server seen from the accidental-delete threshold: the tenant's
 * threshold (enabled, value), which sign-in parameter this build's threshold cmdlets take, the
 * deletions pending export in the Entra connector's space (groups of objects per OU), the run
 * history and the Application log (Event 116). One JSON file in the run directory; the PowerShell
 * simulated host (runners/powershell/aadconnect-deletion-threshold/sim-host) uses the same file
 * and rules. An export deletes everything pending unless the pending deletions exceed an enabled
 * threshold: then it stops with stopped-deletion-threshold-exceeded and logs Event 116.
 */

export const STOPPED = 'stopped-deletion-threshold-exceeded';
export const ENTRA_ID = 'b891884f-051e-4a83-95af-2544101c9083';

export interface PendingGroup {
  ou: string;
  type: string;
  count: number;
}

export interface Scenario {
  name: string;
  description: string;
  server: { name: string; build: string; stagingMode: boolean };
  service: { status: 'Running' | 'Stopped' };
  signIn: 'AADUserName' | 'AADCredential' | 'none';
  threshold: { enabled: boolean; value: number };
  entraConnector: string;
  pending: PendingGroup[];
  runs: Array<{ profile: string; result: string; minutesAgo: number }>;
  events: Array<{ id: number; minutesAgo: number; message: string }>;
  expect: { final: string; exitCode: number; exported: boolean; decision: 'raise' | 'disable' | 'wrong' };
  faults?: { failOnce?: string[] };
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
}

const SHAPE = {
  ...SCENARIO_BASE,
  server: { name: 'string', build: 'string', stagingMode: 'boolean' },
  service: { status: ['Running', 'Stopped'] },
  signIn: ['AADUserName', 'AADCredential', 'none'],
  threshold: { enabled: 'boolean', value: 'number' },
  entraConnector: 'string',
  pending: [{ ou: 'string', type: 'string', count: 'number' }],
  runs: [{ profile: 'string', result: 'string', minutesAgo: 'number' }],
  events: [{ id: 'number', minutesAgo: 'number', message: 'string' }],
  expect: { final: 'string', exitCode: 'number', exported: 'boolean', decision: ['raise', 'disable', 'wrong'] },
  'faults?': { 'failOnce?': ['string'] },
} as const;

export function validateScenario(scenario: unknown): string[] {
  return checkShape(scenario, SHAPE);
}

export interface HostState {
  scenario: string;
  server: Scenario['server'];
  service: Scenario['service'];
  signIn: Scenario['signIn'];
  threshold: Scenario['threshold'];
  entraConnector: string;
  pending: PendingGroup[];
  deleted: number;
  runs: Array<{ connector: string; profile: string; result: string; at: number }>;
  events: Array<{ log: 'Application'; id: number; at: number; message: string }>;
  effects: Array<{ op: string; stepId: string; attemptId: string; at: string }>;
  faults?: { failOnce: string[]; fired: string[] };
}

export function initialState(s: Scenario, now = Date.now()): HostState {
  return {
    scenario: s.name,
    server: { ...s.server },
    service: { ...s.service },
    signIn: s.signIn,
    threshold: { ...s.threshold },
    entraConnector: s.entraConnector,
    pending: s.pending.map((p) => ({ ...p })),
    deleted: 0,
    runs: s.runs.map((r) => ({ connector: s.entraConnector, profile: r.profile, result: r.result, at: now - r.minutesAgo * 60_000 })),
    events: s.events.map((e) => ({ log: 'Application' as const, id: e.id, at: now - e.minutesAgo * 60_000, message: e.message })),
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

export const event116 = (n: number, m: number) =>
  `Prevent Accidental Deletes: The number of deletions for this sync cycle (${n} pending deletes) has exceeded the current threshold of ${m} objects. Deletions will be suppressed for this sync cycle.`;

/** The distinguished names of a pending group, as the simulated csexport lists them. */
export function pendingDns(g: PendingGroup): string[] {
  const label = (/^OU=([^,]+)/.exec(g.ou)?.[1] ?? 'obj').toLowerCase().replace(/[^a-z0-9]/g, '');
  return Array.from({ length: g.count }, (_, i) => `CN=${g.type}-${label}-${String(i + 1).padStart(4, '0')},${g.ou}`);
}

export const host = {
  pendingCount(state: HostState): number {
    return state.pending.reduce((n, g) => n + g.count, 0);
  },

  newestExport(state: HostState): HostState['runs'][number] | null {
    return state.runs.filter((r) => r.profile === 'Export').sort((a, b) => b.at - a.at)[0] ?? null;
  },

  setThreshold(state: HostState, enabled: boolean, value: number | null): void {
    state.threshold = { enabled, value: value ?? state.threshold.value };
  },

  /** Invoke-ADSyncRunProfile -RunProfileName Export on the Entra connector: the result. */
  export(state: HostState, now = Date.now()): string {
    if (state.service.status !== 'Running') throw new SimFault('Invoke-ADSyncRunProfile: the ADSync service is not running', 'service-stopped');
    const n = host.pendingCount(state);
    let result = 'success';
    if (state.threshold.enabled && n > state.threshold.value) {
      result = STOPPED;
      state.events.push({ log: 'Application', id: 116, at: now, message: event116(n, state.threshold.value) });
    } else {
      state.deleted += n;
      state.pending = [];
    }
    state.runs.push({ connector: state.entraConnector, profile: 'Export', result, at: now });
    return result;
  },
};
