import { StepFailure, type ProbeResult, type Runner, type StepContext, type StepInput, type StepResult } from '../../../src/runner/contract.js';
import { confirmManualStep } from '../../manual/manual-runner.js';
import type { SimulatedWorld } from '../world-contract.js';
import { host, initialState, loadState, saveState, SimFault, DAY_MS, validateScenario, type HostState, type Scenario } from './host.js';
import { simulatedWork } from '../simulated-work.js';
import { applyEffect, trainingFault } from '../families/aadconnect/simulated-server.js';

/**
 * Carries out the Entra credential runbook's steps against the simulated server in `statePath`,
 * with the same decisions as the PowerShell scripts in runners/powershell/aadconnect-entra-credential/.
 */

interface Call {
  input: StepInput;
  ctx: StepContext;
  state: HostState;
  /** A change recorded as an effect of this attempt (then the 'applied' fault point). */
  apply<T>(op: string, change: (state: HostState) => T, options?: { idempotent?: boolean }): Promise<T | undefined>;
  /** A change that is not a credential effect (the scheduler switch): saved, not recorded. */
  change<T>(change: (state: HostState) => T): T;
  reload(): HostState;
}

type Handler = (call: Call) => Promise<StepResult>;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ENTRA = (state: HostState) => state.connectors.find((c) => c.type === 'Entra')!.name;
const WINDOW_MS = 7 * DAY_MS;

/** What Get-ADSyncEntraConnectorCredential answers, or the UserName pattern on an old build. */
function identityOf(state: HostState): { type: 'ServiceAccount' | 'Application' | null; source: 'cmdlet' | 'username-pattern'; note: string } {
  if (host.hasCredentialCmdlet(state)) {
    return { type: state.identity.type, source: 'cmdlet', note: `Get-ADSyncEntraConnectorCredential: ConnectorIdentityType ${state.identity.type}` };
  }
  const account = state.identity.account;
  const type = /^Sync_/i.test(account) ? 'ServiceAccount' : /^[0-9a-f-]{36}@/i.test(account) ? 'Application' : null;
  return { type, source: 'username-pattern', note: `Get-ADSyncEntraConnectorCredential is not on build ${state.server.build}: the UserName ${account} says ${type ?? 'nothing'}` };
}

const handlers: Record<string, Handler> = {
  async detect({ state, ctx }) {
    await simulatedWork(ctx, 'reading the service, the Entra connector, the scheduler and the event log');
    const evidence = [`server ${state.server.name}, build ${state.server.build}: service ADSync is ${state.service.status}`];
    const base = { server: state.server.name, build: state.server.build, stagingMode: state.server.stagingMode };
    if (state.service.status !== 'Running') {
      evidence.push('the connector and the scheduler cannot be read while the service is stopped', 'diagnosis: service-stopped');
      return {
        output: { ...base, classification: 'service-stopped', identityType: null, identitySource: null, account: null, appId: null, certThumbprint: null, certNotAfter: null, paramsLost: false, schedulerEnabled: true },
        evidence,
      };
    }
    evidence.push(state.server.stagingMode ? 'this is a STAGING server: its own Entra connector credential is the one reset' : 'this is the active server (not in staging mode)');
    const id = identityOf(state);
    evidence.push(id.note, `Entra connector UserName: ${state.identity.account}`);
    const since = Date.now() - WINDOW_MS;
    const count = (n: number) => host.eventsSince(state, [n], since).length;
    for (const n of [6900, 659, 1011, 1012, 906]) evidence.push(`Event ${n} in the last 7 days: ${count(n)}`);
    evidence.push(`scheduler: SyncCycleEnabled ${state.scheduler.syncCycleEnabled}`);
    const app = id.type === 'Application' ? state.identity.application : null;
    if (app) {
      evidence.push(
        `application ${app.appId}, certificate managed by ${app.managedBy}: thumbprint ${app.thumbprint}, not after ${iso(app.notAfter)}${app.notAfter < Date.now() ? ' (EXPIRED)' : ''}`,
        app.paramsLost ? 'ApplicationManagedBy, CertificateManagedBy, CertificateId: missing on the Entra connector' : 'application parameters on the Entra connector: present',
      );
    }
    const classification =
      id.type === null ? 'unknown-identity' : id.type === 'ServiceAccount' ? 'service-account' : count(906) > 0 ? 'shared-application' : app && app.managedBy !== 'Connect' ? 'own-certificate' : 'application';
    evidence.push(`diagnosis: ${classification}`);
    return {
      output: {
        ...base,
        classification,
        identityType: id.type,
        identitySource: id.source,
        account: state.identity.account,
        appId: app?.appId ?? null,
        certThumbprint: app?.thumbprint ?? null,
        certNotAfter: app ? iso(app.notAfter) : null,
        paramsLost: app?.paramsLost ?? false,
        schedulerEnabled: state.scheduler.syncCycleEnabled,
      },
      evidence,
    };
  },

  async resetServiceAccount({ input, ctx, state, apply, change }) {
    const id = identityOf(state);
    if (id.type !== 'ServiceAccount') {
      throw new StepFailure(`refused: ${id.note}. Add-ADSyncAADServiceAccount on this server would roll it back to legacy authentication`, 'application-identity', [id.note]);
    }
    const admin = await ctx.secrets.credential(input.secrets[0]!);
    await simulatedWork(ctx, 'waiting until no sync runs, pausing the scheduler');
    const evidence = [id.note];
    if (change((s) => host.setSyncCycle(s, false))) evidence.push('scheduler paused (SyncCycleEnabled False)');
    await simulatedWork(ctx, `Add-ADSyncAADServiceAccount as ${admin.username}`);
    try {
      await apply('reset-password', (s) => host.resetPassword(s, false), { idempotent: false });
    } catch (error) {
      if (error instanceof StepFailure && error.category === 'mfa-required') {
        evidence.push(`${admin.username} needs multi-factor authentication (AADSTS50076): a credential cannot be passed; continue with an interactive sign-in on the server`);
        return { output: { interactiveSignInRequired: true }, evidence };
      }
      throw error;
    }
    evidence.push(`Add-ADSyncAADServiceAccount as ${admin.username}: back at the prompt without error`, `new password set for ${state.identity.account}`);
    return { output: { interactiveSignInRequired: false }, evidence };
  },

  async resetServiceAccountInteractive({ input, ctx, apply }) {
    const evidence = await confirmManualStep(input, ctx);
    await apply('reset-password', (s) => host.resetPassword(s, true), { idempotent: false });
    return { evidence: [...evidence, `interactive sign-in completed: new password set for ${String(input.params.account)}`] };
  },

  async repairAppParameters({ ctx, apply }) {
    await simulatedWork(ctx, 'Repair-ADSyncToolsEntraAppParameters');
    const repaired = await apply('repair-parameters', (s) => host.repairParams(s));
    return {
      output: { repaired: repaired !== false },
      evidence: ['ADSyncTools 2.3.0 loaded', repaired === false ? 'the application parameters were already there: nothing to repair' : 'ApplicationManagedBy, CertificateManagedBy, CertificateId restored on the Entra connector'],
    };
  },

  async rotateCertificate({ input, ctx, state, apply, change, reload }) {
    const id = identityOf(state);
    if (id.type !== 'Application') throw new StepFailure(`refused: ${id.note}: there is no application certificate to rotate`, 'not-application', [id.note]);
    const before = String(input.params.certThumbprintBefore);
    if (!state.rotationCmdlet) {
      return { output: { wizardRequired: true, thumbprint: null }, evidence: [id.note, `Invoke-ADSyncApplicationCredentialRotation is not on build ${state.server.build}: continue with the wizard`] };
    }
    await simulatedWork(ctx, 'waiting until no sync runs, pausing the scheduler');
    const evidence = [id.note];
    if (change((s) => host.setSyncCycle(s, false))) evidence.push('scheduler paused (SyncCycleEnabled False)');
    await simulatedWork(ctx, 'Invoke-ADSyncApplicationCredentialRotation');
    let wizard = false;
    try {
      await apply('rotate', (s) => host.rotateWithCmdlet(s), { idempotent: false });
    } catch (error) {
      if (!(error instanceof StepFailure) || error.category !== 'certificate-expired') throw error;
      wizard = true;
      evidence.push(error.message, 'the rotation needs an administrator sign-in: continue with the wizard');
    }
    if (input.params.schedulerWasEnabled === true && change((s) => host.setSyncCycle(s, true))) evidence.push('scheduler turned back on (SyncCycleEnabled True)');
    if (wizard) return { output: { wizardRequired: true, thumbprint: null }, evidence };
    const after = reload().identity.application!;
    evidence.push(`ConnectorIdentityType still Application; thumbprint ${before} before, ${after.thumbprint} now, not after ${iso(after.notAfter)}`);
    return { output: { wizardRequired: false, thumbprint: after.thumbprint }, evidence };
  },

  async rotateCertificateWizard({ input, ctx, apply }) {
    const evidence = await confirmManualStep(input, ctx);
    const thumbprint = await apply(
      'rotate',
      (s) => {
        host.requireRunning(s, 'the configuration wizard');
        return host.rotate(s);
      },
      { idempotent: false },
    );
    return { evidence: [...evidence, `the wizard rotated the certificate: ${String(input.params.certThumbprintBefore)} before, ${thumbprint} now`] };
  },

  async switchToApplication({ input, ctx, apply }) {
    const evidence = await confirmManualStep(input, ctx);
    await apply('switch', (s) => host.switchToApplication(s), { idempotent: false });
    return { evidence: [...evidence, 'the wizard configured application-based authentication'] };
  },

  verifyServiceAccount: verify,
  verifySwitch: verify,
  verifyApplication: verify,
};

/** Scheduler back on (when it was), a delta cycle, the Entra connector's result and the credential events. */
async function verify({ input, ctx, state, apply, change, reload }: Call): Promise<StepResult> {
  if (state.service.status !== 'Running') throw new StepFailure('verify: the ADSync service is not running', 'service-stopped');
  if (state.scheduler.suspended) {
    throw new StepFailure('the scheduler is suspended: a configuration wizard is still open on the server. Close it (Exit), then retry', 'scheduler-suspended');
  }
  const evidence: string[] = [];
  const failures: string[] = [];
  const id = identityOf(state);
  evidence.push(id.note);
  const expected = String(input.params.expectedType);
  if (id.type !== expected) failures.push(`the identity type is ${id.type}, expected ${expected}`);
  if (input.params.schedulerWasEnabled === true && change((s) => host.setSyncCycle(s, true))) evidence.push('scheduler turned back on (SyncCycleEnabled True)');
  const before = typeof input.params.certThumbprintBefore === 'string' ? input.params.certThumbprintBefore : null;
  if (before && state.identity.application) {
    const now = state.identity.application.thumbprint;
    evidence.push(`certificate thumbprint: ${before} before the run, ${now} now`);
    if (now === before) failures.push('the certificate thumbprint did not change');
  }
  await simulatedWork(ctx, 'running a delta sync cycle and waiting until it is idle');
  const start = Date.now();
  await apply('delta-sync', (s) => host.deltaSync(s));
  const after = reload();
  evidence.push('Start-ADSyncSyncCycle -PolicyType Delta accepted; the cycle ended');
  for (const c of after.connectors) {
    const r = host.newestRun(after, c.name)?.result ?? 'no-run';
    evidence.push(`${c.name}: ${r}`);
    if (c.name === ENTRA(after) && !(r === 'success' || (r.startsWith('completed-') && r.endsWith('-warnings')))) failures.push(`the Entra connector ended ${r}`);
  }
  for (const e of host.eventsSince(after, [6900, 659, 1012, 906], start)) {
    evidence.push(`new Event ${e.id}: ${e.message}`);
    failures.push(`new Event ${e.id}`);
  }
  if (failures.length) evidence.push(`still failing: ${failures.join('; ')}`);
  return { output: { healthy: failures.length === 0, identityType: id.type, failures }, evidence };
}

const FAULT_MESSAGES: Record<string, string> = {
  detect: 'Get-ADSyncConnector: unable to connect to the Synchronization Service (it is still starting)',
  resetServiceAccount: 'Add-ADSyncAADServiceAccount: AADSTS50126: Error validating credentials due to invalid username or password (a typing mistake?)',
  rotateCertificate: 'Invoke-ADSyncApplicationCredentialRotation: the sync engine is busy (a run started in the meantime)',
  verifyServiceAccount: 'Start-ADSyncSyncCycle: the sync engine is busy (a cycle is already running)',
  verifyApplication: 'Start-ADSyncSyncCycle: the sync engine is busy (a cycle is already running)',
};

/** Read-only probes for the steps that are not safe to repeat, after a crash left one in doubt. */
function passwordProbe(state: HostState, startedAt: number): ProbeResult {
  const account = state.identity.account;
  if (state.identity.type !== 'ServiceAccount') return { verdict: 'unknown', evidence: [`the Entra connector signs in as ${state.identity.type} now: not the account the step reset`] };
  if (!state.graphSignedIn) return { verdict: 'unknown', evidence: ['no Microsoft Graph session is signed in on the server (Get-MgContext is empty): Entra ID cannot be read'] };
  const set = iso(state.identity.passwordLastSetAt);
  return state.identity.passwordLastSetAt >= startedAt
    ? { verdict: 'done', evidence: [`${account}: password last set ${set}, after the step started (${iso(startedAt)}): the reset happened`] }
    : { verdict: 'not-done', evidence: [`${account}: password last set ${set}, before the step started (${iso(startedAt)}): the reset did not happen`] };
}

function thumbprintProbe(state: HostState, before: string): ProbeResult {
  const app = state.identity.application;
  if (state.scheduler.suspended) return { verdict: 'unknown', evidence: ['the scheduler is suspended: the wizard is still open. Close it, then probe again'] };
  if (state.identity.type !== 'Application' || !app) return { verdict: 'unknown', evidence: [`the Entra connector signs in as ${state.identity.type}: no certificate to compare`] };
  return app.thumbprint !== before
    ? { verdict: 'done', evidence: [`certificate thumbprint ${app.thumbprint} now, ${before} before the step: the rotation happened`] }
    : { verdict: 'not-done', evidence: [`certificate thumbprint still ${before}: the rotation did not happen`] };
}

const probes: Record<string, (state: HostState, input: StepInput, startedAt: number) => ProbeResult> = {
  resetServiceAccount: (s, _i, t) => passwordProbe(s, t),
  resetServiceAccountInteractive: (s, _i, t) => passwordProbe(s, t),
  rotateCertificate: (s, i) => thumbprintProbe(s, String(i.params.certThumbprintBefore)),
  rotateCertificateWizard: (s, i) => thumbprintProbe(s, String(i.params.certThumbprintBefore)),
  switchToApplication(state) {
    if (state.scheduler.suspended) return { verdict: 'unknown', evidence: ['the scheduler is suspended: the wizard is still open. Close it, then probe again'] };
    const note = `Get-ADSyncEntraConnectorCredential: ConnectorIdentityType ${state.identity.type}`;
    return state.identity.type === 'Application'
      ? { verdict: 'done', evidence: [note, 'the switch to application-based authentication happened'] }
      : { verdict: 'not-done', evidence: [note, 'the connector still signs in with its Sync_ account: the switch did not happen'] };
  },
};

function simulatorRunner(statePath: string): Runner {
  const store = { load: () => loadState(statePath), save: (state: HostState) => saveState(statePath, state) };
  return {
    name: 'simulator',
    canRun: (stepId) => stepId in handlers,
    canProbe: (stepId) => stepId in probes,
    async probe(input, _ctx, startedAt) {
      return probes[input.stepId]!(loadState(statePath), input, Date.parse(startedAt));
    },
    async run(input, ctx) {
      const handler = handlers[input.stepId]!;
      const state = loadState(statePath);
      if (trainingFault(state, input.stepId)) {
        saveState(statePath, state);
        throw new StepFailure(FAULT_MESSAGES[input.stepId] ?? `${input.stepId}: a transient error (simulated)`, 'transient');
      }
      const call: Call = {
        input,
        ctx,
        state,
        reload: () => loadState(statePath),
        change(change) {
          const current = loadState(statePath);
          try {
            const result = change(current);
            saveState(statePath, current);
            return result;
          } catch (error) {
            if (error instanceof SimFault) throw new StepFailure(error.message, error.category);
            throw error;
          }
        },
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
