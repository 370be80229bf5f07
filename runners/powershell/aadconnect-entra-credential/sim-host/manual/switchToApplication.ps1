<#
.SYNOPSIS
    SIMULATION ONLY: carries out the guided step 'switchToApplication' on the simulated host (Complete-ADSyncSimWizardSwitch).
    Output: null. Categories: as the simulated host raises them.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Server = ''
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
        try {
            Complete-ADSyncSimWizardSwitch
        } catch {
            $category = 'failed'
            if ($_.Exception.Data.Contains('AdsyncSimCategory')) { $category = [string]$_.Exception.Data['AdsyncSimCategory'] }
            Stop-Step $_.Exception.Message $category
        }
        Add-Evidence 'the wizard configured application-based authentication (simulated) and was closed'
    })
