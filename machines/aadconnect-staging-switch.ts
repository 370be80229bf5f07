import { assign, setup } from 'xstate';
import { defineRunbook } from '../src/runbook/define.js';
import type { Json, PromptMeta } from '../src/runbook/define.js';
import { engineActions, engineContext, engineGuards, final, step, stepActors } from '../src/runbook/step-states.js';
import type { EngineContext } from '../src/runbook/step-states.js';

/**
 * Switching the active and the staging Entra Connect Sync server: the current active server goes
 * to staging mode, then the staging server becomes active. Two servers, two target roles:
 * `active` (the server exporting today) and `staging` (the one that takes over).
 *
 * Read-only pre-checks on both, the pending-export check on the staging server with an explicit
 * approval, a typed confirmation, the wizard on the active server (guided), the gate "never two
 * active" (a read-only check of the old active server, or a recorded decision that it is off and
 * isolated), the wizard on the staging server (guided), the exports verified on the new active
 * server, and the new staging server checked to keep syncing. Pure orchestration.
 */

const STEP_IDS = [
  'checkActive',
  'checkStaging',
  'pendingExports',
  'demoteActive',
  'checkOldActive',
  'promoteStaging',
  'verifyExports',
  'checkNewStaging',
] as const;

/** A delta sync must run at least every 7 days on a staging server, or it needs a full sync first. */
const MAX_SYNC_AGE_HOURS = 7 * 24;

interface Context extends EngineContext {
  activeServer: string | null;
  stagingServer: string | null;
  activeBuild: string | null;
  stagingBuild: string | null;
  activeConfig: string | null;
  pendingAdd: number | null;
  pendingUpdate: number | null;
  pendingDelete: number | null;
  pendingTotal: number | null;
  pendingSample: string[];
  deletionThreshold: number | null;
  /** How the gate was passed: 'staging-mode' (read on the server) or 'isolated' (the operator's recorded decision). */
  gate: 'staging-mode' | 'isolated' | null;
  isolationReason: string | null;
}

type Args = { context: Context; event: any };

const servers = (context: Context): Record<string, Json> => ({ activeServer: context.activeServer, stagingServer: context.stagingServer });

const approveExports: PromptMeta = {
  kind: 'prompt',
  title: 'Approve the pending exports of {stagingServer}',
  instructions: [
    'As soon as {stagingServer} leaves staging mode it exports everything it has staged, to Entra ID (and to AD when writeback is on).',
    'Pending on {stagingServer}: {pendingAdd} to add, {pendingUpdate} to update, {pendingDelete} to delete ({pendingTotal} in all; the accidental-delete threshold is {deletionThreshold}).',
    'Sample: {pendingSample}.',
    'Approve only when these numbers and the sample are what you expect (for example after a rule change you made on purpose).',
    'Anything unexpected: abort, and find out why the staging server wants to change those objects before any switch.',
  ],
  prompt: {
    type: 'choice',
    id: 'approveExports',
    message: 'Are the pending exports of {stagingServer} expected?',
    choices: [
      { event: 'APPROVE', label: 'Yes: approve them (recorded)' },
      { event: 'ABORT', label: 'No: abort the switch (nothing was changed)' },
    ],
  },
};

const confirmSwitch: PromptMeta = {
  kind: 'prompt',
  title: 'Confirm: switch {activeServer} to staging mode, then make {stagingServer} active',
  instructions: [
    'From here the two servers change roles. First {activeServer} goes to staging mode: it stops exporting and stops password hash sync',
    'and password writeback. Only then, once {activeServer} is shown to be in staging mode, does {stagingServer} become active.',
    'Have a Hybrid Identity Administrator account ready for the wizard on each server. Tell the service desk: sync pauses for a while.',
  ],
  prompt: {
    type: 'typed-confirm',
    id: 'confirmSwitch',
    message: 'Type the name of the active server ({activeServer}) to start the switch, or leave empty to cancel',
    event: 'CONFIRM',
    field: 'typed',
    cancelEvent: 'CANCEL',
    expected: '{activeServer}',
  },
};

const neverTwoActive: PromptMeta = {
  kind: 'prompt',
  title: 'Never two active servers: {activeServer} is not shown in staging mode',
  instructions: [
    '{stagingServer} must not become active while {activeServer} may still export: two active servers overwrite each other in Entra ID',
    'and break password writeback. The check of {activeServer} did not show it in staging mode.',
    'Check again after you finished the wizard on {activeServer}, or run the wizard there again.',
    'Only if {activeServer} is shut down and cannot reach Entra ID (powered off, or its outbound connections cut) may you record',
    'that it is isolated, with how you made sure: it must then be checked before it is ever powered on again.',
  ],
  prompt: {
    type: 'choice',
    id: 'neverTwoActive',
    message: 'What now? ({activeServer} is not shown in staging mode)',
    choices: [
      { event: 'RECHECK', label: 'Check {activeServer} again' },
      { event: 'REDO', label: 'Run the wizard on {activeServer} again' },
      {
        event: 'ISOLATED',
        label: '{activeServer} is off and isolated: record it and go on',
        needsReason: true,
        reason: { id: 'isolationReason', message: 'How did you make sure {activeServer} is off and cannot reach Entra ID? (recorded)' },
      },
      { event: 'ABORT', label: 'Abort the switch' },
    ],
  },
};

const WIZARD_CLOSE = 'Click Exit to close the wizard: while it is open, the scheduler on this server is suspended and it does not sync.';

const machine = setup({
  types: {} as { context: Context },
  actors: stepActors(STEP_IDS),
  guards: {
    ...engineGuards,
    alreadyStaging: ({ event }: Args) => event.output?.stagingMode === true,
    stagingNotReady: ({ event }: Args) =>
      event.output?.stagingMode !== true || event.output?.syncCycleEnabled !== true || !(Number(event.output?.lastSyncHoursAgo) <= MAX_SYNC_AGE_HOURS),
    configDiffers: ({ context, event }: Args) => event.output?.config !== context.activeConfig,
    tooManyDeletes: ({ event }: Args) => Number(event.output?.delete ?? 0) > Number(event.output?.threshold ?? 0),
    typedActive: ({ context, event }: Args) =>
      typeof event.typed === 'string' && context.activeServer !== null && event.typed.trim().toLowerCase() === context.activeServer.toLowerCase(),
    shownStaging: ({ event }: Args) => event.output?.stagingMode === true,
    exportsRan: ({ event }: Args) => event.output?.ok === true,
  },
  actions: {
    ...engineActions,
    recordActive: assign(({ event }: Args) => ({ activeServer: event.output.server, activeBuild: event.output.build, activeConfig: event.output.config })),
    recordStaging: assign(({ event }: Args) => ({ stagingServer: event.output.server, stagingBuild: event.output.build })),
    recordPending: assign(({ event }: Args) => ({
      pendingAdd: event.output.add,
      pendingUpdate: event.output.update,
      pendingDelete: event.output.delete,
      pendingTotal: event.output.add + event.output.update + event.output.delete,
      pendingSample: event.output.sample,
      deletionThreshold: event.output.threshold,
    })),
    gateByServer: assign(() => ({ gate: 'staging-mode' as const })),
    gateByDecision: assign(({ event }: Args) => ({ gate: 'isolated' as const, isolationReason: event.reason ?? null })),
  },
}).createMachine({
  id: 'aadconnect-staging-switch',
  initial: 'checkActive',
  context: {
    ...engineContext(),
    activeServer: null,
    stagingServer: null,
    activeBuild: null,
    stagingBuild: null,
    activeConfig: null,
    pendingAdd: null,
    pendingUpdate: null,
    pendingDelete: null,
    pendingTotal: null,
    pendingSample: [],
    deletionThreshold: null,
    gate: null,
    isolationReason: null,
  },
  states: {
    ...step(
      'checkActive',
      {
        title: 'Pre-checks on the active server',
        on: 'active',
        instructions: [
          'Read, without changing anything: the server name and build, the scheduler (StagingModeEnabled must be False here: this is',
          'the server that exports today), whether a sync runs now, and the configuration (sync rules and connectors) to compare with',
          'the staging server.',
        ],
        commands: ['Get-ADSyncScheduler', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRule | Select-Object Name, Precedence, Disabled', 'Get-ADSyncConnector | Select-Object Name'],
        destructive: false,
        idempotent: true,
        readOnly: true,
        planOutput: { server: 'AADC01', build: '2.4.18.0', stagingMode: false, config: '' },
      },
      {
        onDone: [
          { target: 'rolesWrong', guard: 'alreadyStaging', actions: ['recordActive'] },
          { target: 'checkStaging', actions: ['recordActive'] },
        ],
      },
    ),
    ...step(
      'checkStaging',
      {
        title: 'Pre-checks on the staging server',
        on: 'staging',
        instructions: [
          'Read, without changing anything: the server name and build, StagingModeEnabled (must be True), SyncCycleEnabled (must be True),',
          'the newest sync run (a staging server that has not synced for 7 days needs a full sync first), whether a sync runs now, and its',
          'configuration: it must match the active server\'s rules and connectors, or the new active server would sync differently.',
          'A different build is reported, not refused (the same build on both is recommended).',
        ],
        commands: [
          'Get-ADSyncScheduler',
          'Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier -NumberRequested 1 }',
          'Get-ADSyncRule | Select-Object Name, Precedence, Disabled',
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
        planOutput: { server: 'AADC02', build: '2.4.18.0', stagingMode: true, syncCycleEnabled: true, lastSyncHoursAgo: 1, config: '' },
      },
      {
        params: (context: Context) => ({ activeConfig: context.activeConfig, activeBuild: context.activeBuild }),
        onDone: [
          { target: 'stagingNotReady', guard: 'stagingNotReady', actions: ['recordStaging'] },
          { target: 'configDiffers', guard: 'configDiffers', actions: ['recordStaging'] },
          { target: 'pendingExports', actions: ['recordStaging'] },
        ],
      },
    ),
    ...step(
      'pendingExports',
      {
        title: 'Count the pending exports on the staging server',
        on: 'staging',
        instructions: [
          'When no sync runs, export each connector\'s pending changes with csexport (read-only) and count them by operation: add, update, delete.',
          'A few objects are shown as a sample. More deletions than the tenant\'s accidental-delete threshold stop the switch here.',
        ],
        commands: [
          'cd "$env:ProgramFiles\\Microsoft Azure AD Sync\\Bin"',
          '.\\csexport.exe "<connector>" "$env:TEMP\\export.xml" /f:x',
          'count cs-object/unapplied-export/delta @operation (add, update, delete)',
        ],
        destructive: false,
        idempotent: true,
        readOnly: true,
        planOutput: { add: 2, update: 10, delete: 1, sample: ['update CN=Ada,OU=Staff,DC=contoso,DC=com (contoso.com)'], threshold: 500 },
      },
      {
        onDone: [
          { target: 'exportsNeedReview', guard: 'tooManyDeletes', actions: ['recordPending'] },
          { target: 'approveExports', actions: ['recordPending'] },
        ],
      },
    ),
    approveExports: {
      meta: approveExports,
      on: { APPROVE: { target: 'confirmSwitch' }, ABORT: { target: 'aborted' } },
    },
    confirmSwitch: {
      meta: confirmSwitch,
      on: { CONFIRM: { target: 'demoteActive', guard: 'typedActive' }, CANCEL: { target: 'aborted' } },
    },
    ...step(
      'demoteActive',
      {
        title: 'Switch {activeServer} to staging mode (configuration wizard)',
        on: 'active',
        instructions: [
          'On {activeServer}, signed in as a local administrator:',
          '1. Open "Microsoft Entra Connect" (Azure AD Connect) from the desktop or the Start menu, click Configure.',
          '2. Choose "Configure staging mode" and click Next.',
          '3. Sign in with a Hybrid Identity Administrator account of the tenant.',
          '4. Tick "Enable staging mode" and click Next.',
          '5. Leave "Start the synchronization process when configuration completes" ticked (so this server stays current), click Configure.',
          '6. When the wizard says the configuration is complete, ' + WIZARD_CLOSE,
          'If {activeServer} cannot be reached at all, do not guess: shut it down or cut its outbound connections, confirm here that you',
          'could not run the wizard ("did not work"), and the next check lets you record that it is isolated.',
        ],
        commands: ['(wizard) Configure staging mode > Enable staging mode > Configure > Exit'],
        destructive: true,
        idempotent: false,
        manual: true,
        maxAttempts: 3,
        timeoutMs: 60 * 60_000,
        probe: {
          instructions: ['Read StagingModeEnabled on {activeServer}: True means the wizard took effect, False that it did not; no answer: it cannot tell.'],
          commands: ['Import-Module ADSync; (Get-ADSyncScheduler).StagingModeEnabled'],
        },
      },
      { params: servers, onDone: { target: 'checkOldActive' } },
    ),
    ...step(
      'checkOldActive',
      {
        title: 'Never two active: check that {activeServer} is in staging mode',
        on: 'active',
        instructions: [
          'Read StagingModeEnabled on {activeServer}, changing nothing. Only True lets {stagingServer} become active.',
          'If {activeServer} cannot be reached, this check fails: skip it only to record, at the next question, that {activeServer} is off and isolated.',
        ],
        commands: ['Import-Module ADSync; (Get-ADSyncScheduler).StagingModeEnabled', 'Get-ADSyncConnectorRunStatus'],
        destructive: false,
        idempotent: true,
        readOnly: true,
        skippable: true,
        planOutput: { stagingMode: true },
      },
      {
        params: servers,
        onDone: [
          { target: 'promoteStaging', guard: 'shownStaging', actions: ['gateByServer'] },
          { target: 'neverTwoActive' },
        ],
        skipTo: 'neverTwoActive',
      },
    ),
    neverTwoActive: {
      meta: neverTwoActive,
      on: {
        RECHECK: { target: 'checkOldActive' },
        REDO: { target: 'demoteActive' },
        ISOLATED: { target: 'promoteStaging', actions: ['gateByDecision'] },
        ABORT: { target: 'aborted' },
      },
    },
    ...step(
      'promoteStaging',
      {
        title: 'Make {stagingServer} active (configuration wizard)',
        on: 'staging',
        instructions: [
          'On {stagingServer}, signed in as a local administrator:',
          '1. Open "Microsoft Entra Connect" (Azure AD Connect), click Configure.',
          '2. Choose "Configure staging mode" and click Next (the wizard notes that the server is in staging mode).',
          '3. Sign in with a Hybrid Identity Administrator account of the tenant.',
          '4. Clear the tick of "Enable staging mode" and click Next.',
          '5. Tick "Start the synchronization process when configuration completes", read the summary page (it must not turn on',
          '   features you do not use, such as password hash sync), and click Configure.',
          '6. When the wizard says the configuration is complete, ' + WIZARD_CLOSE,
          'From now on {stagingServer} exports the changes approved before. Do not run the wizard on {activeServer} again.',
        ],
        commands: ['(wizard) Configure staging mode > clear Enable staging mode > Configure > Exit', '(Get-ADSyncScheduler).StagingModeEnabled'],
        destructive: true,
        idempotent: false,
        manual: true,
        maxAttempts: 3,
        timeoutMs: 60 * 60_000,
        probe: {
          instructions: ['Read StagingModeEnabled on {stagingServer}: False means it is active (the wizard took effect), True that it is still staging.'],
          commands: ['Import-Module ADSync; (Get-ADSyncScheduler).StagingModeEnabled'],
        },
      },
      { params: servers, onDone: { target: 'verifyExports' } },
    ),
    ...step(
      'verifyExports',
      {
        title: 'Verify that {stagingServer} exports',
        on: 'staging',
        instructions: [
          'Start a delta sync cycle on {stagingServer}, wait until it is idle, and read the newest run of each connector: an Export run',
          'with success (or completed with warnings) on every connector means the new active server exports. A deletion-threshold stop',
          '(stopped-deletion-threshold-exceeded) is the accidental-delete procedure, not this one.',
        ],
        commands: [
          'Start-ADSyncSyncCycle -PolicyType Delta',
          'while (Get-ADSyncConnectorRunStatus) { Start-Sleep 10 }',
          'Get-ADSyncConnector | ForEach-Object { Get-ADSyncRunProfileResult -ConnectorId $_.Identifier -NumberRequested 3 }',
        ],
        destructive: false,
        idempotent: true,
        timeoutMs: 60 * 60_000,
        planOutput: { ok: true, exports: [] },
      },
      {
        params: servers,
        onDone: [
          { target: 'checkNewStaging', guard: 'exportsRan' },
          { target: 'exportsFailed' },
        ],
      },
    ),
    ...step(
      'checkNewStaging',
      {
        title: 'Check that {activeServer} keeps syncing as the staging server',
        on: 'active',
        instructions: [
          'Read, without changing anything: StagingModeEnabled (True) and SyncCycleEnabled (True) on {activeServer}, so that it stays',
          'current and can take over again. A delta sync must run on it at least every 7 days.',
          'If {activeServer} was recorded as off and isolated, this check fails: skip it, and check the server before it is powered on again.',
        ],
        commands: ['Get-ADSyncScheduler'],
        destructive: false,
        idempotent: true,
        readOnly: true,
        skippable: true,
        planOutput: { stagingMode: true, syncCycleEnabled: true },
      },
      { params: servers, onDone: { target: 'done' }, skipTo: 'done' },
    ),
    done: final(
      'Switched: the staging server is active, the old active server is in staging mode',
      'success',
      'The new active server exports; the old one is in staging mode (or recorded as off and isolated). Keep the staging server syncing, and decommission old servers completely.',
    ),
    rolesWrong: final(
      'Not this switch: the "active" server is already in staging mode',
      'handed-over',
      'The server given as active is in staging mode: the roles were given the wrong way round, or a switch already happened. Find out which server exports today. Nothing was changed.',
    ),
    stagingNotReady: final(
      'The staging server is not ready to take over',
      'handed-over',
      'The server given as staging is not in staging mode, has its scheduler off, or has not synced for 7 days (it then needs a full sync first). Nothing was changed.',
    ),
    configDiffers: final(
      'The two servers are not configured alike',
      'handed-over',
      'The sync rules or connectors of the two servers differ: the new active server would sync differently. Align them (export the configuration of both and compare), run a full sync on the staging server, then switch. Nothing was changed.',
    ),
    exportsNeedReview: final(
      'Too many deletions pending on the staging server',
      'handed-over',
      'The staging server would delete more objects than the accidental-delete threshold allows. Find out why (a scoping or rule change) before any switch; see the accidental-delete procedure. Nothing was changed.',
    ),
    exportsFailed: final(
      'The new active server did not export',
      'handed-over',
      'The roles were switched but no successful Export run was seen on every connector of the new active server. Look at the Operations tab of Synchronization Service Manager; a deletion-threshold stop is the accidental-delete procedure.',
    ),
    aborted: final('Aborted', 'aborted', 'The run was stopped by the operator. What was done is in the journal: check which server is in staging mode before anything else.'),
  } as any,
});

export default defineRunbook({
  id: 'aadconnect-staging-switch',
  family: 'aadconnect',
  title: 'Switch the active and the staging Entra Connect Sync server',
  summary:
    'Pre-checks on both servers, the staging server\'s pending exports approved, the active server to staging mode, never two active, the staging server made active, its exports verified.',
  appliesTo: 'Two Windows servers running Entra Connect Sync (Azure AD Connect) for one tenant: one active, one in staging mode.',
  defaultScenario: 'happy',
  targetRoles: [
    { name: 'active', title: 'the server that exports today (it goes to staging mode)' },
    { name: 'staging', title: 'the server in staging mode today (it becomes active)' },
  ],
  machine,
  result(context: unknown) {
    const c = context as Context;
    if (!c.activeServer) return undefined as never;
    const lines = [
      `active before: ${c.activeServer}${c.activeBuild ? ` (${c.activeBuild})` : ''}; staging before: ${c.stagingServer ?? 'not read'}${c.stagingBuild ? ` (${c.stagingBuild})` : ''}`,
      ...(c.pendingTotal !== null ? [`pending exports approved: ${c.pendingAdd} add, ${c.pendingUpdate} update, ${c.pendingDelete} delete`] : []),
      ...(c.gate ? [c.gate === 'isolated' ? `gate passed by the operator's decision: ${c.activeServer} is off and isolated (${c.isolationReason})` : `gate passed: ${c.activeServer} was read in staging mode`] : []),
    ];
    return { lines, data: { activeServer: c.activeServer, stagingServer: c.stagingServer, pending: { add: c.pendingAdd, update: c.pendingUpdate, delete: c.pendingDelete }, gate: c.gate, isolationReason: c.isolationReason } };
  },
});
