import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../src/checkpoint/durable-write.js';
import { checkShape, SCENARIO_BASE } from '../scenario-shape.js';
import { SimFault, type Effect } from '../families/aadconnect/simulated-server.js';

export { SimFault, type Effect };

/**
 * A simulated Entra Connect Sync server seen from its Entra connector: how the connector signs in
 * (a Sync_ account with a password, or an application with a certificate), the administrator who
 * can reset it, the scheduler, the run history and the Application log. Kept in one JSON file in
 * the run directory; the PowerShell simulated host (runners/powershell/aadconnect-entra-credential/
 * sim-host) reads and writes the same file with the same rules, so both targets end alike.
 *
 * The model:
 * - ServiceAccount: the sync engine's stored password works (`passwordValid`) or not (Event 6900
 *   AADSTS50054 on every cycle). Add-ADSyncAADServiceAccount sets a new one (`passwordLastSetAt`);
 *   an administrator with MFA cannot be passed as a credential (AADSTS50076), only signed in
 *   interactively. Conditional Access on the sync account itself (`blockedByPolicy`) keeps the
 *   connector failing whatever its password.
 * - Application: a certificate (thumbprint, notAfter) managed by Connect, or your own (BYOC/BYOA).
 *   The rotation cmdlet needs a valid current certificate and the application parameters on the
 *   connector; the wizard (an administrator signs in) needs neither. A cycle fails with 1012 when
 *   the certificate expired and with 906 when another server shares the application.
 * - Add-ADSyncAADServiceAccount on an Application server is the documented rollback to legacy
 *   authentication: the host does exactly that, so a test would see it if the runbook ever did.
 */

export const ENTRA_CONNECTOR_ID = 'b891884f-051e-4a83-95af-2544101c9083';
export const ABA_MIN_BUILD = '2.5.3.0';
export const DAY_MS = 24 * 60 * 60_000;
/** The application the wizard creates when a server switches (fixed, so both targets agree). */
export const SWITCH_APP = { appId: '7c2d9e41-3b6a-4f08-9d15-6a0e2b8c4f37', thumbprint: 'C3A1F0D29B4E87A65C10D3E2F4B9A8C7D6E5F401' };
export const CERT_DAYS = 90;
export const EXTENSION_FAILURE = 'stopped-extension-dll-exception';

export interface ScenarioEvent {
  id: number;
  minutesAgo: number;
  message: string;
}

export interface Scenario {
  name: string;
  description: string;
  server: { name: string; build: string; stagingMode: boolean };
  service: 'Running' | 'Stopped';
  identity: {
    type: 'ServiceAccount' | 'Application';
    /** The Entra connector's UserName: Sync_<server>_<id>@tenant or <appId>@tenant. */
    account: string;
    passwordValid: boolean;
    passwordSetDaysAgo: number;
    blockedByPolicy: boolean;
    application: null | {
      appId: string;
      managedBy: 'Connect' | 'BYOC' | 'BYOA';
      thumbprint: string;
      notAfterDays: number;
      paramsLost: boolean;
      sharedWithOtherServer: boolean;
    };
  };
  admin: { upn: string; mfa: boolean };
  /** Invoke-ADSyncApplicationCredentialRotation exists on this build. */
  rotationCmdlet: boolean;
  syncCycleEnabled: boolean;
  /** A Microsoft Graph session is signed in on the server (the reset's probe reads Entra ID with it). */
  graphSignedIn: boolean;
  connectors: Array<{ name: string; type: 'AD' | 'Entra' }>;
  runs: Array<{ connector: string; result: string; minutesAgo: number }>;
  events: ScenarioEvent[];
  expect: { final: string; exitCode: number; credentialOps: string[] };
  faults?: { failOnce?: string[] };
  drill?: { title: string; lesson: string; ideal: string[]; briefing?: string[] };
}

const SCENARIO_SHAPE = {
  ...SCENARIO_BASE,
  server: { name: 'string', build: 'string', stagingMode: 'boolean' },
  service: ['Running', 'Stopped'],
  identity: {
    type: ['ServiceAccount', 'Application'],
    account: 'string',
    passwordValid: 'boolean',
    passwordSetDaysAgo: 'number',
    blockedByPolicy: 'boolean',
    application: 'object|null',
  },
  admin: { upn: 'string', mfa: 'boolean' },
  rotationCmdlet: 'boolean',
  syncCycleEnabled: 'boolean',
  graphSignedIn: 'boolean',
  connectors: [{ name: 'string', type: ['AD', 'Entra'] }],
  runs: [{ connector: 'string', result: 'string', minutesAgo: 'number' }],
  events: [{ id: 'number', minutesAgo: 'number', message: 'string' }],
  expect: { final: 'string', exitCode: 'number', credentialOps: ['string'] },
  'faults?': { 'failOnce?': ['string'] },
} as const;

const APPLICATION_SHAPE = {
  appId: 'string',
  managedBy: ['Connect', 'BYOC', 'BYOA'],
  thumbprint: 'string',
  notAfterDays: 'number',
  paramsLost: 'boolean',
  sharedWithOtherServer: 'boolean',
} as const;

export function validateScenario(scenario: unknown): string[] {
  const problems = checkShape(scenario, SCENARIO_SHAPE);
  if (problems.length > 0) return problems;
  const s = scenario as Scenario;
  if (s.identity.application) problems.push(...checkShape(s.identity.application, APPLICATION_SHAPE, 'identity.application'));
  if (s.identity.type === 'Application' && !s.identity.application) problems.push('identity.application: required for an Application identity');
  if (s.identity.type === 'Application' && compareBuilds(s.server.build, ABA_MIN_BUILD) < 0) problems.push(`server.build: an Application identity needs ${ABA_MIN_BUILD} or later`);
  if (s.identity.application && !/^[0-9A-F]{40}$/.test(s.identity.application.thumbprint)) problems.push('identity.application.thumbprint: 40 upper-case hex digits');
  if (!s.connectors.some((c) => c.type === 'Entra')) problems.push('connectors: an Entra connector is required');
  const names = new Set(s.connectors.map((c) => c.name));
  for (const [i, r] of s.runs.entries()) if (!names.has(r.connector)) problems.push(`runs[${i}].connector: '${r.connector}' is not one of the connectors`);
  return problems;
}

export function compareBuilds(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export interface SimEvent {
  id: number;
  at: number;
  message: string;
}

export interface RunRecord {
  connector: string;
  result: string;
  at: number;
}

export interface Application {
  appId: string;
  managedBy: 'Connect' | 'BYOC' | 'BYOA';
  thumbprint: string;
  notAfter: number;
  paramsLost: boolean;
  sharedWithOtherServer: boolean;
}

export interface HostState {
  scenario: string;
  server: Scenario['server'];
  service: { status: 'Running' | 'Stopped' };
  tenant: string;
  identity: {
    type: 'ServiceAccount' | 'Application';
    account: string;
    passwordValid: boolean;
    passwordLastSetAt: number;
    blockedByPolicy: boolean;
    application: Application | null;
  };
  /** The Sync_ account left behind after a switch to an application. */
  legacyAccount: string | null;
  admin: Scenario['admin'];
  rotationCmdlet: boolean;
  rotations: number;
  scheduler: { syncCycleEnabled: boolean; suspended: boolean };
  graphSignedIn: boolean;
  connectors: Scenario['connectors'];
  runs: RunRecord[];
  events: SimEvent[];
  effects: Effect[];
  faults?: { failOnce: string[]; fired: string[] };
}

export function initialState(scenario: Scenario, now = Date.now()): HostState {
  const app = scenario.identity.application;
  return {
    scenario: scenario.name,
    server: { ...scenario.server },
    service: { status: scenario.service },
    tenant: scenario.identity.account.split('@')[1] ?? 'contoso.onmicrosoft.com',
    identity: {
      type: scenario.identity.type,
      account: scenario.identity.account,
      passwordValid: scenario.identity.passwordValid,
      passwordLastSetAt: now - scenario.identity.passwordSetDaysAgo * DAY_MS,
      blockedByPolicy: scenario.identity.blockedByPolicy,
      application: app
        ? { appId: app.appId, managedBy: app.managedBy, thumbprint: app.thumbprint, notAfter: now + app.notAfterDays * DAY_MS, paramsLost: app.paramsLost, sharedWithOtherServer: app.sharedWithOtherServer }
        : null,
    },
    legacyAccount: null,
    admin: { ...scenario.admin },
    rotationCmdlet: scenario.rotationCmdlet,
    rotations: 0,
    scheduler: { syncCycleEnabled: scenario.syncCycleEnabled, suspended: false },
    graphSignedIn: scenario.graphSignedIn,
    connectors: scenario.connectors.map((c) => ({ ...c })),
    runs: scenario.runs.map((r) => ({ connector: r.connector, result: r.result, at: now - r.minutesAgo * 60_000 })),
    events: scenario.events.map((e) => ({ id: e.id, at: now - e.minutesAgo * 60_000, message: e.message })),
    effects: [],
    ...(scenario.faults ? { faults: { failOnce: scenario.faults.failOnce ?? [], fired: [] } } : {}),
  };
}

export function loadState(path: string): HostState {
  return JSON.parse(readFileSync(path, 'utf8')) as HostState;
}

export function saveState(path: string, state: HostState): void {
  writeFileAtomic(path, JSON.stringify(state, null, 2));
}

export const TEXT = {
  stalePassword: (account: string) =>
    `Password change notification failed for ${account}: AADSTS50054: Old password is used for authentication. (AADSTS70002: error validating credentials)`,
  blocked: (account: string) => `The ADSync service is not allowed to interact with the desktop to authenticate ${account}: multi-factor authentication or Conditional Access applies to the account.`,
  expired: 'The application certificate of the Entra connector expired: the sync engine cannot sign in to Microsoft Entra ID.',
  notRegistered: (appId: string) =>
    `[MSAL] AcquireTokenWithCertificate failed: AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application ${appId}.`,
};

export function newThumbprint(old: string, n: number): string {
  return old.slice(0, 32) + n.toString(16).toUpperCase().padStart(8, '0');
}

/** The operations, each a pure change of `state`; the runner saves it. */
export const host = {
  hasCredentialCmdlet(state: HostState): boolean {
    return compareBuilds(state.server.build, ABA_MIN_BUILD) >= 0;
  },

  eventsSince(state: HostState, ids: number[], since: number): SimEvent[] {
    return state.events.filter((e) => e.at >= since && ids.includes(e.id));
  },

  newestRun(state: HostState, connector: string): RunRecord | null {
    return state.runs.filter((r) => r.connector === connector).sort((a, b) => b.at - a.at)[0] ?? null;
  },

  requireRunning(state: HostState, what: string): void {
    if (state.service.status !== 'Running') throw new SimFault(`${what}: unable to connect to the Synchronization Service: the ADSync service is not running`, 'service-stopped');
  },

  setSyncCycle(state: HostState, enabled: boolean): boolean {
    host.requireRunning(state, 'Set-ADSyncScheduler');
    if (state.scheduler.syncCycleEnabled === enabled) return false;
    state.scheduler.syncCycleEnabled = enabled;
    return true;
  },

  /**
   * Add-ADSyncAADServiceAccount (no -Name): a new password for the current account. With an
   * administrator who needs MFA, only the interactive sign-in works. On an Application server it
   * is the rollback to legacy authentication.
   */
  resetPassword(state: HostState, interactive: boolean, now = Date.now()): void {
    host.requireRunning(state, 'Add-ADSyncAADServiceAccount');
    if (!interactive && state.admin.mfa) {
      throw new SimFault(`AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${state.tenant}' (interactive sign-in required)`, 'mfa-required');
    }
    if (state.identity.type === 'Application') {
      const server = state.server.name;
      state.identity.type = 'ServiceAccount';
      state.identity.account = state.legacyAccount ?? `Sync_${server}_rollback@${state.tenant}`;
      state.identity.application = null;
    }
    state.identity.passwordValid = true;
    state.identity.passwordLastSetAt = now;
  },

  /** Invoke-ADSyncApplicationCredentialRotation (managed certificate). */
  rotateWithCmdlet(state: HostState, now = Date.now()): string {
    host.requireRunning(state, 'Invoke-ADSyncApplicationCredentialRotation');
    const app = state.identity.application;
    if (state.identity.type !== 'Application' || !app) throw new SimFault('Invoke-ADSyncApplicationCredentialRotation: the Entra connector does not use application-based authentication', 'not-application');
    if (app.managedBy !== 'Connect') throw new SimFault(`Invoke-ADSyncApplicationCredentialRotation: the certificate is managed by ${app.managedBy}: give -CertificateSHA256Hash`, 'own-certificate');
    if (app.paramsLost) throw new SimFault("Invoke-ADSyncApplicationCredentialRotation: ApplicationManagedBy isn't set on the Entra connector", 'params-lost');
    if (app.notAfter < now) throw new SimFault(`Invoke-ADSyncApplicationCredentialRotation: the current certificate ${app.thumbprint} expired; the application cannot sign in to register a new one`, 'certificate-expired');
    return host.rotate(state, now);
  },

  /** The wizard's "Rotate application certificate": an administrator signs in, so an expired certificate is no obstacle. */
  rotate(state: HostState, now = Date.now()): string {
    const app = state.identity.application!;
    state.rotations += 1;
    app.thumbprint = newThumbprint(app.thumbprint, state.rotations);
    app.notAfter = now + CERT_DAYS * DAY_MS;
    app.paramsLost = false;
    return app.thumbprint;
  },

  /** Repair-ADSyncToolsEntraAppParameters. */
  repairParams(state: HostState): boolean {
    host.requireRunning(state, 'Repair-ADSyncToolsEntraAppParameters');
    const app = state.identity.application;
    if (!app) throw new SimFault('Repair-ADSyncToolsEntraAppParameters: the Entra connector does not use application-based authentication', 'not-application');
    if (!app.paramsLost) return false;
    app.paramsLost = false;
    return true;
  },

  /** The wizard's "Configure application-based authentication to Microsoft Entra ID". */
  switchToApplication(state: HostState, now = Date.now()): void {
    host.requireRunning(state, 'the configuration wizard');
    if (!host.hasCredentialCmdlet(state)) throw new SimFault(`the wizard of build ${state.server.build} has no application-based authentication`, 'build-too-old');
    if (state.identity.type === 'Application') return;
    state.legacyAccount = state.identity.account;
    state.identity.type = 'Application';
    state.identity.account = `${SWITCH_APP.appId}@${state.tenant}`;
    state.identity.application = { appId: SWITCH_APP.appId, managedBy: 'Connect', thumbprint: SWITCH_APP.thumbprint, notAfter: now + CERT_DAYS * DAY_MS, paramsLost: false, sharedWithOtherServer: false };
  },

  /** Start-ADSyncSyncCycle -PolicyType Delta, run to the end: one run per connector. */
  deltaSync(state: HostState, now = Date.now()): RunRecord[] {
    host.requireRunning(state, 'Start-ADSyncSyncCycle');
    if (state.scheduler.suspended) throw new SimFault('Start-ADSyncSyncCycle: the scheduler is suspended (a configuration wizard is open)', 'scheduler-suspended');
    const id = state.identity;
    let entra = 'success';
    const log = (eventId: number, message: string) => state.events.push({ id: eventId, at: now, message });
    if (id.type === 'ServiceAccount') {
      if (id.blockedByPolicy) {
        entra = EXTENSION_FAILURE;
        log(6900, TEXT.blocked(id.account));
      } else if (!id.passwordValid) {
        entra = EXTENSION_FAILURE;
        log(6900, TEXT.stalePassword(id.account));
      }
    } else if (id.application) {
      if (id.application.sharedWithOtherServer) {
        entra = EXTENSION_FAILURE;
        log(906, TEXT.notRegistered(id.application.appId));
      } else if (id.application.notAfter < now) {
        entra = EXTENSION_FAILURE;
        log(1012, TEXT.expired);
      }
    }
    const results = state.connectors.map((c) => ({ connector: c.name, result: c.type === 'Entra' ? entra : 'success', at: now }));
    state.runs.push(...results);
    return results;
  },
};
