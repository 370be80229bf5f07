<#
.SYNOPSIS
    Step 'shortenRetention': keep run history two days from now on.
.DESCRIPTION
    Reads (Get-ADSyncScheduler).PurgeRunHistoryInterval; when longer than two days,
    Set-ADSyncScheduler -PurgeRunHistoryInterval 2.00:00:00 and reads it back; a value of two
    days or less is left alone. Repeat-safe. -RetentionBefore is the value recorded before the
    purge (for the evidence). Scheduler settings are stored in Entra ID and may reach the other
    server of an active/staging pair: said in the evidence.
    Output: {"before":"<d.hh:mm:ss>","after":"<d.hh:mm:ss>"}
    Categories: service-stopped, scheduler-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$RetentionBefore = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        Assert-ServiceRunning 'Set-ADSyncScheduler'
        $current = [timespan](Get-ADSyncScheduler -ErrorAction Stop).PurgeRunHistoryInterval
        $before = $current.ToString()
        if ($RetentionBefore -and $RetentionBefore -ne $before) { Add-Evidence "recorded before the purge: $RetentionBefore" }
        $target = New-TimeSpan -Days 2
        if ($current -le $target) {
            Add-Evidence "PurgeRunHistoryInterval is ${before}: already two days or less, left alone"
            Set-StepOutput ([ordered]@{ before = $before; after = $before })
            return
        }
        Write-StepProgress 'Set-ADSyncScheduler -PurgeRunHistoryInterval 2.00:00:00'
        try {
            Set-ADSyncScheduler -PurgeRunHistoryInterval $target -ErrorAction Stop
        } catch {
            Stop-Step ('Set-ADSyncScheduler failed: ' + $_.Exception.Message) 'scheduler-failed'
        }
        $now = ([timespan](Get-ADSyncScheduler -ErrorAction Stop).PurgeRunHistoryInterval).ToString()
        if ($now -ne $target.ToString()) { Stop-Step "PurgeRunHistoryInterval reads $now after the change" 'scheduler-failed' }
        Add-Evidence "PurgeRunHistoryInterval: $before before, $now now"
        Add-Evidence 'scheduler settings are kept in Entra ID: the other server of an active/staging pair may get this value too'
        Set-StepOutput ([ordered]@{ before = $before; after = $now })
    })
