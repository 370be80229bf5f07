<#
.SYNOPSIS
    Probe of step 'resetServiceAccount', read-only: did the password reset take effect?
.DESCRIPTION
    Reads the Sync_ account's lastPasswordChangeDateTime in Entra ID (Microsoft Graph, an existing
    session: Get-MgContext) and compares it with -StepStartedAt: at or after = done, before = not
    done. No Graph session, or the connector no longer on a Sync_ account: cannot tell.
    Output: {"verdict":"done"|"not-done"|"unknown"}
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Account = '',
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
