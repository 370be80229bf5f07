# Simulated ActiveDirectory module: the accounts of the simulated host's state file
# ($env:RUNBOOK_SIM_STATE, `accounts` in runners/simulator/aadconnect-adds-password/host.ts).
# Read-only, as the runbook only reads AD. Well-known group SIDs end in -512 (Domain Admins) and
# -519 (Enterprise Admins).

$ErrorActionPreference = 'Stop'

function Get-SimAccount([string]$Identity, [string]$Server) {
    $state = [System.IO.File]::ReadAllText($env:RUNBOOK_SIM_STATE) | Microsoft.PowerShell.Utility\ConvertFrom-Json
    foreach ($a in @($state.accounts)) {
        $user = [string]$a.user
        if (($user -ieq $Identity -or $user.TrimEnd('$') -ieq $Identity) -and (-not $Server -or [string]$a.domain -ieq $Server -or $Server -like "$([string]$a.domain).*")) { return $a }
    }
    throw "Cannot find an object with identity: '$Identity' under: '$Server'."
}

function Get-ADUser {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true, Position = 0)][string]$Identity, [string]$Server, [string[]]$Properties)
    $a = Get-SimAccount $Identity $Server
    if ([string]$a.kind -ne 'user') { throw "Cannot find an object with identity: '$Identity' under: '$Server'." }
    [pscustomobject][ordered]@{ SamAccountName = [string]$a.user; ObjectClass = 'user'; Enabled = $true }
}

function Get-ADServiceAccount {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true, Position = 0)][string]$Identity, [string]$Server, [string[]]$Properties)
    $a = Get-SimAccount $Identity $Server
    $class = 'msDS-ManagedServiceAccount'
    if ([string]$a.kind -eq 'gmsa') { $class = 'msDS-GroupManagedServiceAccount' }
    elseif ([string]$a.kind -ne 'msa') { throw "Cannot find an object with identity: '$Identity' under: '$Server'." }
    [pscustomobject][ordered]@{ SamAccountName = [string]$a.user; ObjectClass = $class }
}

function Get-ADPrincipalGroupMembership {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true, Position = 0)][string]$Identity, [string]$Server)
    $a = Get-SimAccount $Identity $Server
    foreach ($g in @($a.groups)) {
        $rid = '1105'
        switch ([string]$g) { 'Domain Admins' { $rid = '512' } 'Enterprise Admins' { $rid = '519' } 'Domain Users' { $rid = '513' } }
        [pscustomobject][ordered]@{ Name = [string]$g; SID = "S-1-5-21-1004336348-1177238915-682003330-$rid" }
    }
}

Export-ModuleMember -Function @('Get-ADUser', 'Get-ADServiceAccount', 'Get-ADPrincipalGroupMembership')
