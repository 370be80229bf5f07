<#
.SYNOPSIS
    SIMULATION ONLY: plays the operator's wizard 'Configure staging mode' > clear Enable on the simulated staging server.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$ActiveServer = '',
    [string]$StagingServer = ''
)
$ErrorActionPreference = 'Stop'
# run from a runner's temp folder, _common.ps1 sits beside it; from the repository, two folders up
$common = Join-Path $PSScriptRoot '_common.ps1'
if (-not (Test-Path -LiteralPath $common)) { $common = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) '_common.ps1' }
try { . $common } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        Invoke-ADSyncSimStagingWizard -Enable $false
        $s = Get-ADSyncScheduler -ErrorAction Stop
        Add-Evidence 'the wizard "Configure staging mode" was run and closed (simulated)'
        Add-Evidence (Format-Scheduler $s)
        if ([bool]$s.StagingModeEnabled) { Stop-Step ((Get-ServerName) + ' is still in staging mode: the wizard did not take effect') 'not-effective' }
    })
