import { StepFailure, type ProbeResult, type Runner, type StepContext, type StepInput, type StepResult } from '../../../src/runner/contract.js';
import type { SimulatedWorld } from '../world-contract.js';
import { DLL_EXCEPTION, host, initialState, loadState, NO_START, saveState, sha256, validateScenario, type HostState, type Scenario } from './host.js';
import { simulatedWork } from '../simulated-work.js';
import { applyEffect, trainingFault } from '../families/aadconnect/simulated-server.js';

/**
 * Carries out the AD DS connector password runbook's steps against the simulated server in
 * `statePath`, with the same decisions as the PowerShell scripts in
 * runners/powershell/aadconnect-adds-password/ (and its simulated host, for the GUI step).
 */

interface Call {
  input: StepInput;
  ctx: StepContext;
  state: HostState;
  apply<T>(op: string, change: (state: HostState) => T, options?: { idempotent?: boolean }): Promise<T | undefined>;
  reload(): HostState;
}

type Handler = (call: Call) => Promise<StepResult>;

export function buildAtLeast(build: string, minimum: string): boolean {
  if (!/^\d+(\.\d+)*$/.test(build)) return false;
  const a = build.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

const PRIVILEGED = ['domain admins', 'enterprise admins'];

const handlers: Record<string, Handler> = {
  async detect({ state, ctx }) {
    await simulatedWork(ctx, 'reading the service, the connectors, their run history and the event log');
    const evidence = [`server ${state.server.name}: build ${state.server.build}, service ADSync is ${state.service.status}`];
    const since = state.service.startedAt;
    const e6028 = host.eventsSince(state, [6028], since).length;
    const e6000 = host.eventsSince(state, [6000], since);
    evidence.push(`Event 6028 since the last start: ${e6028}`, `Event 6000 since the last start: ${e6000.length}`);
    const running = state.service.status === 'Running';
    const affected: string[] = [];
    const accounts: Record<string, string> = {};
    let entraFailing = false;
    if (running) {
      for (const c of state.connectors) {
        const r = host.newestRun(state, c.name);
        const result = r?.result ?? '(none)';
        if (c.type === 'AD') {
          accounts[c.name] = `${c.loginDomain}\\${c.loginUser}`;
          const named = e6000.filter((e) => e.message.includes(`"${c.name}"`)).length;
          evidence.push(`AD connector ${c.name} (forest ${c.forest}, account ${c.loginDomain}\\${c.loginUser}): newest run ${result}; Event 6000 naming it: ${named}`);
          if (result === NO_START || named > 0) affected.push(c.name);
        } else {
          evidence.push(`Entra connector ${c.name}: newest run ${result}`);
          if (result === DLL_EXCEPTION) entraFailing = true;
        }
      }
    } else {
      evidence.push('connectors not read: the ADSync cmdlets need the service running');
    }
    const classification = e6028 > 0 ? 'key-unreadable' : affected.length > 0 ? 'stale-password' : entraFailing ? 'entra-credential' : running ? 'healthy' : 'unknown';
    evidence.push(`diagnosis: ${classification}${affected.length ? ` (${affected.join(', ')})` : ''}`);
    return {
      output: {
        classification,
        server: state.server.name,
        build: state.server.build,
        affected,
        adConnectors: host.adConnectors(state).map((c) => c.name),
        accounts,
      },
      evidence,
    };
  },

  async preChecks({ state, ctx }) {
    await simulatedWork(ctx, 'looking up the connector accounts in Active Directory');
    const build = state.server.build;
    const refusesAdmins = buildAtLeast(build, '1.4.0.0');
    const evidence = [`build ${build}${buildAtLeast(build, '2.0.0.0') ? '' : ': a 1.x build, out of support: plan an upgrade'}`];
    const blockers: string[] = [];
    const accounts = [];
    for (const c of host.adConnectors(state)) {
      const who = `${c.loginDomain}\\${c.loginUser}`;
      const a = host.account(state, c.loginDomain, c.loginUser);
      if (!a) throw new StepFailure(`Get-ADUser: cannot find an object with identity '${c.loginUser}' in ${c.loginDomain}`, 'account-not-found');
      const privileged = a.groups.filter((g) => PRIVILEGED.includes(g.toLowerCase()));
      evidence.push(`${c.name}: ${who} is ${a.kind === 'user' ? 'an ordinary user' : a.kind === 'gmsa' ? 'a group managed service account' : 'a standalone managed service account'}${privileged.length ? `, member of ${privileged.join(' and ')}` : ''}`);
      if (a.kind !== 'user') blockers.push(`${c.name}: ${who} is a managed service account; an AD DS connector account must be an ordinary user`);
      if (privileged.length && refusesAdmins) blockers.push(`${c.name}: ${who} is in ${privileged.join(' and ')}; build ${build} refuses such an account`);
      if (privileged.length && !refusesAdmins) evidence.push(`${c.name}: a privileged account works on build ${build} but is refused from 1.4 on: replace it before upgrading`);
      accounts.push({ connector: c.name, account: who, kind: a.kind, privileged: privileged.length > 0 });
    }
    for (const b of blockers) evidence.push(`BLOCKER ${b}`);
    return { output: { build, accounts, blockers }, evidence };
  },

  async precheckPassword({ input, ctx, state }) {
    const name = String(input.params.connector);
    const c = host.connector(state, name);
    const password = await ctx.secrets.get(input.secrets[0]!);
    await simulatedWork(ctx, `signing in to ${c.forest} as ${c.loginDomain}\\${c.loginUser}`);
    if (!host.passwordWorks(state, name, sha256(password))) {
      throw new StepFailure(`Test-AdSyncUserHasPermissions: the forest ${c.forest} refused ${c.loginDomain}\\${c.loginUser} with this password (the user name or password is incorrect)`, 'password-refused');
    }
    return { evidence: [`${c.loginDomain}\\${c.loginUser} signed in to ${c.forest} with the new password; nothing stored`] };
  },

  async connectorPassword({ input, ctx, state, apply }) {
    const name = String(input.params.connector);
    const c = host.connector(state, name);
    ctx.note(`connector ${name}: forest ${c.forest}, account ${c.loginDomain}\\${c.loginUser}`);
    const password = await ctx.secrets.get(input.secrets[0]!);
    await apply(`password:${name}`, (s) => host.storePassword(s, name, sha256(password)));
    return { evidence: [`password typed for ${name} (${c.loginDomain}\\${c.loginUser}); the delta import after the restart checks it`] };
  },

  async restartService({ ctx, apply, reload }) {
    await simulatedWork(ctx, 'waiting for an idle engine, then restarting ADSync');
    await apply('restart', (s) => host.restart(s), { idempotent: false });
    const s = reload();
    return { evidence: ['no sync run was in progress', `ADSync restarted: process ${s.service.processId} started ${new Date(s.service.startedAt).toISOString()}`] };
  },

  async verify({ input, ctx, apply, reload }) {
    const names = String(input.params.connectors ?? '').split(',').filter(Boolean);
    const results: Record<string, string> = {};
    const failing: string[] = [];
    const evidence: string[] = [];
    for (const name of names) {
      await simulatedWork(ctx, `Delta Import on ${name}`);
      const result = (await apply(`import:${name}`, (s) => host.deltaImport(s, name))) ?? host.newestRun(reload(), name)?.result ?? 'no-run';
      results[name] = result;
      evidence.push(`${name}: Delta Import ${result}`);
      if (result === NO_START) failing.push(name);
    }
    if (failing.length) evidence.push(`still no-start-credentials: ${failing.join(', ')} (the password typed is not the one in AD)`);
    return { output: { failing, results }, evidence };
  },
};

const FAULT_MESSAGES: Record<string, string> = {
  restartService: 'Restart-Service: the service did not respond to the stop request in a timely fashion',
  verify: 'Invoke-ADSyncRunProfile: the sync engine is busy (a scheduled cycle started)',
  preChecks: 'Get-ADUser: unable to contact the server (no domain controller answered)',
};

const probes: Record<string, (state: HostState, startedAt: number) => ProbeResult> = {
  restartService(state, startedAt) {
    if (state.service.status !== 'Running') return { verdict: 'unknown', evidence: ['ADSync is not running: its process start time cannot be read'] };
    const when = new Date(state.service.startedAt).toISOString();
    return state.service.startedAt >= startedAt
      ? { verdict: 'done', evidence: [`miiserver.exe (process ${state.service.processId}) started ${when}, after the step started: the restart happened`] }
      : { verdict: 'not-done', evidence: [`miiserver.exe (process ${state.service.processId}) started ${when}, before the step started: no restart yet`] };
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
        apply: (op, change, options) => applyEffect(store, input, ctx, op, change, options),
      };
      return handlers[input.stepId]!(call);
    },
  };
}

const world: SimulatedWorld = {
  createRunner: simulatorRunner,
  initialize: (scenario, statePath) => saveState(statePath, initialState(scenario as unknown as Scenario)),
  validateScenario,
};

export default world;
