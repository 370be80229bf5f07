<#
.SYNOPSIS
    Step 'verifyServiceAccount' (idempotent): scheduler back on when it was, a delta sync cycle, and the Entra
    connector's result.
.DESCRIPTION
    Fails ('scheduler-suspended') while a configuration wizard is still open. Checks the identity
    type is -ExpectedType (ServiceAccount), runs
    Start-ADSyncSyncCycle -PolicyType Delta, waits until idle, reads the newest run of every
    connector and the events 6900, 659, 1012, 906 since the cycle started.
    Output {"healthy":bool,"identityType":"...","failures":[...]}: a failing sync is an output.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Account = '',
    [string]$SchedulerWasEnabled = '',
    [string]$ExpectedType = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        Invoke-Verify -ExpectedType $ExpectedType -SchedulerWasEnabled $SchedulerWasEnabled -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
    })
