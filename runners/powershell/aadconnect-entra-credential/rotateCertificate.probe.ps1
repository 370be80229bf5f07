<#
.SYNOPSIS
    Probe of step 'rotateCertificate', read-only: did the certificate rotation take effect?
.DESCRIPTION
    Compares the thumbprint Get-ADSyncEntraConnectorCredential shows now with -CertThumbprintBefore
    (read by detect): different = done, the same = not done. A suspended scheduler (a wizard still
    open) or no application identity: cannot tell.
    Output: {"verdict":"done"|"not-done"|"unknown"}
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$CertThumbprintBefore = '',
    [string]$SchedulerWasEnabled = '',
    [string]$StepStartedAt = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        Invoke-ThumbprintProbe -CertThumbprintBefore $CertThumbprintBefore
    })
