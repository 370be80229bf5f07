<#
.SYNOPSIS
    Probe of the guided step 'rotateCertificateWizard', read-only: did the wizard rotate the
    certificate? The same reading as rotateCertificate.probe.ps1.
    Output: {"verdict":"done"|"not-done"|"unknown"}
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$CertThumbprintBefore = '',
    [string]$Server = '',
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
