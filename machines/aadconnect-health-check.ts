import { assign, setup } from 'xstate';
import { defineRunbook } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import type { EngineContext } from '../src/runbook/step-states.js';
import { assess, reportLines, type Ending, type HealthFacts } from './lib/aadconnect-health-assess.js';

/**
 * A read-only health check of an Azure AD Connect / Entra Connect Sync server: four reads (the
 * service and build, the event log, the database files, the sync engine), then a verdict per
 * check and the end that fits. Nothing is changed on the server or in the tenant. The judgement
 * lives in ./lib/aadconnect-health-assess.ts and the support deadlines in ./data/aadconnect-support.ts.
 */

interface Context extends EngineContext {
  facts: HealthFacts;
}

const STEP_IDS = ['readService', 'readEvents', 'readDatabase', 'readSyncEngine'] as const;

type Args = { context: Context; event: any };

const READ_ONLY = { destructive: false, idempotent: true, readOnly: true } as const;

const machine = setup({
  types: {} as { context: Context },
  actors: stepActors(STEP_IDS),
  guards: {
    ...engineGuards,
    endsAs: ({ context, event }: Args, params: { ending: Ending }) => assess({ ...context.facts, engine: event.output ?? null }).ending === params.ending,
  },
  actions: {
    ...engineActions,
    recordService: assign(({ context, event }: Args) => ({ facts: { ...context.facts, service: event.output ?? null } })),
    recordEvents: assign(({ context, event }: Args) => ({ facts: { ...context.facts, events: event.output ?? null } })),
    recordDatabase: assign(({ context, event }: Args) => ({ facts: { ...context.facts, database: event.output ?? null } })),
    recordEngine: assign(({ context, event }: Args) => ({ facts: { ...context.facts, engine: event.output ?? null } })),
  },
}).createMachine({
  id: 'aadconnect-health-check',
  initial: 'readService',
  context: {
    ...engineContext(),
    facts: { service: null, events: null, database: null, engine: null },
  },
  states: {
    ...step(
      'readService',
      {
        title: 'Read the sync service and its build',
        instructions: [
          'Look at the ADSync service: is it running, does it start with the server, and which account does it log on as.',
          'Read the build from the file version of miiserver.exe in the install folder; the build is judged later against',
          'the support table (retired builds, the 2.5.79.0 floor, 2.6.84.0 with application authentication, withdrawn builds).',
          'This works whether or not the service runs.',
        ],
        commands: [
          'Get-Service ADSync',
          "(Get-CimInstance Win32_Service -Filter \"Name='ADSync'\").StartName",
          "(Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\ADSync\\Parameters').Path",
          "(Get-Item '<install>\\Bin\\miiserver.exe').VersionInfo",
        ],
        ...READ_ONLY,
      },
      { onDone: { target: 'readEvents', actions: ['recordService'] } },
    ),
    ...step(
      'readEvents',
      {
        title: 'Read the event log',
        instructions: [
          'Find when the service last started and count Event 6028 (the encryption key cannot be read) since then.',
          'List the watched sync events of the last 24 hours: 6323 database full, 6000 AD DS credentials, 6900/659 Entra sign-in,',
          '116 deletions held back, 906/1011/1012 application certificate, 528/2005/6226 LocalDB errors.',
        ],
        commands: [
          "Get-WinEvent -FilterHashtable @{LogName='System'; Id=7036; StartTime=(Get-Date).AddDays(-30)}",
          "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6028; StartTime=$lastStart}",
          "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6323,6000,6028,6900,659,116,906,1011,1012,528,2005,6226; StartTime=(Get-Date).AddDays(-1)}",
        ],
        ...READ_ONLY,
      },
      { onDone: { target: 'readDatabase', actions: ['recordEvents'] } },
    ),
    ...step(
      'readDatabase',
      {
        title: 'Measure the LocalDB database',
        instructions: [
          'Read which SQL instance holds the sync database. For LocalDB (SQL Express, limited to 10 GB), add up the sizes of',
          'ADSync.mdf and ADSync_log.ldf in the Data folder (or Data\\ADSync2019). Policy: warn from 8 GB, fail from 9.5 GB.',
        ],
        commands: [
          "Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\ADSync\\Parameters' | Select-Object Server, SQLInstance, DBName",
          "Get-Item '<install>\\Data\\ADSync2019\\ADSync.mdf', '<install>\\Data\\ADSync2019\\ADSync_log.ldf' | Select-Object FullName, Length",
        ],
        ...READ_ONLY,
      },
      { onDone: { target: 'readSyncEngine', actions: ['recordDatabase'] } },
    ),
    ...step(
      'readSyncEngine',
      {
        title: 'Read the scheduler, the connectors and the Entra identity',
        instructions: [
          'Ask the sync engine for the scheduler settings (enabled, suspended by an open wizard, staging mode, next cycle),',
          'whether a run is in progress, the newest run results of every connector (sorted by start time), the identity',
          'of the Entra connector and the auto-upgrade state. These need the running service: when it is stopped they are',
          'reported as not collected, not as failed.',
        ],
        commands: [
          'Get-ADSyncScheduler',
          'Get-ADSyncConnectorRunStatus',
          'Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier -NumberRequested 10 }',
          'Get-ADSyncEntraConnectorCredential',
          'Get-ADSyncAutoUpgrade -Detail',
        ],
        ...READ_ONLY,
      },
      {
        onDone: [
          { target: 'handOverLocalDb', guard: { type: 'endsAs', params: { ending: 'localDbFull' } }, actions: ['recordEngine'] },
          { target: 'handOverEncryptionKey', guard: { type: 'endsAs', params: { ending: 'encryptionKey' } }, actions: ['recordEngine'] },
          { target: 'problemsFound', guard: { type: 'endsAs', params: { ending: 'problems' } }, actions: ['recordEngine'] },
          { target: 'healthyWithWarnings', guard: { type: 'endsAs', params: { ending: 'warnings' } }, actions: ['recordEngine'] },
          { target: 'healthy', actions: ['recordEngine'] },
        ],
      },
    ),
    healthy: final('Healthy', 'success', 'Every check passed. Nothing was changed.'),
    healthyWithWarnings: final(
      'Healthy, with warnings',
      'success',
      'Nothing is failing now, but the report lists warnings (a deadline ahead, a database filling up, an open wizard...) to plan for. Nothing was changed.',
    ),
    handOverLocalDb: final(
      'Not healthy: the LocalDB database is full or nearly full',
      'handed-over',
      'Follow runbook aadconnect-localdb-full next (the report lists every other finding). Nothing was changed.',
    ),
    handOverEncryptionKey: final(
      'Not healthy: the encryption key cannot be read',
      'handed-over',
      'Event 6028: follow runbook aadconnect-encryption-key next (the report lists every other finding). Nothing was changed.',
    ),
    problemsFound: final(
      'Not healthy: problems found',
      'handed-over',
      'At least one check failed; the report names the procedure that fits each failure. Nothing was changed.',
    ),
    aborted: final('Aborted', 'aborted', 'The check was stopped by the operator before it finished. Nothing was changed.'),
  } as any,
});

export default defineRunbook({
  id: 'aadconnect-health-check',
  family: 'aadconnect',
  title: 'Health check of an Azure AD Connect (Entra Connect) Sync server',
  summary:
    'Read-only: service, build and support deadlines, encryption key, events, LocalDB size, scheduler, staging, connector runs, Entra identity; one verdict per check and the runbook that fits each failure.',
  appliesTo: 'A Windows server running Azure AD Connect / Entra Connect Sync, checked as a local administrator; no Entra sign-in is needed.',
  defaultScenario: 'healthy',
  readOnly: true,
  machine,
  result(context) {
    const facts = (context as Partial<Context> | undefined)?.facts ?? { service: null, events: null, database: null, engine: null };
    const assessment = assess(facts);
    return { lines: reportLines(assessment), data: JSON.parse(JSON.stringify(assessment)) };
  },
});
