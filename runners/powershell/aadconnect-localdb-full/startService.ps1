<#
.SYNOPSIS
    Step 'startService': Start-Service ADSync after the shrink, then count new Events 6323.
.DESCRIPTION
    The same as tryStart: a failed start is reported in the output, not as a step failure.
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
