import { StepFailure, type ProbeResult, type Runner, type StepContext, type StepInput, type StepResult } from '../../../src/runner/contract.js';
import { confirmManualStep } from '../../manual/manual-runner.js';
import type { SimulatedWorld } from '../world-contract.js';
import { buildAtLeast, initialState, loadState, saveState, server, SimFault, validateScenario, type Scenario, type ServerState } from './server.js';
import { simulatedWork } from '../simulated-work.js';
import { applyEffect, trainingFault } from '../families/aadconnect/simulated-server.js';

/**
 * Carries out the encryption-key runbook's steps against the simulated server in `statePath`.
 * Manual steps are guided as on a real server (the operator confirms), then their effect is
 * applied to the simulation; the AD DS password is asked masked and judged at verify.
 */

interface Call {
  input: StepInput;
  ctx: StepContext;
  state: ServerState;
  /** Applies a change once per attempt: a repeated idempotent attempt is a no-op, as on the real server. */
  apply(op: string, change: (state: ServerState) => boolean | void, options?: { idempotent?: boolean }): Promise<void>;
  /** The server as it is now (after `apply`). */
  reload(): ServerState;
  /** Saves reads that change the simulation without being an effect (a poll of a running sync). */
  save(state: ServerState): void;
}

type Handler = (call: Call) => Promise<StepResult>;

const handlers: Record<string, Handler> = {
  async detect({ state, ctx }) {
    await simulatedWork(ctx, 'reading the service state and the event logs');
    const since = (ids: number[]) => server.eventsSinceStart(state, ids);
    const running = state.service.status === 'Running';
    const stale = state.connectors.filter((c) => c.password !== 'valid').map((c) => c.name);
    const classification =
      !running && since([7038]).length > 0
        ? 'logon-failure'
        : since([6323]).length > 0 || state.databaseFull
          ? 'localdb-full'
          : since([6028]).length > 0
            ? 'key-unreadable'
            : running && since([6000]).length > 0 && stale.length > 0
              ? 'stale-connector-credential'
              : running
                ? 'healthy'
                : 'unknown';
    const evidence = [
      `server ${state.server.name}: service ADSync is ${state.service.status}`,
      ...[6028, 7038, 6000, 6323].map((id) => `Event ${id} since the last start: ${since([id]).length}`),
      `diagnosis: ${classification}`,
    ];
    return { output: { classification, server: state.server.name, staleConnectors: classification === 'stale-connector-credential' ? stale : [] }, evidence };
  },

  async fixServiceLogon({ input, ctx, apply }) {
    const evidence = await confirmManualStep(input, ctx);
    await apply('fix-logon', (s) => {
      s.service.logonValid = true;
      try {
        server.start(s);
      } catch (error) {
        // the logon is fixed; a start that now fails for another reason (6028) is for detect to find
        if (!(error instanceof SimFault)) throw error;
      }
    });
    return { evidence };
  },

  async preChecks({ state, ctx }) {
    await simulatedWork(ctx, 'reading build, service account, staging mode and Entra identity');
    const { build, serviceAccount, stagingMode, entraIdentity } = state.server;
    const implications = [
      buildAtLeast(build, '1.1.484.0')
        ? `build ${build}: recreates its key by itself after a service account password change; abandoning is still the documented recovery when the key cannot be read`
        : `build ${build}: 1.1.443.0 or older, where a service account password change breaks the key (the classic cause)`,
      serviceAccount.type === 'domain' || serviceAccount.type === 'local'
        ? `service account ${serviceAccount.name} (${serviceAccount.type} account): its password change is the likely cause`
        : `service account ${serviceAccount.name} (${serviceAccount.type}): it has no password an admin changes, so the key was lost some other way (restore, migration): be sure of the cause`,
      stagingMode
        ? 'STAGING server: the Entra step resets this server\'s own Sync_ account. Make sure this is the affected server'
        : 'active server (not in staging mode)',
      entraIdentity === 'Application'
        ? 'Entra connector uses application identity (2.5.3.0+): the Entra account step does not apply'
        : `Entra connector uses service account ${state.server.entraAccount ?? '(unknown)'}: it is reinitialized later`,
    ];
    return {
      output: { build, accountType: serviceAccount.type, accountName: serviceAccount.name, stagingMode, entraIdentity },
      evidence: implications,
    };
  },

  async stopService({ state, ctx, apply, save }) {
    for (let busy = server.pollBusy(state); busy; busy = server.pollBusy(state)) {
      save(state);
      await simulatedWork(ctx, `waiting for the sync run on ${busy} to finish`);
    }
    await simulatedWork(ctx, 'stopping ADSync');
    await apply('stop', (s) => server.stop(s));
    return { evidence: ['no sync run in progress', 'ADSync is Stopped'] };
  },

  async abandonKey({ ctx, apply }) {
    await simulatedWork(ctx, 'running miiskmu.exe /a');
    await apply('abandon', (s) => server.abandonKey(s), { idempotent: false });
    return { evidence: ['miiskmu.exe /a exited 0 without error text: the key is abandoned'] };
  },

  async startNewKey({ ctx, apply, reload }) {
    await simulatedWork(ctx, 'starting ADSync (creating a new key)');
    await apply('start', (s) => server.start(s));
    const connectors = reload().connectors;
    return {
      output: { connectors: connectors.map((c) => c.name) },
      evidence: ['ADSync is Running with a new encryption key', `AD connectors: ${connectors.map((c) => `${c.name} (${c.loginDomain}\\${c.loginUser})`).join(', ') || 'none'}`],
    };
  },

  async connectorPassword({ input, ctx, state, apply }) {
    const name = String(input.params.connector);
    const connector = state.connectors.find((c) => c.name === name);
    if (!connector) throw new StepFailure(`no AD connector named '${name}' on ${state.server.name}`, 'unknown-connector');
    ctx.note(`connector ${name}: forest ${connector.forest}, account ${connector.loginDomain}\\${connector.loginUser}`);
    const password = await ctx.secrets.get(input.secrets[0]!);
    await apply(`password:${name}`, (s) => {
      server.supplyPassword(s, name, password);
    });
    return { evidence: [`password entered for ${name} (${connector.loginDomain}\\${connector.loginUser}); it is checked by the verify sync`] };
  },

  async restartService({ ctx, apply }) {
    await simulatedWork(ctx, 'restarting ADSync');
    await apply('restart', (s) => {
      server.stop(s);
      server.start(s);
    });
    return { evidence: ['ADSync restarted'] };
  },

  async reinitEntra({ input, ctx, state, apply }) {
    if (state.server.entraIdentity === 'Application') {
      return { evidence: ['the Entra connector uses application identity: nothing to reinitialize'] };
    }
    const admin = await ctx.secrets.credential(input.secrets[0]!);
    await simulatedWork(ctx, `Add-ADSyncAADServiceAccount as ${admin.username}`);
    if (state.server.adminRequiresMfa) {
      return {
        output: { interactiveSignInRequired: true },
        evidence: [`${admin.username} requires MFA (AADSTS50076): a credential cannot be passed; continue with an interactive sign-in`],
      };
    }
    await apply('entra', (s) => {
      server.reinitEntra(s, false);
    });
    return { evidence: [`Entra connector account ${state.server.entraAccount ?? ''} reinitialized by ${admin.username}`] };
  },

  async reinitEntraManual({ input, ctx, apply }) {
    const evidence = await confirmManualStep(input, ctx);
    await apply('entra', (s) => {
      server.reinitEntra(s, true);
    });
    return { evidence };
  },

  async startAfterReinit({ ctx, apply }) {
    await simulatedWork(ctx, 'starting ADSync');
    await apply('start-final', (s) => {
      server.stop(s);
      server.start(s);
    });
    return { evidence: ['ADSync is Running'] };
  },

  async verify({ ctx, state, apply, reload }) {
    if (state.service.status !== 'Running') throw new StepFailure('ADSync is not running', 'service-stopped');
    if (server.eventsSinceStart(state, [6028]).length > 0) throw new StepFailure('Event 6028 appeared since the last start: the key is still unreadable', 'key-unreadable');
    await simulatedWork(ctx, 'running a delta sync cycle and waiting until it is idle');
    await apply('delta-sync', (s) => {
      server.deltaSync(s);
    });
    // read back, so that a repeated attempt (a no-op) reports the same cycle
    const after = reload();
    const results = after.runs.slice(-(after.connectors.length + 1));
    const ok = (r: string) => r === 'success' || r.startsWith('completed-') && r.endsWith('-warnings');
    const adNames = new Set(state.connectors.map((c) => c.name));
    return {
      output: {
        failingAdConnectors: results.filter((r) => adNames.has(r.connector) && !ok(r.result)).map((r) => r.connector),
        entraFailing: results.some((r) => !adNames.has(r.connector) && !ok(r.result)),
      },
      evidence: ['ADSync Running, no Event 6028 since start', ...results.map((r) => `${r.connector}: ${r.result}`)],
      problems: results.filter((r) => !ok(r.result)).map((r) => `${r.connector} ended its last run with ${r.result}`),
    };
  },
};

/** What the server says when a drill makes a step fail once. */
const FAULT_MESSAGES: Record<string, string> = {
  detect: 'Get-WinEvent: the RPC server is unavailable (the event log service did not answer)',
  fixServiceLogon: 'services.msc: the Log On change was not saved (Access is denied)',
  preChecks: 'Get-CimInstance: the WinRM client cannot process the request (timeout)',
  stopService: 'Stop-Service: Service ADSync cannot be stopped due to the following error: it did not respond in a timely fashion',
  abandonKey: 'miiskmu.exe /a: The operation failed because server service was started. Error Code: 80131600 (a sync cycle started the service again)',
  startNewKey: 'Start-Service: Service ADSync cannot be started: the service did not respond to the start request in a timely fashion',
  connectorPassword: 'Synchronization Service Manager: unable to connect to the synchronization service (it is still starting)',
  restartService: 'Restart-Service: the service did not stop in a timely fashion',
  reinitEntra: 'Add-ADSyncAADServiceAccount: AADSTS50126 error validating credentials (a typing mistake?)',
  reinitEntraManual: 'the interactive sign-in window was closed before it completed',
  startAfterReinit: 'Start-Service: the service did not respond to the start request in a timely fashion',
  verify: 'Start-ADSyncSyncCycle: the sync engine is busy (a cycle is already running)',
};

function ineffectiveOutput(stepId: string): StepResult['output'] {
  return stepId === 'verify' ? { failingAdConnectors: [], entraFailing: false } : null;
}

/**
 * Read-only probes for the steps that are not safe to repeat: what an operator would look at to
 * tell whether an attempt the crash interrupted took effect.
 */
const probes: Record<string, (state: ServerState) => ProbeResult> = {
  abandonKey(state) {
    const service = `service ADSync is ${state.service.status}`;
    if (state.key === 'abandoned') return { verdict: 'done', evidence: [service, 'no encryption key set is registered: the key was abandoned and no new one created yet'] };
    if (state.key === 'unreadable') return { verdict: 'not-done', evidence: [service, `the old key set (generation ${state.keyGeneration}) is still registered and unreadable: the key was not abandoned`] };
    return { verdict: 'unknown', evidence: [service, `a readable key set (generation ${state.keyGeneration}) is registered: a new key was created since, or the key was never the problem`] };
  },
};

function simulatorRunner(statePath: string): Runner {
  const store = { load: () => loadState(statePath), save: (state: ServerState) => saveState(statePath, state) };
  return {
    name: 'simulator',
    canRun: (stepId) => stepId in handlers,
    canProbe: (stepId) => stepId in probes,
    async probe(input) {
      return probes[input.stepId]!(loadState(statePath));
    },
    async run(input, ctx) {
      const handler = handlers[input.stepId]!;
      const state = loadState(statePath);
      const fault = trainingFault(state, input.stepId);
      if (fault) {
        saveState(statePath, state);
        if (fault === 'ineffective') return { evidence: ['(the step reported success)'], output: ineffectiveOutput(input.stepId) };
        throw new StepFailure(FAULT_MESSAGES[input.stepId] ?? `${input.stepId}: a transient error (simulated)`, 'transient');
      }
      const call: Call = {
        input,
        ctx,
        state,
        reload: () => loadState(statePath),
        save: (next) => saveState(statePath, next),
        apply: async (op, change, options) => {
          await applyEffect(store, input, ctx, op, change, options);
        },
      };
      return handler(call);
    },
  };
}

const world: SimulatedWorld = {
  createRunner: simulatorRunner,
  initialize: (scenario, statePath) => saveState(statePath, initialState(scenario as Scenario)),
  validateScenario,
};

export default world;
