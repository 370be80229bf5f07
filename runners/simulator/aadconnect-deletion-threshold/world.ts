import { StepFailure, type ProbeResult, type Runner, type StepContext, type StepInput, type StepResult } from '../../../src/runner/contract.js';
import type { SimulatedWorld } from '../world-contract.js';
import { host, initialState, loadState, pendingDns, saveState, STOPPED, validateScenario, type HostState, type Scenario } from './host.js';
import { simulatedWork } from '../simulated-work.js';
import { applyEffect, trainingFault } from '../families/aadconnect/simulated-server.js';

/**
 * Carries out the deletion-threshold runbook's steps against the simulated server in `statePath`,
 * with the same decisions as runners/powershell/aadconnect-deletion-threshold/ (whose simulated
 * host's stand-ins play the guided sign-in steps there; here the world plays them).
 */

interface Call {
  input: StepInput;
  ctx: StepContext;
  state: HostState;
  apply<T>(op: string, change: (state: HostState) => T, options?: { idempotent?: boolean }): Promise<T | undefined>;
  reload(): HostState;
}

export const SIGN_IN_ARGS: Record<HostState['signIn'], string> = {
  AADUserName: '-AADUserName <admin UPN>',
  AADCredential: '-AADCredential (Get-Credential)',
  none: '# this build takes no sign-in parameter',
};

const PARSE_116 = /\((\d+) pending deletes\) has exceeded the current threshold of (\d+) objects/;

function restore(call: Call): Promise<StepResult> {
  const value = Number(call.input.params.thresholdBefore);
  return call.apply('restore', (s) => host.setThreshold(s, true, value)).then(() => ({
    evidence: [`Enable-ADSyncExportDeletionThreshold -DeletionThreshold ${value}: the threshold is enabled at ${value} again (signed in as the operator)`],
  }));
}

const handlers: Record<string, (call: Call) => Promise<StepResult>> = {
  async detect({ state, ctx }) {
    await simulatedWork(ctx, 'reading the Entra connector, the run history, Event 116 and the threshold cmdlets');
    const evidence = [`server ${state.server.name}: build ${state.server.build}, service ADSync is ${state.service.status}`];
    const running = state.service.status === 'Running';
    const last = running ? host.newestExport(state) : null;
    const e116 = [...state.events].filter((e) => e.id === 116).sort((a, b) => b.at - a.at)[0];
    const parsed = e116 ? PARSE_116.exec(e116.message) : null;
    if (running) evidence.push(`Entra connector ${state.entraConnector}: newest Export ${last?.result ?? '(none)'}`);
    else evidence.push('run history not read: the ADSync cmdlets need the service running');
    evidence.push(e116 ? `newest Event 116 (${new Date(e116.at).toISOString()}): ${parsed ? `${parsed[1]} pending deletes, threshold ${parsed[2]}` : 'text not recognised'}` : 'no Event 116');
    evidence.push(`Enable-ADSyncExportDeletionThreshold takes ${state.signIn === 'none' ? 'no sign-in parameter' : `-${state.signIn}`}`);
    if (state.server.stagingMode) evidence.push('this is a STAGING server: the threshold is tenant-wide, a change here also reaches the active server');
    const stopped = running && (last?.result === STOPPED || (e116 !== undefined && (!last || e116.at >= last.at)));
    const classification = !running ? 'unknown' : stopped ? 'threshold-exceeded' : 'healthy';
    evidence.push(`diagnosis: ${classification}`);
    return {
      output: {
        classification,
        server: state.server.name,
        entraConnector: state.entraConnector,
        pendingDeletes: parsed ? Number(parsed[1]) : null,
        thresholdBefore: parsed ? Number(parsed[2]) : null,
        signInMode: state.signIn,
        signInArgs: SIGN_IN_ARGS[state.signIn],
        stagingMode: state.server.stagingMode,
      },
      evidence,
    };
  },

  async showDeletes({ state, ctx }) {
    await simulatedWork(ctx, `csexport "${state.entraConnector}" /f:x`);
    const deletes = host.pendingCount(state);
    const byType: Record<string, number> = {};
    const ous: Record<string, number> = {};
    for (const g of state.pending) {
      byType[g.type] = (byType[g.type] ?? 0) + g.count;
      ous[g.ou] = (ous[g.ou] ?? 0) + g.count;
    }
    const sample = state.pending.flatMap(pendingDns).slice(0, 10);
    const ouList = Object.entries(ous).sort((a, b) => b[1] - a[1]).map(([ou, count]) => ({ ou, count }));
    return {
      output: { deletes, byType, sample, ous: ouList },
      evidence: [
        `pending deletions: ${deletes} (${Object.entries(byType).map(([t, n]) => `${n} ${t}`).join(', ') || 'none'})`,
        ...ouList.map((o) => `from ${o.ou}: ${o.count}`),
        `sample: ${sample.join('; ')}`,
      ],
    };
  },

  async raiseThreshold({ input, apply }) {
    const value = Number(input.params.raiseTo);
    await apply('raise', (s) => host.setThreshold(s, true, value));
    return { evidence: [`Enable-ADSyncExportDeletionThreshold -DeletionThreshold ${value}: done (signed in as the operator)`] };
  },

  async disableThreshold({ apply }) {
    await apply('disable', (s) => host.setThreshold(s, false, null));
    return { evidence: ['Disable-ADSyncExportDeletionThreshold: done (signed in as the operator)'] };
  },

  async exportDeletes({ ctx, apply, reload }) {
    await simulatedWork(ctx, 'Export on the Entra connector');
    const before = host.pendingCount(reload());
    const result = (await apply('export', (s) => host.export(s), { idempotent: false })) ?? host.newestExport(reload())?.result;
    if (result === STOPPED) throw new StepFailure('the Export stopped again with stopped-deletion-threshold-exceeded: the threshold change has not taken effect', 'threshold-still-active');
    return { evidence: [`Export: ${result}`, `${before} deletions exported; pending deletions now ${host.pendingCount(reload())}`] };
  },

  restoreThreshold: restore,
  restoreAfterAbort: restore,

  async verify({ ctx, apply, reload }) {
    await simulatedWork(ctx, 'delta sync cycle');
    const since = Date.now();
    await apply('delta-sync', (s) => host.export(s));
    const s = reload();
    const result = host.newestExport(s)?.result ?? 'no-run';
    const new116 = s.events.filter((e) => e.id === 116 && e.at >= since).length;
    const pending = host.pendingCount(s);
    const evidence = [`Export: ${result}`, `new Event 116: ${new116}`, `pending deletions: ${pending}`];
    if (result !== 'success' || new116 > 0 || pending > 0) throw new StepFailure(`the delta sync did not end clean (Export ${result}, ${new116} new Event 116, ${pending} deletions pending)`, 'not-clean', evidence);
    return { output: { exportResult: result, new116, pending }, evidence };
  },
};

const probes: Record<string, (state: HostState, startedAt: number) => ProbeResult> = {
  exportDeletes(state, startedAt) {
    if (state.service.status !== 'Running') return { verdict: 'unknown', evidence: ['ADSync is not running: the run history cannot be read'] };
    const last = host.newestExport(state);
    const pending = host.pendingCount(state);
    if (last && last.at >= startedAt) {
      return last.result === 'success'
        ? { verdict: 'done', evidence: [`an Export started ${new Date(last.at).toISOString()}, after the step, ended success; pending deletions: ${pending}`] }
        : { verdict: 'not-done', evidence: [`the Export started after the step ended ${last.result}; pending deletions: ${pending}`] };
    }
    return pending === 0
      ? { verdict: 'done', evidence: ['no Export since the step started, and no deletion is pending'] }
      : { verdict: 'not-done', evidence: [`no Export since the step started; ${pending} deletions still pending`] };
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
        throw new StepFailure(`${input.stepId}: the sync engine is busy (a scheduled cycle started)`, 'transient');
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
