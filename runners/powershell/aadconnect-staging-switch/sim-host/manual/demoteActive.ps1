<#
.SYNOPSIS
    SIMULATION ONLY: plays the operator's wizard 'Configure staging mode' > Enable on the simulated active server.
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
        Invoke-ADSyncSimStagingWizard -Enable $true
        Add-Evidence 'the wizard "Configure staging mode" was run and closed (simulated)'
    })
