@{
    RootModule = 'ADSync.psm1'
    ModuleVersion = '1.0.0'
    GUID = '0b7e6c3d-9a45-4f21-b8d2-5c1e7a9f3b60'
    Author = 'runbook'
    Description = 'Simulated ADSync host for the aadconnect-deletion-threshold runbook scripts (state file: $env:RUNBOOK_SIM_STATE). Not the real ADSync module.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @('Get-Service', 'Get-WinEvent', 'Get-ItemProperty', 'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult', 'Invoke-ADSyncRunProfile', 'Start-ADSyncSyncCycle', 'Get-ADSyncScheduler', 'Get-ADSyncExportDeletionThreshold', 'Enable-ADSyncExportDeletionThreshold', 'Disable-ADSyncExportDeletionThreshold')
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
