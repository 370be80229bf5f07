@{
    RootModule = 'ADSync.psm1'
    ModuleVersion = '1.0.0'
    GUID = '3b7f5c1e-9a2d-4e8b-b6c4-7d1e0f2a9c53'
    Author = 'runbook'
    Description = 'Simulated ADSync host for the aadconnect-health-check scripts, read-only (state file: $env:RUNBOOK_SIM_STATE). Not the real ADSync module.'
    PowerShellVersion = '5.1'
    # the psm1 exports what the simulated build has (Get-ADSyncEntraConnectorCredential from 2.5.3.0)
    FunctionsToExport = '*'
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
