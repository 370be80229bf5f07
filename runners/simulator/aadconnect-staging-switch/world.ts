import { StepFailure, type ProbeResult, type Runner, type StepContext, type StepInput, type StepResult } from '../../../src/runner/contract.js';
import { confirmManualStep } from '../../manual/manual-runner.js';
import type { SimulatedWorld } from '../world-contract.js';
import { deltaCycle, fingerprint, initialState, loadState, saveState, sampleLines, validateScenario, type HostState, type Scenario, type Server } from './host.js';
import { simulatedWork } from '../simulated-work.js';

/**
 * Carries out the staging-switch runbook's steps on two simulated servers kept in one state file:
 * each role's runner (active, staging) works on its own server only, with the same decisions as
 * the PowerShell scripts in runners/powershell/aadconnect-staging-switch/.
 */

interface Call {
  input: StepInput;
  ctx: StepContext;
  server: Server;
  state: HostState;
  /** Changes this role's server once per attempt, records the effect, then marks `applied` (fault injection). */
  apply(op: string, change: (server: Server) => void): Promise<void>;
  reload(): Server;
}

const HOUR = 60 * 60_000;

function scheduler(server: Server): string {
  return `${server.name}: StagingModeEnabled ${server.stagingMode ? 'True' : 'False'}, SyncCycleEnabled ${server.syncCycleEnabled ? 'True' : 'False'}`;
}

const handlers: Record<string, (call: Call) => Promise<StepResult>> = {
  async checkActive({ server, ctx }) {
    await simulatedWork(ctx, `reading ${server.name}: scheduler, rules, connectors`);
    return {
      output: { server: server.name, build: server.build, stagingMode: server.stagingMode, syncCycleEnabled: server.syncCycleEnabled, config: fingerprint(server) },
      evidence: [
        `server ${server.name}, build ${server.build}`,
        scheduler(server),
        server.stagingMode ? 'this server is in staging mode: it is not the active server' : 'this server is active (it exports)',
        `configuration: ${server.rules.length} sync rules, connectors ${server.connectors.join(', ')}`,
      ],
    };
  },

  async checkStaging({ server, ctx, input }) {
    await simulatedWork(ctx, `reading ${server.name}: scheduler, newest runs, rules, connectors`);
    const newest = server.runs.reduce((max, r) => Math.max(max, r.at), 0);
    const lastSyncHoursAgo = newest ? Math.floor((Date.now() - newest) / HOUR) : null;
    const config = fingerprint(server);
    const evidence = [
      `server ${server.name}, build ${server.build}`,
      scheduler(server),
      lastSyncHoursAgo === null ? 'no sync run found' : `newest sync run: ${lastSyncHoursAgo} hours ago`,
      `configuration: ${server.rules.length} sync rules, connectors ${server.connectors.join(', ')}`,
    ];
    if (input.params.activeBuild && input.params.activeBuild !== server.build) evidence.push(`the builds differ: active ${input.params.activeBuild}, staging ${server.build} (the same build on both is recommended)`);
    const problems: string[] = [];
    if (typeof input.params.activeConfig === 'string' && input.params.activeConfig !== config) {
      const mine = new Set(config.split('\n'));
      const theirs = new Set(input.params.activeConfig.split('\n'));
      for (const line of theirs) if (!mine.has(line)) problems.push(`only on the active server: ${line}`);
      for (const line of mine) if (!theirs.has(line)) problems.push(`only on the staging server: ${line}`);
    }
    return { output: { server: server.name, build: server.build, stagingMode: server.stagingMode, syncCycleEnabled: server.syncCycleEnabled, lastSyncHoursAgo, config }, evidence: [...evidence, ...problems], ...(problems.length ? { problems } : {}) };
  },

  async pendingExports({ server, state, ctx }) {
    await simulatedWork(ctx, `csexport of every connector on ${server.name}`);
    const p = server.pending;
    return {
      output: { add: p.add, update: p.update, delete: p.delete, sample: sampleLines(server), threshold: state.deletionThreshold },
      evidence: [
        ...server.connectors.map((c) => `csexport "${c}": exported`),
        `pending exports on ${server.name}: ${p.add} add, ${p.update} update, ${p.delete} delete`,
        `accidental-delete threshold: ${state.deletionThreshold}`,
        ...sampleLines(server).map((l) => `sample: ${l}`),
      ],
    };
  },

  async demoteActive(call) {
    return wizard(call, true);
  },

  async checkOldActive({ server, ctx }) {
    await simulatedWork(ctx, `reading StagingModeEnabled on ${server.name}`);
    return { output: { stagingMode: server.stagingMode }, evidence: [scheduler(server), server.stagingMode ? `${server.name} is in staging mode: it no longer exports` : `${server.name} is NOT in staging mode: it still exports`] };
  },

  async promoteStaging(call) {
    const result = await wizard(call, false);
    const after = call.reload();
    if (after.stagingMode) throw new StepFailure(`${after.name} is still in staging mode: the wizard did not take effect`, 'not-effective', [...result.evidence, scheduler(after)]);
    return { ...result, evidence: [...result.evidence, scheduler(after)] };
  },

  async verifyExports({ ctx, apply, reload }) {
    await simulatedWork(ctx, 'Start-ADSyncSyncCycle -PolicyType Delta, waiting until idle');
    const since = Date.now();
    await apply('delta-sync', (s) => deltaCycle(s, since));
    const after = reload();
    const exports = after.connectors.map((connector) => ({ connector, result: after.runs.filter((r) => r.connector === connector && r.profile === 'Export' && r.at >= since).at(-1)?.result ?? 'no-export-run' }));
    const ok = exports.every((e) => e.result === 'success' || (e.result.startsWith('completed-') && e.result.endsWith('-warnings')));
    return { output: { ok, exports }, evidence: [scheduler(after), ...exports.map((e) => `${e.connector}: Export ${e.result}`)] };
  },

  async checkNewStaging({ server, ctx }) {
    await simulatedWork(ctx, `reading the scheduler of ${server.name}`);
    const problems = [...(server.stagingMode ? [] : [`${server.name} is not in staging mode`]), ...(server.syncCycleEnabled ? [] : [`the scheduler of ${server.name} is off: it will fall behind`])];
    return { output: { stagingMode: server.stagingMode, syncCycleEnabled: server.syncCycleEnabled }, evidence: [scheduler(server), ...problems], ...(problems.length ? { problems } : {}) };
  },
};

/** The guided wizard "Configure staging mode": the operator confirms, the scenario decides whether it took. */
async function wizard({ input, ctx, server, apply }: Call, enable: boolean): Promise<StepResult> {
  const evidence = await confirmManualStep(input, ctx);
  if (server.wizard === 'takes') {
    await apply(enable ? 'staging-on' : 'staging-off', (s) => {
      s.stagingMode = enable;
    });
  } else if (server.wizard === 'server-down') {
    await apply('went-down', (s) => {
      s.reachable = false;
    });
  }
  return { evidence };
}

function unreachable(server: Server): StepFailure {
  return new StepFailure(`${server.name} cannot be reached (no answer over the network)`, 'unreachable');
}

const probes: Record<string, (server: Server) => ProbeResult> = {
  demoteActive(server) {
    if (!server.reachable) return { verdict: 'unknown', evidence: [`${server.name} cannot be reached`] };
    return server.stagingMode
      ? { verdict: 'done', evidence: [scheduler(server), 'the wizard took effect: the server is in staging mode'] }
      : { verdict: 'not-done', evidence: [scheduler(server), 'the server is not in staging mode: the wizard did not take effect'] };
  },
  promoteStaging(server) {
    if (!server.reachable) return { verdict: 'unknown', evidence: [`${server.name} cannot be reached`] };
    return server.stagingMode
      ? { verdict: 'not-done', evidence: [scheduler(server), 'the server is still in staging mode: the wizard did not take effect'] }
      : { verdict: 'done', evidence: [scheduler(server), 'the server is out of staging mode: it is active'] };
  },
};

function simulatorRunner(statePath: string, role?: string): Runner {
  const serverOf = (state: HostState): Server => {
    const server = role ? state.servers[role] : undefined;
    if (!server) throw new StepFailure(`the simulated world has no server for role '${role ?? '(none)'}'`, 'no-server');
    return server;
  };
  return {
    name: 'simulator',
    canRun: (stepId) => stepId in handlers,
    canProbe: (stepId) => stepId in probes,
    async probe(input) {
      return probes[input.stepId]!(serverOf(loadState(statePath)));
    },
    async run(input, ctx) {
      const state = loadState(statePath);
      const server = serverOf(state);
      if (!server.reachable) throw unreachable(server);
      return handlers[input.stepId]!({
        input,
        ctx,
        server,
        state,
        reload: () => serverOf(loadState(statePath)),
        async apply(op, change) {
          const current = loadState(statePath);
          if (current.effects.some((e) => e.attemptId === input.attemptId && e.op === op)) return;
          change(serverOf(current));
          current.effects.push({ op, server: role!, stepId: input.stepId, attemptId: input.attemptId, at: new Date().toISOString() });
          saveState(statePath, current);
          await ctx.checkpointReached('applied');
        },
      });
    },
  };
}

const world: SimulatedWorld = {
  createRunner: simulatorRunner,
  initialize: (scenario, statePath) => saveState(statePath, initialState(scenario as unknown as Scenario)),
  validateScenario,
};

export default world;
