@{
    RootModule = 'ADSync.psm1'
    ModuleVersion = '1.0.0'
    GUID = '6f0f1f6e-2c43-4f1d-9d55-0b8d5a3c7e21'
    Author = 'runbook'
    Description = 'Simulated ADSync host for the aadconnect-encryption-key runbook scripts (state file: $env:RUNBOOK_SIM_STATE). Not the real ADSync module.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @(
        'Get-Service', 'Start-Service', 'Stop-Service', 'Restart-Service',
        'Get-WinEvent', 'Get-CimInstance', 'Get-ItemProperty', 'Get-ChildItem',
        'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncScheduler', 'Set-ADSyncScheduler',
        'Start-ADSyncSyncCycle', 'Get-ADSyncRunProfileResult', 'Invoke-ADSyncRunProfile',
        'Get-ADSyncEntraConnectorCredential', 'Add-ADSyncAADServiceAccount',
        'Set-ADSyncSimConnectorPassword', 'Repair-ADSyncSimServiceLogon', 'Complete-ADSyncSimInteractiveSignIn',
        'Invoke-ADSyncSimKeyAbandon', 'New-ADSyncSimState'
    )
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
