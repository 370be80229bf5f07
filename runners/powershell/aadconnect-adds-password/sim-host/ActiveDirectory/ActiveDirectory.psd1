@{
    RootModule = 'ActiveDirectory.psm1'
    ModuleVersion = '1.0.0'
    GUID = 'a3e5c1f0-7b2d-4e8a-9c64-1f0b2d3e4a57'
    Author = 'runbook'
    Description = 'Simulated ActiveDirectory module for the aadconnect-adds-password scripts: the connector accounts of $env:RUNBOOK_SIM_STATE. Not the real module.'
    PowerShellVersion = '5.1'
    FunctionsToExport = @('Get-ADUser', 'Get-ADServiceAccount', 'Get-ADPrincipalGroupMembership')
    CmdletsToExport = @()
    VariablesToExport = @()
    AliasesToExport = @()
}
