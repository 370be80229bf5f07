@{
    RootModule = 'ADSync.psm1'
    ModuleVersion = '1.0.0'
    GUID = '6f0d2b8e-41a7-4c55-9a1e-7d3c2e8b5a24'
    Author = 'runbook'
    Description = 'Simulated ADSync host for the aadconnect-adds-password runbook scripts (state file: $env:RUNBOOK_SIM_STATE). Not the real ADSync module.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @(
        'Get-Service', 'Restart-Service', 'Get-CimInstance', 'Get-Process', 'Get-WinEvent', 'Get-ItemProperty',
        'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult', 'Invoke-ADSyncRunProfile',
        'Test-AdSyncUserHasPermissions', 'Set-ADSyncSimConnectorPassword', 'Read-SimState', 'Get-SimSha256'
    )
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
