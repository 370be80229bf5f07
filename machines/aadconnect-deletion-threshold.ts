import { assign, setup } from 'xstate';
import { defineRunbook } from '../src/runbook/define.js';
import type { PromptMeta } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import type { EngineContext } from '../src/runbook/step-states.js';

/**
 * An export to Entra ID stopped by the accidental-delete threshold (Event 116, Export result
 * stopped-deletion-threshold-exceeded). Detect and record the threshold in force (the value to put
 * back), show what would be deleted (counts, a sample, the OUs they come from), and let a person
 * decide: the deletes are wrong (hand over, nothing changed) or intended (raise or disable the
 * threshold for one export, export, restore it, verify).
 *
 * Once the threshold may have changed, every way out of the run passes a restore: each failure
 * decision's abort after the change leads to `restoreAfterAbort` (abortTo) before the aborted end,
 * and the normal path restores before it verifies. The threshold cmdlets need an Entra sign-in
 * (current builds: -AADUserName, interactive), so the changes are guided steps at the server's
 * console, with the command for the parameter set the server's cmdlet has (Get-Command).
 */

export type Classification = 'threshold-exceeded' | 'healthy' | 'unknown';

interface Context extends EngineContext {
  server: string | null;
  classification: Classification | null;
  entraConnector: string | null;
  /** The threshold in force when the export stopped (Event 116): the value restored. */
  thresholdBefore: number | null;
  /** The sign-in arguments of the server's threshold cmdlets (parameter drift). */
  signInArgs: string;
  signInMode: string | null;
  stagingMode: boolean | null;
  deletes: number | null;
  raiseTo: number | null;
  method: 'raise' | 'disable' | null;
}

const STEP_IDS = ['detect', 'showDeletes', 'raiseThreshold', 'disableThreshold', 'exportDeletes', 'restoreThreshold', 'restoreAfterAbort', 'verify'] as const;

type Args = { context: Context; event: any };

const decideDeletes: PromptMeta = {
  kind: 'prompt',
  title: 'Are the pending deletions intended?',
  instructions: [
    'The counts, a sample and the OUs the deleted objects come from are shown above. Compare them with what you know',
    'was meant to happen (a cleanup of leavers, an OU taken out of sync on purpose).',
    'Not intended: a renamed or moved OU, an OU unticked in the wizard, a changed scoping rule or a domain controller',
    'problem makes objects look deleted. Choose "not intended": the run stops without changing anything.',
    'Intended: raise the threshold to the number of pending deletions for this one export (recommended), or disable it',
    'for this one export (the documented way). Either way it is put back to the value in Event 116 afterwards, also if',
    'the run is aborted.',
  ],
  prompt: {
    type: 'choice',
    id: 'deletesIntended',
    message: 'What are these deletions?',
    choices: [
      { event: 'WRONG', label: 'Not intended: stop and find the cause (nothing is changed)' },
      { event: 'RAISE', label: 'Intended: raise the threshold for this export, then restore it' },
      { event: 'DISABLE', label: 'Intended: disable the threshold for this export, then restore it' },
    ],
  },
};

const confirmDeletes: PromptMeta = {
  kind: 'prompt',
  title: 'Confirm: let the pending deletions through to Entra ID from {server}',
  instructions: [
    'The next steps change the accidental-delete threshold of the whole tenant (every Connect server of the tenant,',
    'staging servers included, sees the change) and export the deletions. Objects deleted in Entra ID are not brought',
    'back by this runbook. The threshold is restored to {thresholdBefore} right after the export, and on every abort.',
  ],
  prompt: {
    type: 'typed-confirm',
    id: 'confirmDeletes',
    message: 'Type the server name ({server}) to let the deletions through, or leave empty to cancel',
    event: 'CONFIRM',
    field: 'typed',
    cancelEvent: 'CANCEL',
    expected: '{server}',
  },
};

const restoreMeta = (title: string) => ({
  title,
  instructions: [
    'Put the threshold back to {thresholdBefore} objects. On {server}, in a PowerShell window opened as administrator:',
    '1. Run: Enable-ADSyncExportDeletionThreshold -DeletionThreshold {thresholdBefore} {signInArgs}',
    '2. Complete the Entra sign-in with a Hybrid Identity Administrator or Global Administrator account.',
    '3. Run: Get-ADSyncExportDeletionThreshold {signInArgs} and check it shows the threshold enabled at {thresholdBefore}.',
    'Repeating it is harmless. Do not leave the run without this: the tenant would stay unprotected.',
  ],
  commands: ['Enable-ADSyncExportDeletionThreshold -DeletionThreshold {thresholdBefore} {signInArgs}', 'Get-ADSyncExportDeletionThreshold {signInArgs}'],
  destructive: false,
  idempotent: true,
  manual: true,
  maxAttempts: 5,
});

const machine = setup({
  types: {} as { context: Context },
  actors: stepActors(STEP_IDS),
  guards: {
    ...engineGuards,
    diagnosedAs: ({ event }: Args, params: { classification: Classification }) => event.output?.classification === params.classification,
    typedServerName: ({ context, event }: Args) =>
      typeof event.typed === 'string' && context.server !== null && event.typed.trim().toLowerCase() === context.server.toLowerCase(),
    typedToRaise: ({ context, event }: Args) =>
      context.method === 'raise' && typeof event.typed === 'string' && context.server !== null && event.typed.trim().toLowerCase() === context.server.toLowerCase(),
  },
  actions: {
    ...engineActions,
    recordDiagnosis: assign(({ event }: Args) => ({
      server: (event.output?.server as string) ?? null,
      classification: (event.output?.classification as Classification) ?? null,
      entraConnector: (event.output?.entraConnector as string) ?? null,
      thresholdBefore: typeof event.output?.thresholdBefore === 'number' ? event.output.thresholdBefore : null,
      signInArgs: (event.output?.signInArgs as string) ?? '',
      signInMode: (event.output?.signInMode as string) ?? null,
      stagingMode: typeof event.output?.stagingMode === 'boolean' ? event.output.stagingMode : null,
    })),
    recordDeletes: assign(({ event }: Args) => ({
      deletes: typeof event.output?.deletes === 'number' ? event.output.deletes : null,
      raiseTo: typeof event.output?.deletes === 'number' ? event.output.deletes : null,
    })),
    chooseRaise: assign(() => ({ method: 'raise' as const })),
    chooseDisable: assign(() => ({ method: 'disable' as const })),
  },
}).createMachine({
  id: 'aadconnect-deletion-threshold',
  initial: 'detect',
  context: {
    ...engineContext(),
    server: null,
    classification: null,
    entraConnector: null,
    thresholdBefore: null,
    signInArgs: '',
    signInMode: null,
    stagingMode: null,
    deletes: null,
    raiseTo: null,
    method: null,
  },
  states: {
    ...step(
      'detect',
      {
        title: 'Find the export stopped by the accidental-delete threshold',
        instructions: [
          'Read, without changing anything and without signing in to Entra ID: the newest Export result of the Entra',
          'connector (stopped-deletion-threshold-exceeded), the newest Event 116 ("... N pending deletes ... threshold of M',
          'objects"), whether this is a staging server, and which sign-in parameter this build\'s threshold cmdlets take',
          '(Get-Command: -AADUserName, -AADCredential, or none). The threshold M in Event 116 is the value in force when the',
          'export stopped: it is recorded as the value to restore.',
        ],
        commands: [
          "Get-ADSyncConnector | Where-Object Identifier -eq 'b891884f-051e-4a83-95af-2544101c9083'",
          'Get-ADSyncRunProfileResult -ConnectorId b891884f-051e-4a83-95af-2544101c9083 -NumberRequested 5',
          "Get-WinEvent -FilterHashtable @{LogName='Application'; Id=116} -MaxEvents 1",
          '(Get-Command Enable-ADSyncExportDeletionThreshold).Parameters.Keys',
          '(Get-ADSyncScheduler).StagingModeEnabled',
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
      },
      {
        onDone: [
          { target: 'showDeletes', guard: { type: 'diagnosedAs', params: { classification: 'threshold-exceeded' } }, actions: ['recordDiagnosis'] },
          { target: 'nothingToDo', guard: { type: 'diagnosedAs', params: { classification: 'healthy' } }, actions: ['recordDiagnosis'] },
          { target: 'unknownSymptom', actions: ['recordDiagnosis'] },
        ],
      },
    ),
    ...step(
      'showDeletes',
      {
        title: 'Show what the export would delete',
        instructions: [
          'Export the pending changes of {entraConnector} with csexport (/f:x) and count the deletions: per object type,',
          'a sample of ten, and the OUs they come from. The same list is in Synchronization Service Manager: Connectors,',
          'select {entraConnector}, Search Connector Space, Scope "Pending Export", tick Delete, Search.',
        ],
        commands: [
          '& "<install>\\Bin\\csexport.exe" "{entraConnector}" "$env:TEMP\\pending-export.xml" /f:x',
          '(cs-object > unapplied-export > delta operation="delete", counted per object-type)',
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
        planOutput: { deletes: 612, byType: { user: 612 }, sample: [], ous: [] },
      },
      {
        params: (context: Context) => ({ entraConnector: context.entraConnector }),
        onDone: { target: 'decideDeletes', actions: ['recordDeletes'] },
      },
    ),
    decideDeletes: {
      meta: decideDeletes,
      on: {
        WRONG: { target: 'deletesNotIntended' },
        RAISE: { target: 'confirmDeletes', actions: ['chooseRaise'] },
        DISABLE: { target: 'confirmDeletes', actions: ['chooseDisable'] },
      },
    },
    confirmDeletes: {
      meta: confirmDeletes,
      on: {
        CONFIRM: [
          { target: 'raiseThreshold', guard: 'typedToRaise' },
          { target: 'disableThreshold', guard: 'typedServerName' },
        ],
        CANCEL: { target: 'aborted' },
      },
    },
    ...step(
      'raiseThreshold',
      {
        title: 'Raise the deletion threshold for this export',
        instructions: [
          'On {server}, in a PowerShell window opened as administrator:',
          '1. Run: Enable-ADSyncExportDeletionThreshold -DeletionThreshold {raiseTo} {signInArgs}',
          '2. Complete the Entra sign-in with a Hybrid Identity Administrator or Global Administrator account.',
          '3. Run: Get-ADSyncExportDeletionThreshold {signInArgs} and check it shows {raiseTo}.',
          'The threshold is tenant-wide. It goes back to {thresholdBefore} right after the export.',
        ],
        commands: ['Enable-ADSyncExportDeletionThreshold -DeletionThreshold {raiseTo} {signInArgs}', 'Get-ADSyncExportDeletionThreshold {signInArgs}'],
        destructive: true,
        idempotent: true,
        manual: true,
      },
      {
        params: (context: Context) => ({ server: context.server, raiseTo: context.raiseTo, signInArgs: context.signInArgs, thresholdBefore: context.thresholdBefore }),
        onDone: { target: 'exportDeletes' },
        abortTo: 'restoreAfterAbort',
      },
    ),
    ...step(
      'disableThreshold',
      {
        title: 'Disable the deletion threshold for this export',
        instructions: [
          'On {server}, in a PowerShell window opened as administrator:',
          '1. Run: Disable-ADSyncExportDeletionThreshold {signInArgs}',
          '2. Complete the Entra sign-in with a Hybrid Identity Administrator or Global Administrator account.',
          'The tenant has no delete protection until the restore right after the export (back to {thresholdBefore}).',
        ],
        commands: ['Disable-ADSyncExportDeletionThreshold {signInArgs}'],
        destructive: true,
        idempotent: true,
        manual: true,
      },
      {
        params: (context: Context) => ({ server: context.server, signInArgs: context.signInArgs, thresholdBefore: context.thresholdBefore }),
        onDone: { target: 'exportDeletes' },
        abortTo: 'restoreAfterAbort',
      },
    ),
    ...step(
      'exportDeletes',
      {
        title: 'Export the deletions to Entra ID',
        instructions: [
          'Wait until no sync run is in progress, then run the Export profile of {entraConnector} once (the same as',
          'Synchronization Service Manager: Connectors, {entraConnector}, Run, Export). The objects are deleted in Entra ID.',
          'If it stops again with stopped-deletion-threshold-exceeded, the threshold change did not take: retry after',
          'checking it, or abort (the threshold is restored either way).',
        ],
        commands: ['while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }', "Invoke-ADSyncRunProfile -ConnectorName '{entraConnector}' -RunProfileName Export"],
        destructive: true,
        idempotent: false,
        maxAttempts: 2,
        timeoutMs: 60 * 60_000,
        probe: {
          instructions: [
            'Read the newest Export result of the Entra connector: one that started after the step and succeeded means the',
            'deletions went out; stopped-deletion-threshold-exceeded, or no Export since the step started, means they did not.',
          ],
          commands: ['Get-ADSyncRunProfileResult -ConnectorId b891884f-051e-4a83-95af-2544101c9083 -NumberRequested 5'],
        },
      },
      {
        params: (context: Context) => ({ entraConnector: context.entraConnector }),
        onDone: { target: 'restoreThreshold' },
        abortTo: 'restoreAfterAbort',
      },
    ),
    ...step('restoreThreshold', restoreMeta('Restore the deletion threshold'), {
      params: (context: Context) => ({ server: context.server, thresholdBefore: context.thresholdBefore, signInArgs: context.signInArgs }),
      onDone: { target: 'verify' },
      abortTo: 'restoreNotDone',
    }),
    ...step('restoreAfterAbort', restoreMeta('Before stopping: restore the deletion threshold'), {
      params: (context: Context) => ({ server: context.server, thresholdBefore: context.thresholdBefore, signInArgs: context.signInArgs }),
      onDone: { target: 'abortedRestored' },
      abortTo: 'restoreNotDone',
    }),
    ...step(
      'verify',
      {
        title: 'Verify with a delta sync',
        instructions: [
          'Run a delta sync cycle and wait for it: the Entra connector\'s Export must succeed, no new Event 116, and no',
          'deletion left pending.',
        ],
        commands: ['Start-ADSyncSyncCycle -PolicyType Delta', 'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }', 'Get-ADSyncRunProfileResult -ConnectorId b891884f-051e-4a83-95af-2544101c9083 -NumberRequested 1'],
        destructive: false,
        idempotent: true,
        timeoutMs: 30 * 60_000,
      },
      { params: (context: Context) => ({ entraConnector: context.entraConnector }), onDone: { target: 'done' } },
    ),
    done: final('Deletions exported, protection restored', 'success', 'The intended deletions reached Entra ID, the threshold is back at its recorded value and a delta sync ran clean.'),
    nothingToDo: final('Nothing to do', 'nothing-to-do', 'The newest export of the Entra connector was not stopped by the deletion threshold and no Event 116 was found. Nothing was changed.'),
    unknownSymptom: final('No sign of the deletion threshold', 'handed-over', 'The export did not stop with stopped-deletion-threshold-exceeded and no Event 116 was found, or the service is not running. Nothing was changed.'),
    deletesNotIntended: final(
      'Deletions not intended: find the cause',
      'handed-over',
      'Nothing was changed and the threshold still holds the deletions back. Look at the OUs listed: a renamed or moved OU, an OU unticked in the wizard (Domain and OU filtering) or a changed scoping rule. Fix the scope, run Start-ADSyncSyncCycle -PolicyType Initial, and check the pending deletions disappear.',
    ),
    restoreNotDone: final(
      'Stopped: the threshold may still be changed',
      'handed-over',
      'The run stopped before the threshold was confirmed restored. Restore it by hand now with Enable-ADSyncExportDeletionThreshold -DeletionThreshold <the recorded value> and check with Get-ADSyncExportDeletionThreshold.',
    ),
    abortedRestored: final('Aborted, threshold restored', 'aborted', 'The run was stopped by the operator after the threshold was changed; the threshold was put back to its recorded value first.'),
    aborted: final('Aborted', 'aborted', 'The run was stopped by the operator before anything was changed.'),
  } as any,
});

export default defineRunbook({
  id: 'aadconnect-deletion-threshold',
  family: 'aadconnect',
  title: 'Handle an export stopped by the accidental-delete threshold',
  summary:
    'Event 116 / stopped-deletion-threshold-exceeded: show what would be deleted, decide; stop and hand over, or let the deletions through once and restore the threshold on every way out.',
  appliesTo: 'A Windows server running Azure AD Connect / Entra Connect Sync whose export to Entra ID stopped at the accidental-delete threshold.',
  defaultScenario: 'intended-cleanup',
  machine,
});
