@{
    RootModule = 'ADSyncTools.psm1'
    ModuleVersion = '2.3.0'
    GUID = '5b9e2c7a-1f34-4d8b-a6e0-3c7d9f1b2e64'
    Author = 'runbook'
    Description = 'Simulated ADSyncTools for the aadconnect-entra-credential runbook scripts: Repair-ADSyncToolsEntraAppParameters over the simulated ADSync host. Not the real ADSyncTools module.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @('Repair-ADSyncToolsEntraAppParameters')
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
