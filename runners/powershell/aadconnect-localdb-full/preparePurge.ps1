<#
.SYNOPSIS
    Step 'preparePurge' (read-only): the scheduler's run history retention, staging mode, and how
    much run history is older than two days.
.DESCRIPTION
    Needs the service running ('service-stopped' otherwise). Changes nothing.
    Output: {"retention":"<d.hh:mm:ss>","stagingMode":true|false,"runsTotal":<n>,"runsOlder":<n>,"mdfMb":<n>|null}
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
        Assert-ServiceRunning 'Get-ADSyncScheduler'
        $s = Get-ADSyncScheduler -ErrorAction Stop
        $retention = ([timespan]$s.PurgeRunHistoryInterval).ToString()
        $staging = [bool]$s.StagingModeEnabled
        Add-Evidence "PurgeRunHistoryInterval: $retention"
        if ($staging) { Add-Evidence 'this is a STAGING server' } else { Add-Evidence 'this is the active server (not in staging mode)' }
        $cutoff = (Get-Date).AddDays(-2)
        $total = 0
        $older = 0
        foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
            foreach ($r in @(Get-ConnectorRuns $c)) {
                $total++
                if ([datetime]$r.StartDate -lt $cutoff.ToUniversalTime()) { $older++ }
            }
        }
        Add-Evidence "run history: $total runs, $older older than two days"
        $mdfMb = $null
        $p = Get-ADSyncParameters
        $found = Find-DatabaseFolder $p
        if ($found.Folder) {
            $files = Get-DatabaseFiles ([string]$found.Folder) $p.DBName
            $mdfMb = Get-FileMb $files.Mdf
            Add-Evidence ('data file now: ' + (Format-Mb $mdfMb))
        }
        Set-StepOutput ([ordered]@{ retention = $retention; stagingMode = $staging; runsTotal = $total; runsOlder = $older; mdfMb = $mdfMb })
    })
