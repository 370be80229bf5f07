import { assign, setup } from 'xstate';
import { defineRunbook } from '../src/runbook/define.js';
import type { PromptMeta } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import type { EngineContext } from '../src/runbook/step-states.js';

/**
 * Telling Entra Connect Sync the new password of an AD DS connector account (the account the AD
 * connector reads a forest with), after an AD administrator changed it in Active Directory.
 *
 * Detect (which AD connectors fail with no-start-credentials / Event 6000), gates (build, the
 * account is a plain user: not a managed account, not Enterprise/Domain Admin from 1.4.x), which
 * connectors, an optional check of the new password, the password typed in Synchronization
 * Service Manager once per connector (a guided GUI step: no supported cmdlet sets a chosen
 * password), a restart so that no old password stays cached, and a delta import per connector.
 * Pure orchestration: every effect is a named step actor that a runner carries out.
 */

export type Classification = 'stale-password' | 'entra-credential' | 'key-unreadable' | 'healthy' | 'unknown';

interface Context extends EngineContext {
  server: string | null;
  build: string | null;
  classification: Classification | null;
  /** AD connectors failing now (no-start-credentials or Event 6000 since the last start). */
  affected: string[];
  /** Every AD connector. */
  adConnectors: string[];
  /** Connector name -> DOMAIN\user of its account. */
  accounts: Record<string, string>;
  /** The connectors still to do, the first one next. */
  pending: string[];
  /** The connectors given a password in this run (the ones verify imports on). */
  entered: string[];
  precheck: boolean;
  verifyRounds: number;
  stillFailing: string[];
}

const MAX_VERIFY_ROUNDS = 2;
const STEP_IDS = ['detect', 'preChecks', 'precheckPassword', 'connectorPassword', 'restartService', 'verify'] as const;

type Args = { context: Context; event: any };

const whichConnectors: PromptMeta = {
  kind: 'prompt',
  title: 'Which AD connectors get the new password?',
  instructions: [
    'The connectors failing now (no-start-credentials or Event 6000) and every AD connector of the server are listed above.',
    'Choose every connector whose account had its password changed. When several forests use the same account, a',
    'connector that has not failed yet (no run since the change) will fail at its next run: include it.',
  ],
  prompt: {
    type: 'choice',
    id: 'whichConnectors',
    message: 'Which connectors?',
    choices: [
      { event: 'AFFECTED', label: 'Only the connectors failing now' },
      { event: 'ALL', label: 'Every AD connector on this server' },
      { event: 'ABORT', label: 'Abort the run (nothing was changed)' },
    ],
  },
};

const offerPrecheck: PromptMeta = {
  kind: 'prompt',
  title: 'Check the new password before typing it into the sync engine?',
  instructions: [
    'Optional. With the check, you give the new password to this runbook once per connector and it signs in to the',
    'forest with it (Test-AdSyncUserHasPermissions) before you type it in Synchronization Service Manager: a typo or a',
    'password not yet set in AD shows up now, not after the restart. Without it, the runbook never sees the password:',
    'you type it only into the GUI.',
  ],
  prompt: {
    type: 'choice',
    id: 'checkFirst',
    message: 'Check the password first?',
    choices: [
      { event: 'CHECK', label: 'Yes, check it against the forest first' },
      { event: 'NOCHECK', label: 'No, I will type it only in Synchronization Service Manager' },
    ],
  },
};

const machine = setup({
  types: {} as { context: Context },
  actors: stepActors(STEP_IDS),
  guards: {
    ...engineGuards,
    diagnosedAs: ({ event }: Args, params: { classification: Classification }) => event.output?.classification === params.classification,
    staleFound: ({ event }: Args) => event.output?.classification === 'stale-password' && Array.isArray(event.output?.affected) && event.output.affected.length > 0,
    blocked: ({ event }: Args) => Array.isArray(event.output?.blockers) && event.output.blockers.length > 0,
    morePending: ({ context }: Args) => context.pending.length > 1,
    morePendingChecked: ({ context }: Args) => context.pending.length > 1 && context.precheck,
    verifiedClean: ({ event }: Args) => Array.isArray(event.output?.failing) && event.output.failing.length === 0,
    canGoBack: ({ context, event }: Args) => context.verifyRounds < MAX_VERIFY_ROUNDS && event.output?.failing?.length > 0,
    canGoBackChecked: ({ context, event }: Args) => context.verifyRounds < MAX_VERIFY_ROUNDS && event.output?.failing?.length > 0 && context.precheck,
  },
  actions: {
    ...engineActions,
    recordDiagnosis: assign(({ event }: Args) => ({
      server: (event.output?.server as string) ?? null,
      build: (event.output?.build as string) ?? null,
      classification: (event.output?.classification as Classification) ?? null,
      affected: (event.output?.affected ?? []) as string[],
      adConnectors: (event.output?.adConnectors ?? []) as string[],
      accounts: (event.output?.accounts ?? {}) as Record<string, string>,
    })),
    pickAffected: assign(({ context }: Args) => ({ pending: [...context.affected] })),
    pickAll: assign(({ context }: Args) => ({ pending: [...context.adConnectors] })),
    withCheck: assign(() => ({ precheck: true })),
    withoutCheck: assign(() => ({ precheck: false })),
    connectorDone: assign(({ context }: Args) => ({
      pending: context.pending.slice(1),
      entered: context.entered.includes(context.pending[0] ?? '') ? context.entered : [...context.entered, ...context.pending.slice(0, 1)],
    })),
    goBackFor: assign(({ context, event }: Args) => ({
      pending: event.output.failing as string[],
      stillFailing: event.output.failing as string[],
      verifyRounds: context.verifyRounds + 1,
    })),
    verifyExhausted: assign(({ context, event }: Args) => ({
      _failures: context._failures + 1,
      _lastError: {
        stepId: 'verify',
        category: 'no-start-credentials',
        message: `still no-start-credentials after ${MAX_VERIFY_ROUNDS} corrections: ${(event.output?.failing ?? []).join(', ')}. The password in Active Directory and the one typed do not match: ask the AD administrator which password was set`,
      },
    })),
  },
}).createMachine({
  id: 'aadconnect-adds-password',
  initial: 'detect',
  context: {
    ...engineContext(),
    server: null,
    build: null,
    classification: null,
    affected: [],
    adConnectors: [],
    accounts: {},
    pending: [],
    entered: [],
    precheck: false,
    verifyRounds: 0,
    stillFailing: [],
  },
  states: {
    ...step(
      'detect',
      {
        title: 'Find the AD connectors whose password no longer works',
        instructions: [
          'Read, without changing anything: the ADSync service, the build, every AD connector with its forest and account',
          '(forest-login-domain\\forest-login-user), the newest run result of every connector, and Application events 6000',
          '("failed to run because the credentials were invalid") and 6028 since the last start.',
          'A connector whose newest result is no-start-credentials, or that Event 6000 names, needs its password again.',
          'stopped-extension-dll-exception on the Entra connector is a different credential (the Entra one), and 6028 is the',
          'encryption key: both are handed over.',
        ],
        commands: [
          'Get-Service ADSync',
          "Get-ADSyncConnector | Where-Object ConnectorTypeName -eq 'AD' | ForEach-Object { $_.ConnectivityParameters['forest-login-user'].Value }",
          'Get-ADSyncRunProfileResult -ConnectorId <id> -NumberRequested 5',
          "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6000,6028; StartTime=$lastStart}",
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
      },
      {
        onDone: [
          { target: 'keyProblem', guard: { type: 'diagnosedAs', params: { classification: 'key-unreadable' } }, actions: ['recordDiagnosis'] },
          { target: 'entraCredential', guard: { type: 'diagnosedAs', params: { classification: 'entra-credential' } }, actions: ['recordDiagnosis'] },
          { target: 'nothingToDo', guard: { type: 'diagnosedAs', params: { classification: 'healthy' } }, actions: ['recordDiagnosis'] },
          { target: 'preChecks', guard: 'staleFound', actions: ['recordDiagnosis'] },
          { target: 'unknownSymptom', actions: ['recordDiagnosis'] },
        ],
      },
    ),
    ...step(
      'preChecks',
      {
        title: 'Check the build and the connector accounts',
        instructions: [
          'For every AD connector, look its account up in Active Directory (ActiveDirectory module): it must be an ordinary',
          'user. A group or standalone managed service account (name ending in $) cannot be an AD DS connector account,',
          'and from build 1.4 on an account in Enterprise Admins or Domain Admins is refused: in both cases the fix is a',
          'different account (the configuration wizard), not a new password, and the run hands over.',
          'When the ActiveDirectory module is missing, install it (Install-WindowsFeature RSAT-AD-PowerShell) and retry,',
          'or check the account by hand in Active Directory Users and Computers and skip with the reason.',
        ],
        commands: [
          "Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Azure AD Connect' Version",
          'Get-ADUser <user> -Server <domain> -Properties ObjectClass',
          'Get-ADPrincipalGroupMembership <user> -Server <domain>',
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
        skippable: true,
        planOutput: { build: '2.3.20.0', accounts: [], blockers: [] },
      },
      {
        params: (context: Context) => ({ connectors: context.adConnectors.join(',') }),
        onDone: [{ target: 'accountNotSupported', guard: 'blocked' }, { target: 'whichConnectors' }],
        skipTo: 'whichConnectors',
      },
    ),
    whichConnectors: {
      meta: whichConnectors,
      on: {
        AFFECTED: { target: 'offerPrecheck', actions: ['pickAffected'] },
        ALL: { target: 'offerPrecheck', actions: ['pickAll'] },
        ABORT: { target: 'aborted' },
      },
    },
    offerPrecheck: {
      meta: offerPrecheck,
      on: {
        CHECK: { target: 'precheckPassword', actions: ['withCheck'] },
        NOCHECK: { target: 'connectorPassword', actions: ['withoutCheck'] },
      },
    },
    ...step(
      'precheckPassword',
      {
        title: 'Check the new password of {account} against the forest',
        instructions: [
          'Signs in to the forest of {connector} as {account} with the password you give, and reads one attribute',
          '(Test-AdSyncUserHasPermissions). Nothing is stored and nothing changes. A refusal means the password is not the',
          'one set in AD (a typo, or the change has not reached this domain controller yet): retry with the right one,',
          'or skip with a reason.',
        ],
        commands: [
          '$cred = Get-Credential {account}',
          "Test-AdSyncUserHasPermissions -ForestFqdn <forest> -AdConnectorId <id> -AdConnectorCredential $cred -BaseDn <domain DN> -PropertyType Allowed-Attributes -PropertyValue pwdLastSet",
        ],
        destructive: false,
        idempotent: true,
        skippable: true,
        secrets: [{ id: 'adds-password:{connector}', label: 'new AD DS connector account password for {connector} ({account})', kind: 'password' }],
      },
      {
        params: (context: Context) => ({ connector: context.pending[0] ?? null, account: context.accounts[context.pending[0] ?? ''] ?? null }),
        onDone: { target: 'connectorPassword' },
        skipTo: 'connectorPassword',
      },
    ),
    ...step(
      'connectorPassword',
      {
        title: 'Type the new password for {connector} in Synchronization Service Manager',
        instructions: [
          'On {server}, signed in as a local administrator (member of ADSyncAdmins):',
          '1. Start menu > Synchronization Service (Synchronization Service Manager).',
          '2. Click the Connectors tab at the top.',
          '3. Click the connector {connector} (Type: Active Directory Domain Services). Do not open the Entra connector',
          '   (Type: Windows Azure Active Directory): saving its properties can erase its settings.',
          '4. Actions > Properties. In the left pane click "Connect to Active Directory Forest".',
          '5. Leave the forest and the user name ({account}) as they are. Type the new password in Password, then OK.',
          '   Do not change "Configure Directory Partitions" credentials.',
          '6. Close the properties window. Nothing is checked yet: the restart and the delta import after it tell.',
        ],
        commands: ['miisclient.exe  (Connectors > {connector} > Actions > Properties > Connect to Active Directory Forest > Password)'],
        destructive: false,
        idempotent: true,
        manual: true,
        briefing: ['Connectors still to do: {remaining}', 'Still failing at the last verify (type the password again, carefully): {stillFailing}'],
        secrets: [{ id: 'adds-password:{connector}', label: 'new AD DS connector account password for {connector} ({account})', kind: 'password' }],
      },
      {
        params: (context: Context) => ({
          server: context.server,
          connector: context.pending[0] ?? null,
          account: context.accounts[context.pending[0] ?? ''] ?? null,
          remaining: context.pending,
          stillFailing: context.stillFailing.length > 0 ? context.stillFailing : ['none'],
        }),
        onDone: [
          { target: 'precheckPassword', guard: 'morePendingChecked', actions: ['connectorDone'] },
          { target: 'connectorPassword', reenter: true, guard: 'morePending', actions: ['connectorDone'] },
          { target: 'restartService', actions: ['connectorDone'] },
        ],
      },
    ),
    ...step(
      'restartService',
      {
        title: 'Restart the sync service',
        instructions: [
          'Wait until no sync run is in progress, then restart ADSync so that the old password is no longer cached in',
          'the service\'s memory. If the run is interrupted during the restart, the service\'s start time tells on resume',
          'whether it happened.',
        ],
        commands: ['while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }', 'Restart-Service ADSync'],
        destructive: false,
        idempotent: false,
        maxAttempts: 3,
        timeoutMs: 15 * 60_000,
        probe: {
          instructions: [
            'Read when the running miiserver.exe (the ADSync service process) started: after the step started means the',
            'restart happened; before means it did not. A stopped service cannot tell.',
          ],
          commands: ["(Get-CimInstance Win32_Service -Filter \"Name='ADSync'\").ProcessId", 'Get-Process -Id <pid> | Select-Object StartTime'],
        },
      },
      { onDone: { target: 'verify' } },
    ),
    ...step(
      'verify',
      {
        title: 'Verify with a delta import on each connector',
        instructions: [
          'Run a Delta Import on each connector given a password ({connectors}) and read its result. A connector that',
          'still ends no-start-credentials (or logs a new Event 6000) got a password that is not the one in AD: the run',
          'goes back to that connector once more, then stops naming it.',
        ],
        commands: [
          "Invoke-ADSyncRunProfile -ConnectorName '<connector>' -RunProfileName 'Delta Import'",
          'Get-ADSyncRunProfileResult -ConnectorId <id> -NumberRequested 1',
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 30 * 60_000,
        planOutput: { failing: [], results: {} },
      },
      {
        params: (context: Context) => ({ connectors: context.entered.join(',') }),
        onDone: [
          { target: 'done', guard: 'verifiedClean' },
          { target: 'precheckPassword', guard: 'canGoBackChecked', actions: ['goBackFor'] },
          { target: 'connectorPassword', guard: 'canGoBack', actions: ['goBackFor'] },
          { target: 'verifyFailed', actions: ['verifyExhausted'] },
        ],
      },
    ),
    done: final('Connectors synchronize again', 'success', 'The new password is stored for every chosen connector, the service was restarted and each connector imports again.'),
    nothingToDo: final('Nothing to do', 'nothing-to-do', 'No AD connector fails with no-start-credentials and no Event 6000 was logged since the last start. Nothing was changed.'),
    entraCredential: final(
      'Not this runbook: the Entra connector cannot sign in',
      'handed-over',
      'The failing connector is the Entra one (stopped-extension-dll-exception): its credential is the Entra connector account or application, not the AD DS password. Follow the Entra connector credential procedure. Nothing was changed.',
    ),
    keyProblem: final(
      'Not this runbook: the encryption key cannot be read',
      'handed-over',
      'Event 6028: the sync engine cannot read its encryption key, so no stored password can be used. Run aadconnect-encryption-key (it asks for the AD DS passwords itself). Nothing was changed.',
    ),
    accountNotSupported: final(
      'Not this runbook: the connector account itself must change',
      'handed-over',
      'A connector account is a managed service account, or an Enterprise/Domain Admin on a build that refuses those. A new password does not fix that: give the connector an ordinary least-privilege account in the configuration wizard. Nothing was changed.',
    ),
    unknownSymptom: final('No sign of a stale AD DS password', 'handed-over', 'Neither no-start-credentials nor Event 6000 was found on an AD connector. Nothing was changed; triage the event log.'),
    aborted: final('Aborted', 'aborted', 'The run was stopped by the operator. What was done is in the journal.'),
  } as any,
});

export default defineRunbook({
  id: 'aadconnect-adds-password',
  family: 'aadconnect',
  title: 'Give Entra Connect Sync the new AD DS connector account password',
  summary:
    'AD connectors failing with no-start-credentials / Event 6000 after the connector account password changed in AD: check the account, type the password in Synchronization Service Manager per connector, restart, delta import.',
  appliesTo: 'A Windows server running Azure AD Connect / Entra Connect Sync whose AD DS connector account password was changed in Active Directory.',
  defaultScenario: 'password-changed',
  machine,
});
