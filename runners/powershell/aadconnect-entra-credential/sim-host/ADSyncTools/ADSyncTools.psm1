# Simulated ADSyncTools (2.3.0): Repair-ADSyncToolsEntraAppParameters puts the application
# parameters back on the Entra connector of the simulated host (op 'repair-parameters').
$ErrorActionPreference = 'Stop'
Import-Module ADSync -DisableNameChecking

function Repair-ADSyncToolsEntraAppParameters {
    [CmdletBinding()]
    param()
    $changed = Invoke-ADSyncSimRepairParameters
    if ($changed -eq $false) { Write-Output 'The Entra connector already has its application parameters.' }
    else { Write-Output 'ApplicationManagedBy, CertificateManagedBy and CertificateId restored on the Entra connector.' }
}

Export-ModuleMember -Function 'Repair-ADSyncToolsEntraAppParameters'
