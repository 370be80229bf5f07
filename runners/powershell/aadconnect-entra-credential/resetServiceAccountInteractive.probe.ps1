<#
.SYNOPSIS
    Probe of the guided step 'resetServiceAccountInteractive', read-only: did the interactive reset
    take effect? The same reading as resetServiceAccount.probe.ps1.
    Output: {"verdict":"done"|"not-done"|"unknown"}
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Account = '',
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
        Invoke-PasswordProbe -StepStartedAt $StepStartedAt
    })
