import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { StepFailure, type Runner, type StepContext, type StepResult } from '../../../src/runner/contract.js';
import type { SimulatedWorld } from '../world-contract.js';
import { initialState, loadState, read, saveState, validateScenario, type HealthScenario, type HostState } from './host.js';
import { simulatedWork } from '../simulated-work.js';

/**
 * Carries out the health check's four reads on the simulated server in `statePath`. Every step
 * only reads the file: the server is never changed. A drill's transient failures are counted in a
 * file of their own beside it (`<state>.training.json`), so that even a drill leaves the server
 * file byte for byte as it was.
 */

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(2)} GB`;

const handlers: Record<string, (state: HostState, ctx: StepContext) => Promise<StepResult>> = {
  async readService(state, ctx) {
    await simulatedWork(ctx, 'reading the ADSync service and the build of miiserver.exe');
    const facts = read.service(state);
    const evidence = facts.installed
      ? [`ADSync ${facts.status}, start type ${facts.startType}, logon ${facts.account}`, `build ${facts.build} (${facts.buildSource})`, `run date on ${facts.server}: ${facts.evaluatedAt}`]
      : [`${facts.server}: the ADSync service does not exist`];
    return { output: facts as never, evidence };
  },

  async readEvents(state, ctx) {
    await simulatedWork(ctx, 'reading the System and Application logs');
    const facts = read.events(state);
    return {
      output: facts as never,
      evidence: [
        `last start: ${facts.lastStart ?? 'none'} (${facts.lastStartSource})`,
        `Event 6028 since then: ${facts.keyErrorsSinceStart}`,
        `watched events since ${facts.since}: ${facts.events.length ? facts.events.map((e) => e.id).join(', ') : 'none'}`,
      ],
    };
  },

  async readDatabase(state, ctx) {
    await simulatedWork(ctx, 'reading the database location and file sizes');
    const facts = read.database(state);
    const evidence = !facts.collected
      ? [`not collected: ${facts.reason}`]
      : facts.kind === 'SQL'
        ? [`database on SQL Server ${facts.server} (instance ${facts.instance})`]
        : [`LocalDB ${facts.server} instance ${facts.instance}`, ...facts.files.map((f) => `${f.path}: ${gb(f.bytes)}`)];
    return { output: facts as never, evidence };
  },

  async readSyncEngine(state, ctx) {
    await simulatedWork(ctx, 'asking the sync engine: scheduler, run history, Entra identity');
    const facts = read.engine(state);
    if (!facts.collected) return { output: facts as never, evidence: [`not collected: ${facts.reason}`] };
    const sch = facts.scheduler!;
    return {
      output: facts as never,
      evidence: [
        `scheduler: SyncCycleEnabled ${sch.syncCycleEnabled}, SchedulerSuspended ${sch.schedulerSuspended}, StagingModeEnabled ${sch.stagingModeEnabled}`,
        ...facts.connectors.map((c) => `${c.name}: ${c.runs[0] ? `${c.runs[0].profile} ${c.runs[0].result} at ${c.runs[0].start}` : 'no runs'}`),
        `Entra connector: ${facts.entraIdentity.type} (${facts.entraIdentity.source})`,
        `auto-upgrade: ${facts.autoUpgrade}`,
      ],
    };
  },
};

/** What a drill's transient failure says. */
const FAULT_MESSAGES: Record<string, string> = {
  readService: 'Get-CimInstance: the WinRM client cannot complete the operation (timeout)',
  readEvents: 'Get-WinEvent: The RPC server is unavailable (the event log service did not answer)',
  readDatabase: 'Get-Item: access to the Data folder was denied (a backup agent held a lock)',
  readSyncEngine: 'Get-ADSyncScheduler: the sync service did not answer in time (it is busy starting)',
};

/** Fails a drill's step once (per run), counting in the training file beside the state. */
function trainingFault(statePath: string, stepId: string): boolean {
  const scenario = JSON.parse(readFileSync(`${statePath}.scenario.json`, 'utf8')) as Pick<HealthScenario, 'faults'>;
  if (!scenario.faults?.failOnce.includes(stepId)) return false;
  const file = `${statePath}.training.json`;
  const fired: string[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  if (fired.includes(stepId)) return false;
  writeFileSync(file, JSON.stringify([...fired, stepId]));
  return true;
}

function simulatorRunner(statePath: string): Runner {
  return {
    name: 'simulator',
    canRun: (stepId) => stepId in handlers,
    async run(input, ctx) {
      const handler = handlers[input.stepId]!;
      const state = loadState(statePath);
      if (existsSync(`${statePath}.scenario.json`) && trainingFault(statePath, input.stepId)) {
        throw new StepFailure(FAULT_MESSAGES[input.stepId] ?? `${input.stepId}: a transient error (simulated)`, 'transient');
      }
      return handler(state, ctx);
    },
  };
}

const world: SimulatedWorld = {
  createRunner: simulatorRunner,
  initialize(scenario, statePath) {
    const s = scenario as HealthScenario;
    saveState(statePath, initialState(s));
    // a drill's faults live beside the server, never in it
    if (s.faults) writeFileSync(`${statePath}.scenario.json`, JSON.stringify({ faults: s.faults }));
  },
  validateScenario,
};

export default world;
