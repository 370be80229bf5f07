<#
.SYNOPSIS
    Step 'tryStart': one Start-Service ADSync on a stopped service, then count new Events 6323.
.DESCRIPTION
    Never stops anything. A failed start is not a step failure: the machine routes on the output.
    Output: {"running":true|false,"new6323":<n>}
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
        Invoke-StartOnce $PollIntervalSeconds
    })
