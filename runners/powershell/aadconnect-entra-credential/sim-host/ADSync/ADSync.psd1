@{
    RootModule = 'ADSync.psm1'
    ModuleVersion = '1.0.0'
    GUID = '0d6b3f8e-5a21-4c7e-9b4d-7e2f1a9c3b58'
    Author = 'runbook'
    Description = 'Simulated ADSync host for the aadconnect-entra-credential runbook scripts (state file: $env:RUNBOOK_SIM_STATE). Not the real ADSync module.'
    PowerShellVersion = '5.1'
    # the module exports what the simulated build has (Export-ModuleMember in ADSync.psm1)
    FunctionsToExport = '*'
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
