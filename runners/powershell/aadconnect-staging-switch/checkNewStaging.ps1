<#
.SYNOPSIS
    Step 'checkNewStaging' (read-only, on the old active server): in staging mode and still syncing. Output {stagingMode, syncCycleEnabled}; what is wrong is a problem.
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
        $problems = New-Object 'System.Collections.Generic.List[string]'
        if (-not [bool]$s.StagingModeEnabled) { $problems.Add((Get-ServerName) + ' is not in staging mode') }
        if (-not [bool]$s.SyncCycleEnabled) { $problems.Add('the scheduler of ' + (Get-ServerName) + ' is off: it will fall behind') }
        foreach ($p in $problems) { Add-Evidence $p; Add-Problem $p }
        Set-StepOutput ([ordered]@{ stagingMode = [bool]$s.StagingModeEnabled; syncCycleEnabled = [bool]$s.SyncCycleEnabled })
    })
