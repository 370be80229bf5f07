import { assign, setup } from 'xstate';
import { defineRunbook } from '../src/runbook/define.js';
import type { PromptMeta } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import type { EngineContext } from '../src/runbook/step-states.js';
import { AADCONNECT_SUPPORT } from './data/aadconnect-support.js';

/**
 * Resetting the credential the Entra Connect Sync server uses to sign in to Entra ID (the Entra
 * connector), for either identity type:
 *
 * - detect (read-only): the identity type (Get-ADSyncEntraConnectorCredential, or the connector's
 *   UserName on a build without that cmdlet), the account or application, its certificate, the
 *   scheduler and the credential events.
 * - Path A, ServiceAccount: a typed confirmation, Add-ADSyncAADServiceAccount with an administrator
 *   credential (an administrator with MFA: a guided interactive sign-in instead), verify with a
 *   delta sync; then, on a build that supports it, the offer to move to application-based
 *   authentication (Path C, guided wizard) before legacy authentication is retired.
 * - Path B, Application: repair lost application parameters when needed, a typed confirmation,
 *   rotate the managed certificate (the documented cmdlet, or the guided wizard when the cmdlet
 *   cannot do it), verify.
 *
 * Path B never reaches a step of Path A: on an application-auth server Add-ADSyncAADServiceAccount
 * is the documented rollback to legacy authentication. The machine has no transition from any
 * state of Path B to a service-account step (test/entra-credential.test.ts proves it on the graph).
 */

export type Classification =
  | 'service-account'
  | 'application'
  | 'shared-application'
  | 'own-certificate'
  | 'service-stopped'
  | 'unknown-identity';

export interface Diagnosis {
  classification: Classification;
  server: string;
  build: string;
  stagingMode: boolean;
  identityType: 'ServiceAccount' | 'Application' | null;
  /** How the type was found: the cmdlet, or the UserName pattern on a build without it. */
  identitySource: 'cmdlet' | 'username-pattern' | null;
  account: string | null;
  appId: string | null;
  certThumbprint: string | null;
  certNotAfter: string | null;
  /** ApplicationManagedBy / CertificateManagedBy / CertificateId are missing on the connector. */
  paramsLost: boolean;
  schedulerEnabled: boolean;
}

interface Context extends EngineContext {
  server: string | null;
  build: string | null;
  stagingMode: boolean | null;
  identityType: 'ServiceAccount' | 'Application' | null;
  identitySource: string | null;
  account: string | null;
  appId: string | null;
  certThumbprintBefore: string | null;
  certNotAfterBefore: string | null;
  paramsLost: boolean;
  schedulerWasEnabled: boolean;
  abaDeadline: string;
  abaDeadlineBuild: string;
}

/** The first build with application-based authentication and Get-ADSyncEntraConnectorCredential. */
export const ABA_MIN_BUILD = '2.5.3.0';

const retirement = AADCONNECT_SUPPORT.find((r) => r.rule === 'minimum-with-application-auth-by-date');
const ABA_DEADLINE = retirement?.date ?? '2027-04-07';
const ABA_DEADLINE_BUILD = retirement?.build ?? '2.6.84.0';

/** -1, 0, 1 comparing dotted builds ('2.5.3.0' < '2.5.79.0'). */
export function compareBuilds(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

const STEP_IDS = [
  'detect',
  'resetServiceAccount',
  'resetServiceAccountInteractive',
  'verifyServiceAccount',
  'switchToApplication',
  'verifySwitch',
  'repairAppParameters',
  'rotateCertificate',
  'rotateCertificateWizard',
  'verifyApplication',
] as const;

/** The steps that use the service-account cmdlet: never reachable from the application branch. */
export const SERVICE_ACCOUNT_STEPS = ['resetServiceAccount', 'resetServiceAccountInteractive'] as const;
/** The states of the application branch (Path B). */
export const APPLICATION_STATES = ['repairAppParameters', 'confirmRotate', 'rotateCertificate', 'rotateCertificateWizard', 'verifyApplication'] as const;

type Args = { context: Context; event: any };

const confirmReset: PromptMeta = {
  kind: 'prompt',
  title: '{server}: confirm the reset of the Entra connector account password',
  instructions: [
    'This server signs in to Entra ID with the account {account} (identity type {identityType}, found by {identitySource}).',
    'The next step gives that account a new random password, in Entra ID and in the sync engine at once; the old one',
    'stops working. On a staging server this is that server\'s own account, which is what you want.',
    'You need a Global Administrator or Hybrid Identity Administrator, assigned to the user directly (not through a group).',
    'The scheduler is paused first and turned back on by the verify step.',
  ],
  prompt: {
    type: 'typed-confirm',
    id: 'confirmReset',
    message: 'Type the server name ({server}) to reset the Entra connector account password, or leave empty to cancel',
    event: 'CONFIRM',
    field: 'typed',
    cancelEvent: 'CANCEL',
    expected: '{server}',
  },
};

const confirmRotate: PromptMeta = {
  kind: 'prompt',
  title: '{server}: confirm the replacement of the application certificate',
  instructions: [
    'This server signs in to Entra ID as the application {appId}, with the certificate {certThumbprintBefore} (valid until {certNotAfterBefore}).',
    'The next step makes Entra Connect create a new certificate, register it on the application and remove the old one.',
    'The old certificate cannot be brought back afterwards. The scheduler is paused while it happens.',
    'The password of any Sync_ account is NOT touched: on this server that would undo application-based authentication.',
  ],
  prompt: {
    type: 'typed-confirm',
    id: 'confirmRotate',
    message: 'Type the server name ({server}) to rotate the application certificate, or leave empty to cancel',
    event: 'CONFIRM',
    field: 'typed',
    cancelEvent: 'CANCEL',
    expected: '{server}',
  },
};

const offerSwitch: PromptMeta = {
  kind: 'prompt',
  title: 'Move {server} to application-based authentication now?',
  instructions: [
    'The Entra connector works again with its Sync_ account. That kind of sign-in (legacy authentication) is retired',
    'on {abaDeadline}: from then on a server must run {abaDeadlineBuild} or later and sign in as an application.',
    'This build ({build}) can make the move with the configuration wizard. You can do it now (guided), or later',
    '(run this runbook again, or the wizard on its own). The move is reversible, but plan it with whoever owns this server.',
  ],
  prompt: {
    type: 'choice',
    id: 'offerSwitch',
    message: 'Switch the Entra connector to application-based authentication now?',
    choices: [
      { event: 'SWITCH', label: 'Yes: guide me through the wizard now' },
      { event: 'LATER', label: 'Not now: finish here' },
    ],
  },
};

const machine = setup({
  types: {} as { context: Context },
  actors: stepActors(STEP_IDS),
  guards: {
    ...engineGuards,
    diagnosedAs: ({ event }: Args, params: { classification: Classification }) => event.output?.classification === params.classification,
    paramsLost: ({ event }: Args) => event.output?.classification === 'application' && event.output?.paramsLost === true,
    typedServerName: ({ context, event }: Args) =>
      typeof event.typed === 'string' && context.server !== null && event.typed.trim().toLowerCase() === context.server.toLowerCase(),
    interactiveSignInRequired: ({ event }: Args) => event.output?.interactiveSignInRequired === true,
    wizardRequired: ({ event }: Args) => event.output?.wizardRequired === true,
    verifiedWithAba: ({ context, event }: Args) => event.output?.healthy === true && context.build !== null && compareBuilds(context.build, ABA_MIN_BUILD) >= 0,
    verified: ({ event }: Args) => event.output?.healthy === true,
    abaSupported: ({ context }: Args) => context.build !== null && compareBuilds(context.build, ABA_MIN_BUILD) >= 0,
  },
  actions: {
    ...engineActions,
    recordDiagnosis: assign(({ event }: Args) => {
      const d = event.output as Diagnosis;
      return {
        server: d.server,
        build: d.build,
        stagingMode: d.stagingMode,
        identityType: d.identityType,
        identitySource: d.identitySource === 'username-pattern' ? 'the account name (this build has no Get-ADSyncEntraConnectorCredential)' : 'Get-ADSyncEntraConnectorCredential',
        account: d.account,
        appId: d.appId,
        certThumbprintBefore: d.certThumbprint,
        certNotAfterBefore: d.certNotAfter,
        paramsLost: d.paramsLost === true,
        schedulerWasEnabled: d.schedulerEnabled !== false,
      };
    }),
  },
}).createMachine({
  id: 'aadconnect-entra-credential',
  initial: 'detect',
  context: {
    ...engineContext(),
    server: null,
    build: null,
    stagingMode: null,
    identityType: null,
    identitySource: null,
    account: null,
    appId: null,
    certThumbprintBefore: null,
    certNotAfterBefore: null,
    paramsLost: false,
    schedulerWasEnabled: true,
    abaDeadline: ABA_DEADLINE,
    abaDeadlineBuild: ABA_DEADLINE_BUILD,
  },
  states: {
    ...step(
      'detect',
      {
        title: 'Find out how the Entra connector signs in',
        instructions: [
          'Read, without changing anything: the ADSync service and the build; whether this is a staging server; the identity',
          'type of the Entra connector (Get-ADSyncEntraConnectorCredential, ConnectorIdentityType ServiceAccount or Application;',
          'a build older than ' + ABA_MIN_BUILD + ' has no such cmdlet and always uses a Sync_ account, which the connector\'s UserName confirms);',
          'for an application its certificate (thumbprint, expiry, who manages it) and whether its parameters are still on the',
          'connector; the scheduler; Application events 6900, 659 (stale password), 1011, 1012 (certificate due, expired) and 906',
          '(certificate not registered on the application: two servers sharing one application).',
        ],
        commands: [
          'Get-Service ADSync',
          'Get-Command Get-ADSyncEntraConnectorCredential -ErrorAction SilentlyContinue',
          '(Get-ADSyncEntraConnectorCredential).ConnectorIdentityType',
          "(Get-ADSyncConnector -Identifier 'b891884f-051e-4a83-95af-2544101c9083').ConnectivityParameters['UserName'].Value",
          'Get-ADSyncScheduler',
          "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=6900,659,1011,1012,906; StartTime=(Get-Date).AddDays(-7)}",
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
      },
      {
        onDone: [
          { target: 'serviceStopped', guard: { type: 'diagnosedAs', params: { classification: 'service-stopped' } }, actions: ['recordDiagnosis'] },
          { target: 'unknownIdentity', guard: { type: 'diagnosedAs', params: { classification: 'unknown-identity' } }, actions: ['recordDiagnosis'] },
          { target: 'sharedApplication', guard: { type: 'diagnosedAs', params: { classification: 'shared-application' } }, actions: ['recordDiagnosis'] },
          { target: 'ownCertificate', guard: { type: 'diagnosedAs', params: { classification: 'own-certificate' } }, actions: ['recordDiagnosis'] },
          { target: 'repairAppParameters', guard: 'paramsLost', actions: ['recordDiagnosis'] },
          { target: 'confirmRotate', guard: { type: 'diagnosedAs', params: { classification: 'application' } }, actions: ['recordDiagnosis'] },
          { target: 'confirmReset', guard: { type: 'diagnosedAs', params: { classification: 'service-account' } }, actions: ['recordDiagnosis'] },
          { target: 'unknownIdentity', actions: ['recordDiagnosis'] },
        ],
      },
    ),

    // ---- Path A: ServiceAccount ---------------------------------------------------------------
    confirmReset: {
      meta: confirmReset,
      on: {
        CONFIRM: { target: 'resetServiceAccount', guard: 'typedServerName' },
        CANCEL: { target: 'aborted' },
      },
    },
    ...step(
      'resetServiceAccount',
      {
        title: 'Reset the password of the Entra connector account',
        instructions: [
          'Wait until no sync runs, pause the scheduler, then run Add-ADSyncAADServiceAccount with the administrator credential.',
          'It sets a new password on {account} in Entra ID and stores it in the sync engine; back at the prompt with no error means done.',
          'The step first checks the identity type again and refuses on a server that signs in as an application.',
          'It never passes -Name: that would create a new Sync_ account (at most 20 per tenant) instead of resetting this one.',
          'An administrator with MFA cannot be handed over as a credential: the run then continues with an interactive sign-in.',
        ],
        commands: [
          'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }',
          'Set-ADSyncScheduler -SyncCycleEnabled $false',
          '$credential = Get-Credential',
          'Add-ADSyncAADServiceAccount -AADCredential $credential',
        ],
        destructive: true,
        idempotent: false,
        maxAttempts: 3,
        secrets: [{ id: 'entra-admin', label: 'Entra ID administrator (Hybrid Identity or Global Administrator)', kind: 'credential' }],
        planOutput: { interactiveSignInRequired: false },
        probe: {
          instructions: [
            'Read when the password of {account} was last set in Entra ID (Microsoft Graph, lastPasswordChangeDateTime): at or after',
            'the moment the step started means the reset happened; before it means it did not. It needs a Graph session already',
            'signed in on the server (Connect-MgGraph -Scopes User.Read.All); without one it cannot tell.',
          ],
          commands: ['Get-MgUser -UserId {account} -Property LastPasswordChangeDateTime'],
        },
      },
      {
        params: (context: Context) => ({ account: context.account }),
        onDone: [
          { target: 'resetServiceAccountInteractive', guard: 'interactiveSignInRequired' },
          { target: 'verifyServiceAccount' },
        ],
      },
    ),
    ...step(
      'resetServiceAccountInteractive',
      {
        title: 'Reset the Entra connector account with an interactive sign-in',
        instructions: [
          'The administrator needs MFA, so the reset must be signed in by hand on {server}:',
          '1. Sign in to {server} and open Windows PowerShell as administrator.',
          '2. Check the type once more: (Get-ADSyncEntraConnectorCredential).ConnectorIdentityType must say ServiceAccount',
          '   (on a build without that cmdlet, the account {account} starts with Sync_). If it says Application, stop and report failed.',
          '3. Run Add-ADSyncAADServiceAccount (no -Name). In the sign-in window, use the Hybrid Identity or Global Administrator and',
          '   complete the MFA prompt.',
          '4. Wait for the PowerShell prompt to come back without a red error, then close the PowerShell window and confirm here.',
        ],
        commands: ['(Get-ADSyncEntraConnectorCredential).ConnectorIdentityType', 'Add-ADSyncAADServiceAccount'],
        destructive: true,
        idempotent: false,
        manual: true,
        probe: {
          instructions: [
            'The same reading as for the scripted reset: the password of {account} last set at or after the step started means done.',
          ],
          commands: ['Get-MgUser -UserId {account} -Property LastPasswordChangeDateTime'],
        },
      },
      {
        params: (context: Context) => ({ account: context.account, server: context.server }),
        onDone: { target: 'verifyServiceAccount' },
      },
    ),
    ...step(
      'verifyServiceAccount',
      {
        title: 'Turn the scheduler back on and verify with a delta sync',
        instructions: [
          'Turn the scheduler back on (only if it was on before the run), start a delta sync cycle and wait for it to end.',
          'The Entra connector\'s newest runs must be success or completed-*-warnings, with no new Event 6900 or 659.',
          'The connector must still sign in as {account}.',
        ],
        commands: [
          'Set-ADSyncScheduler -SyncCycleEnabled $true',
          'Start-ADSyncSyncCycle -PolicyType Delta',
          'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }',
          "Get-ADSyncRunProfileResult -ConnectorId 'b891884f-051e-4a83-95af-2544101c9083' -NumberRequested 3",
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 30 * 60_000,
        planOutput: { healthy: true, identityType: 'ServiceAccount', failures: [] },
      },
      {
        params: (context: Context) => ({ account: context.account, schedulerWasEnabled: context.schedulerWasEnabled, expectedType: 'ServiceAccount' }),
        onDone: [
          { target: 'offerSwitch', guard: 'verifiedWithAba' },
          { target: 'resetDoneUpgradeFirst', guard: 'verified' },
          { target: 'stillFailing' },
        ],
      },
    ),

    // ---- Path C: ServiceAccount -> Application (offered only on a build with ABA) --------------
    offerSwitch: {
      meta: offerSwitch,
      on: {
        SWITCH: { target: 'switchToApplication', guard: 'abaSupported' },
        LATER: { target: 'resetDone' },
      },
    },
    ...step(
      'switchToApplication',
      {
        title: 'Switch the Entra connector to application-based authentication (wizard)',
        instructions: [
          'On {server}, with a Hybrid Identity Administrator who can sign in (MFA is fine here):',
          '1. Open "Microsoft Entra Connect" from the desktop. While the wizard is open the scheduler is suspended.',
          '2. Choose Configure, then "Configure application-based authentication to Microsoft Entra ID", then Next.',
          '3. Sign in with the administrator when asked; keep the default (an application and certificate managed by Connect).',
          '4. Let it finish. If it stops with an error, note the error and report failed: it does not fall back on its own.',
          '5. Close the wizard (Exit): until it is closed the server does not sync.',
          'Do not remove the old Sync_ account yet: that comes after some good sync cycles.',
        ],
        commands: ['Microsoft Entra Connect > Configure > Configure application-based authentication to Microsoft Entra ID'],
        destructive: false,
        idempotent: false,
        manual: true,
        probe: {
          instructions: [
            'Read (Get-ADSyncEntraConnectorCredential).ConnectorIdentityType: Application means the switch happened, ServiceAccount',
            'means it did not. While the wizard is still open (scheduler suspended) it cannot tell: close the wizard first.',
          ],
          commands: ['(Get-ADSyncEntraConnectorCredential).ConnectorIdentityType', '(Get-ADSyncScheduler).SchedulerSuspended'],
        },
      },
      {
        params: (context: Context) => ({ server: context.server }),
        onDone: { target: 'verifySwitch' },
      },
    ),
    ...step(
      'verifySwitch',
      {
        title: 'Verify application-based authentication with a delta sync',
        instructions: [
          'The identity type must now be Application. The scheduler must not be suspended (a wizard left open);',
          'turn it back on if it was on before the run, then a delta sync cycle must end with success for the Entra connector.',
        ],
        commands: [
          '(Get-ADSyncEntraConnectorCredential).ConnectorIdentityType',
          'Set-ADSyncScheduler -SyncCycleEnabled $true',
          'Start-ADSyncSyncCycle -PolicyType Delta',
          "Get-ADSyncRunProfileResult -ConnectorId 'b891884f-051e-4a83-95af-2544101c9083' -NumberRequested 3",
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 30 * 60_000,
        planOutput: { healthy: true, identityType: 'Application', failures: [] },
      },
      {
        params: (context: Context) => ({ account: context.account, schedulerWasEnabled: context.schedulerWasEnabled, expectedType: 'Application' }),
        onDone: [
          { target: 'switched', guard: 'verified' },
          { target: 'stillFailing' },
        ],
      },
    ),

    // ---- Path B: Application --------------------------------------------------------------------
    ...step(
      'repairAppParameters',
      {
        title: 'Restore the application parameters on the Entra connector',
        instructions: [
          'The connector has lost ApplicationManagedBy, CertificateManagedBy or CertificateId (it happens when someone opens the',
          'Entra connector in Synchronization Service Manager and presses OK). Sync goes on until the next rotation, which then fails.',
          'Put them back with ADSyncTools 2.3.0 or later: Repair-ADSyncToolsEntraAppParameters. Running it again is harmless.',
        ],
        commands: ['Import-Module ADSyncTools', 'Repair-ADSyncToolsEntraAppParameters'],
        destructive: false,
        idempotent: true,
        planOutput: { repaired: true },
      },
      { onDone: { target: 'confirmRotate' } },
    ),
    confirmRotate: {
      meta: confirmRotate,
      on: {
        CONFIRM: { target: 'rotateCertificate', guard: 'typedServerName' },
        CANCEL: { target: 'aborted' },
      },
    },
    ...step(
      'rotateCertificate',
      {
        title: 'Rotate the application certificate',
        instructions: [
          'Wait until no sync runs, pause the scheduler, run Invoke-ADSyncApplicationCredentialRotation (certificate managed by',
          'Entra Connect), check that the identity type is still Application and the thumbprint changed, then turn the scheduler',
          'back on if it was on. When the cmdlet cannot do it (an expired certificate, a build without it) the run continues with',
          'the wizard, signed in by an administrator. A Sync_ account is never touched here.',
        ],
        commands: [
          'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }',
          'Set-ADSyncScheduler -SyncCycleEnabled $false',
          'Invoke-ADSyncApplicationCredentialRotation',
          'Get-ADSyncEntraConnectorCredential',
          'Set-ADSyncScheduler -SyncCycleEnabled $true',
        ],
        destructive: true,
        idempotent: false,
        planOutput: { wizardRequired: false },
        probe: {
          instructions: [
            'Read the certificate thumbprint of the Entra connector again: different from {certThumbprintBefore} (read before the step)',
            'means the rotation happened; the same means it did not.',
          ],
          commands: ['Get-ADSyncEntraConnectorCredential'],
        },
      },
      {
        params: (context: Context) => ({ certThumbprintBefore: context.certThumbprintBefore, schedulerWasEnabled: context.schedulerWasEnabled }),
        onDone: [
          { target: 'rotateCertificateWizard', guard: 'wizardRequired' },
          { target: 'verifyApplication' },
        ],
      },
    ),
    ...step(
      'rotateCertificateWizard',
      {
        title: 'Rotate the application certificate with the wizard',
        instructions: [
          'On {server}, with a Hybrid Identity Administrator:',
          '1. Open "Microsoft Entra Connect" from the desktop. While the wizard is open the scheduler is suspended.',
          '2. Choose Configure, then "Rotate application certificate", then Next.',
          '3. Sign in with the administrator when asked and let the wizard finish.',
          '4. Optional: "View or export current configuration" shows the new thumbprint; it must differ from {certThumbprintBefore}.',
          '5. Close the wizard (Exit): until it is closed the server does not sync.',
        ],
        commands: ['Microsoft Entra Connect > Configure > Rotate application certificate'],
        destructive: true,
        idempotent: false,
        manual: true,
        probe: {
          instructions: [
            'Read the certificate thumbprint again: different from {certThumbprintBefore} means the wizard rotated it. While the wizard',
            'is still open (scheduler suspended) it cannot tell: close the wizard first.',
          ],
          commands: ['Get-ADSyncEntraConnectorCredential', '(Get-ADSyncScheduler).SchedulerSuspended'],
        },
      },
      {
        params: (context: Context) => ({ certThumbprintBefore: context.certThumbprintBefore, server: context.server }),
        onDone: { target: 'verifyApplication' },
      },
    ),
    ...step(
      'verifyApplication',
      {
        title: 'Verify the new certificate with a delta sync',
        instructions: [
          'The identity type must still be Application and the thumbprint must differ from {certThumbprintBefore}. The scheduler must',
          'not be suspended (a wizard left open); turn it back on if it was on before the run. A delta sync cycle must end with',
          'success for the Entra connector, with no new Event 1012 or 906.',
        ],
        commands: [
          'Get-ADSyncEntraConnectorCredential',
          'Set-ADSyncScheduler -SyncCycleEnabled $true',
          'Start-ADSyncSyncCycle -PolicyType Delta',
          "Get-ADSyncRunProfileResult -ConnectorId 'b891884f-051e-4a83-95af-2544101c9083' -NumberRequested 3",
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 30 * 60_000,
        planOutput: { healthy: true, identityType: 'Application', failures: [] },
      },
      {
        params: (context: Context) => ({ certThumbprintBefore: context.certThumbprintBefore, schedulerWasEnabled: context.schedulerWasEnabled, expectedType: 'Application' }),
        onDone: [
          { target: 'rotated', guard: 'verified' },
          { target: 'stillFailing' },
        ],
      },
    ),

    // ---- Ends -----------------------------------------------------------------------------------
    resetDone: final(
      'Entra connector account password reset',
      'success',
      `The Sync_ account has a new password and a delta sync succeeded. Plan the move to application-based authentication before ${ABA_DEADLINE} (this runbook offers it on a build that supports it).`,
    ),
    resetDoneUpgradeFirst: final(
      'Password reset; upgrade before moving to application-based authentication',
      'success',
      `The Sync_ account has a new password and a delta sync succeeded. This build is older than ${ABA_MIN_BUILD} and cannot use application-based authentication: upgrade to ${ABA_DEADLINE_BUILD} or later, then switch, before ${ABA_DEADLINE}.`,
    ),
    switched: final(
      'Password reset and switched to application-based authentication',
      'success',
      'The Entra connector now signs in as an application and a delta sync succeeded. After some good cycles, remove the old Sync_ account (Remove-ADSyncAADServiceAccount with an administrator); that is a separate, destructive change.',
    ),
    rotated: final(
      'Application certificate rotated',
      'success',
      'The Entra connector signs in with a new certificate and a delta sync succeeded. The scheduler rotates a managed certificate on its own from now on, as long as it is not suspended.',
    ),
    stillFailing: final(
      'The Entra connector still fails: triage needed',
      'handed-over',
      'The change was made but the verify sync still fails (see the evidence). After a new Sync_ account, Access Denied may last up to 15 minutes: wait and verify again. Otherwise check Conditional Access or MFA applied to the sync account, and the events 6900, 659, 1012, 906.',
    ),
    sharedApplication: final(
      'Not this runbook: two servers share one application',
      'handed-over',
      'Event 906 (AADSTS700027): the certificate this server signs with is not registered on its application, which happens when a cloned server shares the application of another. Fixing it means work on both servers (a new machine identifier, deleting the shared application, configuring application-based authentication again), coordinated by their owners. Nothing was changed; do NOT reset a Sync_ account password here.',
    ),
    ownCertificate: final(
      'Not this runbook: the certificate or application is your own',
      'handed-over',
      'The Entra connector uses your own certificate (BYOC) or application (BYOA). Rotating it needs a new certificate from your PKI, an upload in the Entra admin center and Invoke-ADSyncApplicationCredentialRotation -CertificateSHA256Hash. Nothing was changed; do NOT reset a Sync_ account password here.',
    ),
    serviceStopped: final(
      'Not this runbook: the sync service is not running',
      'handed-over',
      'ADSync is not running, and the credential cmdlets need it. Find out why first (encryption key, full LocalDB database, service logon); nothing was changed.',
    ),
    unknownIdentity: final(
      'Not this runbook: the identity type cannot be told',
      'handed-over',
      'Neither Get-ADSyncEntraConnectorCredential nor the Entra connector\'s UserName says how the connector signs in. Check it in the wizard (View or export current configuration); nothing was changed.',
    ),
    aborted: final('Aborted', 'aborted', 'The run was stopped by the operator. What was done is in the journal.'),
  } as any,
});

export default defineRunbook({
  id: 'aadconnect-entra-credential',
  family: 'aadconnect',
  title: 'Reset the Entra connector credential of an Entra Connect Sync server',
  summary:
    'Find out whether the Entra connector signs in with a Sync_ account or as an application, then reset the account password (MFA: interactive sign-in) or rotate the application certificate; verify with a delta sync. Offers the move to application-based authentication.',
  appliesTo: 'A Windows server running Azure AD Connect / Entra Connect Sync whose Entra connector cannot sign in (Events 6900, 659, 1011, 1012) or whose credential must be renewed.',
  defaultScenario: 'service-account-stale-password',
  machine,
});
