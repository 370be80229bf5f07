<#
.SYNOPSIS
    Step 'purgeHistory' (DESTRUCTIVE, not idempotent): delete the run history older than two days.
.DESCRIPTION
    Waits until no connector runs, then Start-ADSyncPurgeRunHistory -PurgeRunHistoryInterval
    (two days). Afterwards checks that no run older than the cutoff remains ('purge-ineffective').
    Output: null. Categories: service-stopped, timeout, purge-failed, purge-ineffective.
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
        Assert-ServiceRunning 'Start-ADSyncPurgeRunHistory'
        $polls = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        if ($polls -gt 0) { Add-Evidence "a sync run was in progress: waited until idle ($polls busy polls)" }
        $cutoff = (Get-Date).AddDays(-2).ToUniversalTime()
        $connectors = @(Get-ADSyncConnector -ErrorAction Stop)
        $before = 0
        foreach ($c in $connectors) { $before += @(Get-ConnectorRuns $c).Count }
        Write-StepProgress 'Start-ADSyncPurgeRunHistory -PurgeRunHistoryInterval 2 days (this can take a long time)'
        try {
            $null = Start-ADSyncPurgeRunHistory -PurgeRunHistoryInterval (New-TimeSpan -Days 2) -ErrorAction Stop
        } catch {
            Stop-Step ('Start-ADSyncPurgeRunHistory failed: ' + $_.Exception.Message) 'purge-failed'
        }
        $after = 0
        $oldest = $null
        foreach ($c in $connectors) {
            foreach ($r in @(Get-ConnectorRuns $c)) {
                $after++
                $t = [datetime]$r.StartDate
                if ($null -eq $oldest -or $t -lt $oldest) { $oldest = $t }
            }
        }
        Add-Evidence ('run history older than two days deleted (' + ($before - $after) + ' runs)')
        if ($null -eq $oldest) { Add-Evidence 'no run history left' }
        elseif ($oldest -lt $cutoff) { Stop-Step ('a run from ' + $oldest.ToString('o') + ' is still there: the purge did not take effect') 'purge-ineffective' }
        else { Add-Evidence ('oldest remaining run: ' + $oldest.ToString('yyyy-MM-ddTHH:mm:ssZ') + ' (newer than the cutoff)') }
    })
