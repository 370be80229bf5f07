import { assign, setup } from 'xstate';
import { defineRunbook } from '../src/runbook/define.js';
import type { PromptMeta } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import type { EngineContext } from '../src/runbook/step-states.js';

/**
 * Recovering an Entra Connect Sync (Azure AD Connect) server whose LocalDB database reached the
 * 10 GB limit of SQL Express (Event 6323, runs ending `stopped-database-disk-full`).
 *
 * Path when the service cannot start: detect, one start attempt, back up the two database files,
 * shrink, start, then the common tail. Path when the service still runs: straight to the common
 * tail, never stopping it. Common tail: read the scheduler, a typed confirmation, purge run
 * history older than two days, shorten the retention, verify with a delta sync, summary.
 * Pure orchestration: every effect is a named step actor that a runner carries out.
 */

export type Classification =
  | 'localdb-full-stopped'
  | 'localdb-full-running'
  | 'key-unreadable'
  | 'model-corruption'
  | 'real-sql'
  | 'healthy'
  | 'unknown';

export interface Diagnosis {
  classification: Classification;
  server: string;
  serviceStatus: string;
  /** LocalDB instance name (ADSync on 1.x, ADSync2019 on 2.x), from the registry. */
  instance: string | null;
  dbName: string;
  dataFolder: string | null;
  backupFolder: string | null;
  mdfMb: number | null;
  ldfMb: number | null;
  sqlcmd: string | null;
}

interface Context extends EngineContext {
  server: string | null;
  classification: Classification | null;
  instance: string | null;
  dbName: string;
  dataFolder: string | null;
  backupFolder: string | null;
  mdfMbBefore: number | null;
  ldfMbBefore: number | null;
  shrinkFreedMb: number | null;
  retentionBefore: string | null;
  stagingMode: boolean | null;
  /** How the run reached the purge: 'running' (never stopped) or 'started' (after a start). */
  route: 'running' | 'started' | null;
}

const STEP_IDS = [
  'detect',
  'tryStart',
  'backupDatabase',
  'shrinkDatabase',
  'startService',
  'preparePurge',
  'purgeHistory',
  'shortenRetention',
  'verify',
  'summary',
] as const;

type Args = { context: Context; event: any };

const confirmPurge: PromptMeta = {
  kind: 'prompt',
  title: 'Confirm: delete the sync run history older than two days on {server}',
  instructions: [
    'The next step deletes every sync run record older than two days from the ADSync database on {server}.',
    'This is what frees space inside the database; the records cannot be brought back afterwards.',
    'If you must keep them (audit, an open support case), export them first with ADSyncTools',
    '(Export-ADSyncToolsRunHistory -TargetName <file>) and only then confirm.',
    'Afterwards the retention is shortened from {retentionBefore} to two days.',
  ],
  prompt: {
    type: 'typed-confirm',
    id: 'confirmPurge',
    message: 'Type the server name ({server}) to delete the old run history, or leave empty to cancel',
    event: 'CONFIRM',
    field: 'typed',
    cancelEvent: 'CANCEL',
    expected: '{server}',
  },
};

const SHRINK_QUERY = 'DBCC SHRINKDATABASE({dbName},1)';

const machine = setup({
  types: {} as { context: Context },
  actors: stepActors(STEP_IDS),
  guards: {
    ...engineGuards,
    diagnosedAs: ({ event }: Args, params: { classification: Classification }) => event.output?.classification === params.classification,
    serviceRunning: ({ event }: Args) => event.output?.running === true,
    failedWith6323: ({ event }: Args) => event.output?.running === false && Number(event.output?.new6323 ?? 0) > 0,
    typedServerName: ({ context, event }: Args) =>
      typeof event.typed === 'string' && context.server !== null && event.typed.trim().toLowerCase() === context.server.toLowerCase(),
    verifiedClean: ({ event }: Args) =>
      event.output?.running === true && Number(event.output?.new6323 ?? 0) === 0 && Array.isArray(event.output?.diskFull) && event.output.diskFull.length === 0,
  },
  actions: {
    ...engineActions,
    recordDiagnosis: assign(({ event }: Args) => {
      const d = event.output as Diagnosis;
      return {
        server: d.server,
        classification: d.classification,
        instance: d.instance ?? null,
        dbName: d.dbName || 'ADSync',
        dataFolder: d.dataFolder ?? null,
        backupFolder: d.backupFolder ?? null,
        mdfMbBefore: d.mdfMb ?? null,
        ldfMbBefore: d.ldfMb ?? null,
      };
    }),
    routeRunning: assign(() => ({ route: 'running' as const })),
    routeStarted: assign(() => ({ route: 'started' as const })),
    recordBackup: assign(({ context, event }: Args) => ({ backupFolder: (event.output?.backupFolder as string | undefined) ?? context.backupFolder })),
    recordShrink: assign(({ event }: Args) => ({ shrinkFreedMb: typeof event.output?.freedMb === 'number' ? event.output.freedMb : null })),
    recordScheduler: assign(({ event }: Args) => ({
      retentionBefore: (event.output?.retention as string | undefined) ?? null,
      stagingMode: typeof event.output?.stagingMode === 'boolean' ? event.output.stagingMode : null,
    })),
  },
}).createMachine({
  id: 'aadconnect-localdb-full',
  initial: 'detect',
  context: {
    ...engineContext(),
    server: null,
    classification: null,
    instance: null,
    dbName: 'ADSync',
    dataFolder: null,
    backupFolder: null,
    mdfMbBefore: null,
    ldfMbBefore: null,
    shrinkFreedMb: null,
    retentionBefore: null,
    stagingMode: null,
    route: null,
  },
  states: {
    ...step(
      'detect',
      {
        title: 'Find out whether the sync database is full',
        instructions: [
          'Read, without changing anything: the state of the ADSync service; where its database lives (registry',
          'Services\\ADSync\\Parameters: Server, SQLInstance, DBName, Path); the size of ADSync.mdf and ADSync_log.ldf in',
          'the Data folder or its ADSync2019 subfolder; which sqlcmd this build has; Application events 6323 (out of',
          'database space), 6028 (encryption key), 528 with 2005/6226 (LocalDB model database damaged); and, when the',
          'service runs, the newest run result of every connector (stopped-database-disk-full).',
          'Only a LocalDB database has the 10 GB limit: a server on a full SQL Server is handed over to its DBA.',
        ],
        commands: [
          'Get-Service ADSync',
          "Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\ADSync\\Parameters' Path,Server,SQLInstance,DBName",
          "Get-Item \"$Path\\Data\\ADSync.mdf\",\"$Path\\Data\\ADSync_log.ldf\" (and the same under Data\\ADSync2019)",
          "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6323,6028,528,2005,6226; StartTime=$lastStart}",
          'Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier -NumberRequested 5 }',
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
      },
      {
        onDone: [
          { target: 'keyProblem', guard: { type: 'diagnosedAs', params: { classification: 'key-unreadable' } }, actions: ['recordDiagnosis'] },
          { target: 'modelCorruption', guard: { type: 'diagnosedAs', params: { classification: 'model-corruption' } }, actions: ['recordDiagnosis'] },
          { target: 'realSql', guard: { type: 'diagnosedAs', params: { classification: 'real-sql' } }, actions: ['recordDiagnosis'] },
          { target: 'nothingToDo', guard: { type: 'diagnosedAs', params: { classification: 'healthy' } }, actions: ['recordDiagnosis'] },
          {
            target: 'preparePurge',
            guard: { type: 'diagnosedAs', params: { classification: 'localdb-full-running' } },
            actions: ['recordDiagnosis', 'routeRunning'],
          },
          { target: 'tryStart', guard: { type: 'diagnosedAs', params: { classification: 'localdb-full-stopped' } }, actions: ['recordDiagnosis'] },
          { target: 'unknownSymptom', actions: ['recordDiagnosis'] },
        ],
      },
    ),
    ...step(
      'tryStart',
      {
        title: 'Try to start the sync service once',
        instructions: [
          'The service is stopped. Start it once: a database with a little room left may still let it start.',
          'If it starts, nothing is shrunk and the run goes on to clean up the run history.',
          'If it fails with a new Event 6323 the database is full: the files are backed up and shrunk next.',
          'A start that fails for any other reason is not this procedure: the run hands over.',
        ],
        commands: ['Start-Service ADSync', "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6323; StartTime=$attempt}"],
        destructive: false,
        idempotent: true,
        timeoutMs: 5 * 60_000,
        planOutput: { running: false, new6323: 1 },
      },
      {
        onDone: [
          { target: 'preparePurge', guard: 'serviceRunning', actions: ['routeStarted'] },
          { target: 'backupDatabase', guard: 'failedWith6323' },
          { target: 'unknownSymptom' },
        ],
      },
    ),
    ...step(
      'backupDatabase',
      {
        title: 'Back up ADSync.mdf and ADSync_log.ldf',
        instructions: [
          'Copy the two database files from {dataFolder} to {backupFolder} before anything touches them.',
          'The copy is checked first: when both files are already there with the same size and time, nothing is copied again.',
          'It needs free space for a full copy (up to about 10 GB). If Windows says the file is in use, the LocalDB',
          'instance still holds it: wait a few minutes for it to shut down (or stop it with SqlLocalDB.exe stop {instance}) and retry.',
          'This copy is a safety net only: never copy it back over a live database.',
        ],
        commands: [
          "New-Item -ItemType Directory -Force '{backupFolder}'",
          "Copy-Item '{dataFolder}\\{dbName}.mdf','{dataFolder}\\{dbName}_log.ldf' '{backupFolder}'",
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 60 * 60_000,
        planOutput: { backupFolder: '<backup folder>', alreadyDone: false },
      },
      {
        params: (context: Context) => ({
          dataFolder: context.dataFolder,
          backupFolder: context.backupFolder,
          dbName: context.dbName,
          instance: context.instance,
        }),
        onDone: { target: 'shrinkDatabase', actions: ['recordBackup'] },
      },
    ),
    ...step(
      'shrinkDatabase',
      {
        title: 'Shrink the ADSync database',
        instructions: [
          'With the service stopped, ask LocalDB to give unused space in the files back (DBCC SHRINKDATABASE) over a',
          'Windows-authenticated sqlcmd connection to (localdb)\\.\\{instance}. sqlcmd is looked for in the SQL 2012 tools',
          'folder (110\\Tools\\Binn, 1.x builds) and in Client SDK\\ODBC\\170\\Tools\\Binn (2.x builds); the step stops with a',
          'clear error when neither exists. Shrinking is best effort: it may free little or nothing, and it fragments',
          'the database. Repeating it is harmless.',
        ],
        commands: [
          '& "$env:ProgramFiles\\Microsoft SQL Server\\Client SDK\\ODBC\\170\\Tools\\Binn\\SQLCMD.EXE" -S "(localdb)\\.\\{instance}" -E -b -Q "' + SHRINK_QUERY + '"',
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 60 * 60_000,
        planOutput: { beforeMb: 10200, afterMb: 9800, freedMb: 400 },
      },
      {
        params: (context: Context) => ({ instance: context.instance, dbName: context.dbName, dataFolder: context.dataFolder }),
        onDone: { target: 'startService', actions: ['recordShrink'] },
      },
    ),
    ...step(
      'startService',
      {
        title: 'Start the sync service after the shrink',
        instructions: [
          'Start ADSync again. If it runs, the run goes on to clean up the run history.',
          'If it fails again with Event 6323 the shrink did not free enough: the run stops here and hands over to Microsoft support.',
        ],
        commands: ['Start-Service ADSync', "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6323; StartTime=$attempt}"],
        destructive: false,
        idempotent: true,
        timeoutMs: 5 * 60_000,
        planOutput: { running: true, new6323: 0 },
      },
      {
        onDone: [
          { target: 'preparePurge', guard: 'serviceRunning', actions: ['routeStarted'] },
          { target: 'stillFull', guard: 'failedWith6323' },
          { target: 'unknownSymptom' },
        ],
      },
    ),
    ...step(
      'preparePurge',
      {
        title: 'Read the scheduler and the run history',
        instructions: [
          'Read, without changing anything: the run history retention (PurgeRunHistoryInterval), whether this is a staging',
          'server, how many runs are older than two days, and the database size now. The retention read here is the',
          'value to restore later if you decide to go back.',
        ],
        commands: ['Get-ADSyncScheduler', 'Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier }'],
        destructive: false,
        idempotent: true,
        readOnly: true,
        planOutput: { retention: '7.00:00:00', stagingMode: false, runsOlder: 100 },
      },
      { onDone: { target: 'confirmPurge', actions: ['recordScheduler'] } },
    ),
    confirmPurge: {
      meta: confirmPurge,
      on: {
        CONFIRM: { target: 'purgeHistory', guard: 'typedServerName' },
        CANCEL: { target: 'aborted' },
      },
    },
    ...step(
      'purgeHistory',
      {
        title: 'Delete the run history older than two days',
        instructions: [
          'Wait until no sync run is in progress, then delete the run history older than two days with Start-ADSyncPurgeRunHistory',
          '(the same as Operations > Actions > Clear Runs in Synchronization Service Manager). The records are gone for good.',
          'On a large history this can take a long time. If the run is interrupted while it purges, look at the Operations',
          'tab before running it again.',
        ],
        commands: [
          'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }',
          'Start-ADSyncPurgeRunHistory -PurgeRunHistoryInterval (New-TimeSpan -Days 2)',
        ],
        destructive: true,
        idempotent: false,
        maxAttempts: 2,
        timeoutMs: 60 * 60_000,
        probe: {
          instructions: [
            'Read the oldest run left in the history: newer than two days before the step started means the purge took effect;',
            'an older run still there means it did not. While a sync or the purge itself still runs, it cannot tell.',
          ],
          commands: ['Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier } | Sort-Object StartDate | Select-Object -First 1'],
        },
      },
      { onDone: { target: 'shortenRetention' } },
    ),
    ...step(
      'shortenRetention',
      {
        title: 'Keep run history for two days from now on',
        instructions: [
          'Set the scheduler to purge run history older than two days (it was {retentionBefore}); a longer value is shortened,',
          'a shorter one is left alone. Scheduler settings are kept in Entra ID, so this change may also reach the other',
          'server of an active/staging pair: tell whoever runs that server. To undo: Set-ADSyncScheduler -PurgeRunHistoryInterval {retentionBefore}.',
        ],
        commands: ['Set-ADSyncScheduler -PurgeRunHistoryInterval 2.00:00:00', '(Get-ADSyncScheduler).PurgeRunHistoryInterval'],
        destructive: false,
        idempotent: true,
        skippable: true,
        planOutput: { before: '7.00:00:00', after: '2.00:00:00' },
      },
      {
        params: (context: Context) => ({ retentionBefore: context.retentionBefore }),
        onDone: { target: 'verify' },
        skipTo: 'verify',
      },
    ),
    ...step(
      'verify',
      {
        title: 'Verify with a delta sync',
        instructions: [
          'The service must be running; a delta sync cycle must finish without any connector ending in',
          'stopped-database-disk-full and without a new Event 6323. Other failures are reported, they are not this procedure.',
        ],
        commands: [
          'Get-Service ADSync',
          'Start-ADSyncSyncCycle -PolicyType Delta',
          'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }',
          'Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier -NumberRequested 1 }',
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 30 * 60_000,
        planOutput: { running: true, new6323: 0, diskFull: [], otherFailures: [] },
      },
      {
        onDone: [
          { target: 'summary', guard: 'verifiedClean' },
          { target: 'stillFull' },
        ],
      },
    ),
    ...step(
      'summary',
      {
        title: 'Summary and the long-term plan',
        instructions: [
          'Measure the database again and compare with the start ({mdfMbBefore} MB data file). The space freed now is only',
          'breathing room: a LocalDB database that reached 10 GB holds too many objects for SQL Express (roughly 100,000',
          'and more). Plan a new Connect server on a full SQL Server and move to it (staging server, then swap);',
          'LocalDB cannot be changed to SQL Server in place. Keep the backup in {backupFolder} until sync has run well for some days.',
        ],
        commands: ['Get-Item "{dataFolder}\\{dbName}.mdf","{dataFolder}\\{dbName}_log.ldf"'],
        destructive: false,
        idempotent: true,
        readOnly: true,
        skippable: true,
      },
      {
        params: (context: Context) => ({
          dataFolder: context.dataFolder,
          dbName: context.dbName,
          mdfMbBefore: context.mdfMbBefore,
          backupFolder: context.backupFolder ?? '(no backup was needed)',
          route: context.route,
        }),
        onDone: { target: 'done' },
        skipTo: 'done',
      },
    ),
    done: final(
      'Recovered',
      'success',
      'ADSync runs and a delta sync finished without running out of database space. Plan the move to a full SQL Server: the database will fill up again.',
    ),
    nothingToDo: final(
      'Nothing to do',
      'nothing-to-do',
      'The service runs, no Event 6323 or stopped-database-disk-full result was found and the database is below the limit. Nothing was changed.',
    ),
    keyProblem: final(
      'Not this runbook: the encryption key cannot be read',
      'handed-over',
      'Event 6028: the sync service cannot open its encryption key. That is a different procedure: run aadconnect-encryption-key. Nothing was changed here.',
    ),
    modelCorruption: final(
      'Not this runbook: the LocalDB model database is damaged',
      'handed-over',
      'Events 528 with 2005/6226: the LocalDB instance cannot start because its model database is damaged (known on 2.0.x, fixed in 2.1.1.0). Follow Microsoft\'s model database repair article or upgrade; nothing was changed here.',
    ),
    realSql: final(
      'Not this runbook: the database is on a full SQL Server',
      'handed-over',
      'The sync database is not LocalDB, so the 10 GB limit does not apply. A full database or disk on that SQL Server is for its DBA. Nothing was changed.',
    ),
    unknownSymptom: final(
      'Not this runbook: no sign of a full database',
      'handed-over',
      'The service is stopped or would not start, and nothing points at a full LocalDB database (no Event 6323, no disk-full results). Nothing destructive was done; triage the event logs.',
    ),
    stillFull: final(
      'Still out of database space: contact Microsoft support',
      'handed-over',
      'The database is still full after the documented steps. Open a case with Microsoft support; options to discuss: Clear all runs, Start-ADSyncPurgeRunHistory -Offline, and an early move to a full SQL Server.',
    ),
    aborted: final('Aborted', 'aborted', 'The run was stopped by the operator. What was done is in the journal.'),
  } as any,
});

export default defineRunbook({
  id: 'aadconnect-localdb-full',
  family: 'aadconnect',
  title: 'Recover an Entra Connect Sync server whose LocalDB database is full (10 GB)',
  summary:
    'Event 6323 / runs ending stopped-database-disk-full: back up and shrink when the service cannot start, then delete old run history, shorten the retention and verify with a delta sync.',
  appliesTo: 'A Windows server running Azure AD Connect / Entra Connect Sync with its database on SQL Express LocalDB (the default install).',
  defaultScenario: 'service-will-not-start',
  machine,
});
