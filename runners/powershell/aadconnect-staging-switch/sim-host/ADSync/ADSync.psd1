@{
    RootModule = 'ADSync.psm1'
    ModuleVersion = '1.0.0'
    GUID = '8f0b3c2e-4d1a-4b7e-9a55-6e2d7c1f0a24'
    Author = 'runbook'
    Description = 'Simulated ADSync host for the aadconnect-staging-switch runbook scripts (state file: $env:RUNBOOK_SIM_STATE, server: $env:RUNBOOK_SIM_SERVER). Not the real ADSync module.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @(
        'Get-Item',
        'Get-ADSyncScheduler', 'Get-ADSyncRule', 'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult',
        'Start-ADSyncSyncCycle', 'Get-ADSyncExportDeletionThreshold',
        'Invoke-ADSyncSimStagingWizard', 'Read-ADSyncSimServer'
    )
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
