<#
.SYNOPSIS
    Step 'repairAppParameters' (idempotent): put ApplicationManagedBy, CertificateManagedBy and
    CertificateId back on the Entra connector with ADSyncTools 2.3.0 or later.
.DESCRIPTION
    Import-Module ADSyncTools -MinimumVersion 2.3.0 (the operator installs or updates it first:
    Install-Module / Update-Module ADSyncTools), then Repair-ADSyncToolsEntraAppParameters, then
    reads the connector again. Output {"repaired":true}. Categories: module-missing, not-application,
    repair-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        $id = Get-EntraIdentity
        Add-Evidence $id.Note
        if ($id.Type -ne 'Application') { Stop-Step "refused: $($id.Note): there are no application parameters to repair" 'not-application' }
        try {
            Import-Module ADSyncTools -MinimumVersion 2.3.0 -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
        } catch {
            Stop-Step ('ADSyncTools 2.3.0 or later cannot be loaded (Install-Module ADSyncTools, or Update-Module ADSyncTools): ' + [string]$_.Exception.Message) 'module-missing'
        }
        $tools = Get-Module -Name ADSyncTools | Select-Object -First 1
        Add-Evidence "ADSyncTools $($tools.Version) loaded"
        Write-StepProgress 'Repair-ADSyncToolsEntraAppParameters'
        try {
            $said = @(Repair-ADSyncToolsEntraAppParameters -ErrorAction Stop)
        } catch {
            Stop-Step ('Repair-ADSyncToolsEntraAppParameters failed: ' + [string]$_.Exception.Message) 'repair-failed'
        }
        foreach ($line in $said) { if ($null -ne $line) { Add-Evidence ("Repair-ADSyncToolsEntraAppParameters: " + [string]$line) } }
        $connector = Get-EntraConnector
        $missing = @(@('ApplicationManagedBy', 'CertificateManagedBy', 'CertificateId') | Where-Object { $null -eq (Get-ConnectorParameter $connector $_) })
        if ($missing.Count -gt 0) { Stop-Step ('still missing on the Entra connector: ' + ($missing -join ', ')) 'repair-failed' }
        Add-Evidence 'ApplicationManagedBy, CertificateManagedBy, CertificateId: present on the Entra connector'
        Set-StepOutput ([ordered]@{ repaired = $true })
    })
