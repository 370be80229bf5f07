<#
.SYNOPSIS
    Step 'checkOldActive' (read-only, on the old active server): the gate 'never two active'. Output {stagingMode}.
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
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        $s = Get-ADSyncScheduler -ErrorAction Stop
        Add-Evidence (Format-Scheduler $s)
        if ([bool]$s.StagingModeEnabled) { Add-Evidence ((Get-ServerName) + ' is in staging mode: it no longer exports') }
        else { Add-Evidence ((Get-ServerName) + ' is NOT in staging mode: it still exports') }
        Set-StepOutput ([ordered]@{ stagingMode = [bool]$s.StagingModeEnabled })
    })
