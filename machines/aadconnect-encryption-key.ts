import { assign, setup } from 'xstate';
import { defineRunbook } from '../src/runbook/define.js';
import type { PromptMeta } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import type { EngineContext } from '../src/runbook/step-states.js';

/**
 * Recovering the Azure AD Connect (Entra Connect) Sync encryption key, in the 2026 order:
 * stop, abandon, start, AD DS password per connector, restart, Entra connector account, start,
 * verify. Pure orchestration: every effect is a named step actor that a runner carries out.
 */

export type Classification =
  | 'key-unreadable'
  | 'logon-failure'
  | 'stale-connector-credential'
  | 'localdb-full'
  | 'healthy'
  | 'unknown';

export interface Diagnosis {
  classification: Classification;
  server: string;
  /** AD connectors whose stored password no longer works (Event 6000 / no-start-credentials). */
  staleConnectors: string[];
}

export interface PreCheckFacts {
  build: string;
  accountType: 'domain' | 'virtual' | 'gmsa' | 'smsa' | 'local' | 'unknown';
  accountName: string;
  stagingMode: boolean | null;
  entraIdentity: 'ServiceAccount' | 'Application' | 'unknown';
}

export interface VerifyReport {
  failingAdConnectors: string[];
  entraFailing: boolean;
}

interface Context extends EngineContext {
  server: string | null;
  classification: Classification | null;
  facts: PreCheckFacts | null;
  connectors: string[];
  pending: string[];
  entraDone: boolean;
  verifyRounds: number;
}

const MAX_VERIFY_ROUNDS = 3;
const STEP_IDS = [
  'detect',
  'fixServiceLogon',
  'preChecks',
  'stopService',
  'abandonKey',
  'startNewKey',
  'connectorPassword',
  'restartService',
  'reinitEntra',
  'reinitEntraManual',
  'startAfterReinit',
  'verify',
] as const;

type Args = { context: Context; event: any };

const confirmAbandon: PromptMeta = {
  kind: 'prompt',
  title: 'Confirm: abandon the encryption key on {server}',
  instructions: [
    'The next steps stop the sync service and abandon its encryption key. Abandoning is irreversible:',
    'every stored connector password becomes unreadable and must be entered again afterwards.',
    'Make sure you are on the affected server and that you have the AD DS connector account password of every forest',
    '(or can reset it in AD) and a Hybrid Identity Administrator for Entra ID.',
  ],
  prompt: {
    type: 'typed-confirm',
    id: 'confirmAbandon',
    message: 'Type the server name ({server}) to confirm, or leave empty to cancel',
    event: 'CONFIRM',
    field: 'typed',
    cancelEvent: 'CANCEL',
    expected: '{server}',
  },
};

const machine = setup({
  types: {} as { context: Context },
  actors: stepActors(STEP_IDS),
  guards: {
    ...engineGuards,
    diagnosedAs: ({ event }: Args, params: { classification: Classification }) =>
      event.output?.classification === params.classification,
    staleConnectorsFound: ({ event }: Args) =>
      event.output?.classification === 'stale-connector-credential' && event.output.staleConnectors?.length > 0,
    typedServerName: ({ context, event }: Args) =>
      typeof event.typed === 'string' &&
      context.server !== null &&
      event.typed.trim().toLowerCase() === context.server.toLowerCase(),
    foundConnectors: ({ event }: Args) => Array.isArray(event.output?.connectors) && event.output.connectors.length > 0,
    moreConnectorsPending: ({ context }: Args) => context.pending.length > 1,
    entraReinitNeeded: ({ context }: Args) => !context.entraDone && context.facts?.entraIdentity !== 'Application',
    interactiveSignInRequired: ({ event }: Args) => event.output?.interactiveSignInRequired === true,
    verifiedClean: ({ event }: Args) =>
      event.output?.failingAdConnectors?.length === 0 && event.output?.entraFailing === false,
    adConnectorsFailing: ({ context, event }: Args) =>
      context.verifyRounds < MAX_VERIFY_ROUNDS && event.output?.failingAdConnectors?.length > 0,
    entraFailing: ({ context, event }: Args) =>
      context.verifyRounds < MAX_VERIFY_ROUNDS && event.output?.entraFailing === true,
  },
  actions: {
    ...engineActions,
    recordDiagnosis: assign(({ event }: Args) => ({
      server: event.output.server as string,
      classification: event.output.classification as Classification,
    })),
    repairStaleConnectors: assign(({ event }: Args) => ({
      connectors: event.output.staleConnectors as string[],
      pending: event.output.staleConnectors as string[],
      entraDone: true,
    })),
    recordFacts: assign(({ event }: Args) => ({ facts: event.output as PreCheckFacts })),
    recordConnectors: assign(({ event }: Args) => ({
      connectors: (event.output?.connectors ?? []) as string[],
      pending: (event.output?.connectors ?? []) as string[],
    })),
    connectorDone: assign(({ context }: Args) => ({ pending: context.pending.slice(1) })),
    entraDone: assign(() => ({ entraDone: true })),
    retryFailingConnectors: assign(({ context, event }: Args) => ({
      pending: event.output.failingAdConnectors as string[],
      verifyRounds: context.verifyRounds + 1,
    })),
    retryEntra: assign(({ context }: Args) => ({ entraDone: false, verifyRounds: context.verifyRounds + 1 })),
    verifyExhausted: assign(({ context }: Args) => ({
      _failures: context._failures + 1,
      _lastError: {
        stepId: 'verify',
        category: 'still-failing',
        message: `connectors still fail after ${MAX_VERIFY_ROUNDS} rounds of fixes`,
      },
    })),
  },
}).createMachine({
  id: 'aadconnect-encryption-key',
  initial: 'detect',
  context: {
    ...engineContext(),
    server: null,
    classification: null,
    facts: null,
    connectors: [],
    pending: [],
    entraDone: false,
    verifyRounds: 0,
  },
  states: {
    ...step(
      'detect',
      {
        title: 'Detect what is wrong',
        instructions: [
          'Read the state of the ADSync service and the Application and System event logs since the last start.',
          'Event 6028 means the encryption key cannot be read; 7038 / error 1069 mean the service cannot log on;',
          '6000 or no-start-credentials mean a stale AD DS connector password; 6323 means the LocalDB database is full.',
        ],
        commands: [
          "Get-Service ADSync",
          "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6028,6000,6323; StartTime=$since}",
          "Get-WinEvent -FilterHashtable @{LogName='System'; Id=7038; StartTime=$since}",
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
      },
      {
        onDone: [
          { target: 'fixServiceLogon', guard: { type: 'diagnosedAs', params: { classification: 'logon-failure' } }, actions: ['recordDiagnosis'] },
          { target: 'localDbFull', guard: { type: 'diagnosedAs', params: { classification: 'localdb-full' } }, actions: ['recordDiagnosis'] },
          { target: 'nothingToDo', guard: { type: 'diagnosedAs', params: { classification: 'healthy' } }, actions: ['recordDiagnosis'] },
          {
            target: 'connectorPassword',
            guard: 'staleConnectorsFound',
            actions: ['recordDiagnosis', 'repairStaleConnectors'],
          },
          { target: 'preChecks', guard: { type: 'diagnosedAs', params: { classification: 'key-unreadable' } }, actions: ['recordDiagnosis'] },
          { target: 'unknownSymptom', actions: ['recordDiagnosis'] },
        ],
      },
    ),
    ...step(
      'fixServiceLogon',
      {
        title: 'Fix the service logon password',
        instructions: [
          'This is not a key problem: the service cannot log on because the password of its service account changed',
          'and was never entered in the service\'s Log On settings. Open services.msc, open the ADSync service',
          '(Microsoft Azure AD Sync / Microsoft Entra ID Sync), Log On tab, enter the account\'s current password twice, OK.',
          'Do not abandon the key for this. The runbook detects again afterwards.',
        ],
        commands: ['services.msc  (ADSync > Properties > Log On)'],
        destructive: false,
        idempotent: true,
        manual: true,
      },
      { onDone: { target: 'detect' } },
    ),
    ...step(
      'preChecks',
      {
        title: 'Pre-checks before the destructive step',
        instructions: [
          'Read the build, the service account type, staging mode and the Entra connector identity, and what each implies.',
        ],
        commands: [
          "(Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\AD Sync').Location",
          "(Get-CimInstance Win32_Service -Filter \"Name='ADSync'\").StartName",
          '(Get-ADSyncScheduler).StagingModeEnabled',
          'Get-ADSyncEntraConnectorCredential',
        ],
        destructive: false,
        idempotent: true,
        skippable: true,
        readOnly: true,
      },
      { onDone: { target: 'confirmAbandon', actions: ['recordFacts'] }, skipTo: 'confirmAbandon' },
    ),
    confirmAbandon: {
      meta: confirmAbandon,
      on: {
        CONFIRM: { target: 'stopService', guard: 'typedServerName' },
        CANCEL: { target: 'aborted' },
      },
    },
    ...step(
      'stopService',
      {
        title: 'Wait for an idle sync, then stop the service',
        instructions: [
          'Never stop the service in the middle of a sync run: wait until no connector is running, then stop ADSync.',
        ],
        commands: ['while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }', 'Stop-Service ADSync'],
        destructive: false,
        idempotent: true,
      },
      { onDone: { target: 'abandonKey' } },
    ),
    ...step(
      'abandonKey',
      {
        title: 'Abandon the encryption key',
        instructions: [
          'Run miiskmu.exe /a from the sync engine\'s Bin folder. This discards the key and every stored connector password.',
          'It refuses with error 80131600 while the service runs. It cannot be undone.',
        ],
        commands: [
          "$bin = Join-Path (Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\AD Sync').Location 'Bin'",
          '& (Join-Path $bin miiskmu.exe) /a',
        ],
        destructive: true,
        idempotent: false,
        maxAttempts: 2,
        probe: {
          instructions: [
            'With the service still stopped, list the key sets registered for the sync engine: none means the key was abandoned',
            '(a new one is created at the next start); the old key set still there means miiskmu.exe did not abandon it.',
          ],
          commands: ["Get-Service ADSync", "Get-ChildItem 'HKLM:\\SOFTWARE\\Microsoft\\Ad Sync\\Shared'"],
        },
      },
      { onDone: { target: 'startNewKey' } },
    ),
    ...step(
      'startNewKey',
      {
        title: 'Start the service (a new key is created)',
        instructions: ['Start ADSync. It creates a new encryption key; then list the AD connectors that need a password.'],
        commands: ['Start-Service ADSync', "Get-ADSyncConnector | Where-Object ConnectorTypeName -eq 'AD'"],
        destructive: false,
        idempotent: true,
        planOutput: { connectors: ['<each AD connector>'] },
      },
      {
        onDone: [
          { target: 'connectorPassword', guard: 'foundConnectors', actions: ['recordConnectors'] },
          { target: 'restartService', actions: ['recordConnectors'] },
        ],
      },
    ),
    ...step(
      'connectorPassword',
      {
        title: 'Enter the AD DS connector password for {connector}',
        instructions: [
          'Open Synchronization Service Manager, Connectors tab, select {connector}, Actions > Properties,',
          '"Connect to Active Directory Forest", type the AD DS connector account password, OK.',
          'If nobody knows the password, reset it in Active Directory to a known value first.',
        ],
        commands: ['miisclient.exe  (Connectors > {connector} > Properties > Connect to Active Directory Forest)'],
        destructive: false,
        idempotent: true,
        manual: true,
        briefing: ['Connectors still to do: {remaining}'],
        secrets: [{ id: 'adds-password:{connector}', label: 'AD DS connector account password for {connector}', kind: 'password' }],
      },
      {
        params: (context: Context) => ({ connector: context.pending[0] ?? null, remaining: context.pending }),
        onDone: [
          { target: 'connectorPassword', reenter: true, guard: 'moreConnectorsPending', actions: ['connectorDone'] },
          { target: 'restartService', actions: ['connectorDone'] },
        ],
      },
    ),
    ...step(
      'restartService',
      {
        title: 'Restart the service',
        instructions: ['Restart ADSync so that no old credential stays cached in memory.'],
        commands: ['Restart-Service ADSync'],
        destructive: false,
        idempotent: true,
      },
      {
        onDone: [
          { target: 'reinitEntra', guard: 'entraReinitNeeded' },
          { target: 'verify' },
        ],
      },
    ),
    ...step(
      'reinitEntra',
      {
        title: 'Reinitialize the Entra connector account',
        instructions: [
          'Reset the Entra connector account (Sync_<server>_...) with a Hybrid Identity Administrator or Global Administrator.',
          'On a staging server this resets that server\'s own account, which is expected. An administrator with MFA',
          'cannot be passed as a credential: the step then becomes an interactive sign-in on the server.',
        ],
        commands: ['$cred = Get-Credential', 'Add-ADSyncAADServiceAccount -AADCredential $cred'],
        destructive: false,
        idempotent: true,
        skippable: true,
        secrets: [{ id: 'entra-admin', label: 'Entra ID administrator (Hybrid Identity or Global Administrator)', kind: 'credential' }],
      },
      {
        onDone: [
          { target: 'reinitEntraManual', guard: 'interactiveSignInRequired' },
          { target: 'startAfterReinit', actions: ['entraDone'] },
        ],
        skipTo: 'startAfterReinit',
      },
    ),
    ...step(
      'reinitEntraManual',
      {
        title: 'Reinitialize the Entra connector account with an interactive sign-in',
        instructions: [
          'The administrator needs MFA. On the server, in PowerShell, run Add-ADSyncAADServiceAccount and complete the',
          'sign-in window with the administrator account; it returns to the prompt without error when done.',
        ],
        commands: ['Add-ADSyncAADServiceAccount'],
        destructive: false,
        idempotent: true,
        manual: true,
      },
      { onDone: { target: 'startAfterReinit', actions: ['entraDone'] } },
    ),
    ...step(
      'startAfterReinit',
      {
        title: 'Start the service',
        instructions: ['Start (or restart) ADSync with the new credentials in place.'],
        commands: ['Restart-Service ADSync'],
        destructive: false,
        idempotent: true,
      },
      { onDone: { target: 'verify' } },
    ),
    ...step(
      'verify',
      {
        title: 'Verify with a delta sync',
        instructions: [
          'The service must be running with no new Event 6028; a delta sync cycle must finish with every connector',
          'succeeding. A connector that fails sends the run back to that connector.',
        ],
        commands: [
          'Get-Service ADSync',
          'Start-ADSyncSyncCycle -PolicyType Delta',
          'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }',
          'Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier -NumberRequested 1 }',
        ],
        destructive: false,
        idempotent: true,
        planOutput: { failingAdConnectors: [], entraFailing: false },
      },
      {
        onDone: [
          { target: 'done', guard: 'verifiedClean' },
          { target: 'connectorPassword', guard: 'adConnectorsFailing', actions: ['retryFailingConnectors'] },
          { target: 'reinitEntra', guard: 'entraFailing', actions: ['retryEntra'] },
          { target: 'verifyFailed', actions: ['verifyExhausted'] },
        ],
      },
    ),
    done: final('Recovered', 'success', 'The service runs with a new key and every connector synchronizes.'),
    nothingToDo: final('Nothing to do', 'nothing-to-do', 'The service is healthy: no key problem was found and nothing was changed.'),
    localDbFull: final(
      'Not this runbook: LocalDB is full',
      'handed-over',
      'Event 6323: the LocalDB database reached its 10 GB limit. Do not abandon the key. Run the LocalDB recovery runbook next, on the same server: runbook run aadconnect-localdb-full',
    ),
    unknownSymptom: final(
      'Unknown symptom',
      'handed-over',
      'No known symptom of a key problem was found. Nothing was changed; investigate the event logs before anything destructive.',
    ),
    aborted: final('Aborted', 'aborted', 'The run was stopped by the operator. What was done is in the journal.'),
  } as any,
});

export default defineRunbook({
  id: 'aadconnect-encryption-key',
  family: 'aadconnect',
  title: 'Recover the Azure AD Connect (Entra Connect) Sync encryption key',
  summary:
    'Event 6028 / the sync service cannot read its encryption key: abandon the key, re-enter every connector credential, verify with a delta sync.',
  appliesTo: 'A Windows server running Azure AD Connect / Entra Connect Sync (any build).',
  defaultScenario: 'one-connector',
  machine,
});
