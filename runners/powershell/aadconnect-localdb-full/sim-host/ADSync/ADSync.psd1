@{
    RootModule = 'ADSync.psm1'
    ModuleVersion = '1.0.0'
    GUID = '3c1b7a52-9e0d-4f7a-8c61-2d5e4b9a0f13'
    Author = 'runbook'
    Description = 'Simulated ADSync host for the aadconnect-localdb-full runbook scripts (state file: $env:RUNBOOK_SIM_STATE). Not the real ADSync module.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @(
        'Get-Service', 'Start-Service', 'Get-WinEvent', 'Get-ItemProperty',
        'Test-Path', 'Get-Item', 'New-Item', 'Copy-Item', 'Get-PSDrive',
        'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult',
        'Get-ADSyncScheduler', 'Set-ADSyncScheduler', 'Start-ADSyncPurgeRunHistory', 'Start-ADSyncSyncCycle',
        'Invoke-ADSyncSimShrink'
    )
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
