<#
.SYNOPSIS
    Step 'restartService' (not idempotent: it has a probe): wait for an idle engine, restart ADSync.
.DESCRIPTION
    Polls Get-ADSyncConnectorRunStatus until idle ('timeout'), then Restart-Service ADSync, so that
    the old password is no longer cached in the service's memory. Checks that it runs again with a
    process started after the step began. Output: {"processId","startedAt"}.
    Categories: timeout, restart-failed.
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
        $began = (Get-Date).AddSeconds(-1)
        $svc = Get-ADSyncServiceState
        if ($svc.Status -eq 'Running') {
            $polls = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
            if ($polls -gt 0) { Add-Evidence "a sync run was in progress: waited until idle ($polls busy polls)" } else { Add-Evidence 'no sync run was in progress' }
        }
        Write-StepProgress 'Restart-Service ADSync'
        try { Restart-Service -Name ADSync -ErrorAction Stop } catch { Stop-Step ('Restart-Service ADSync failed: ' + $_.Exception.Message) 'restart-failed' }
        $proc = Get-ADSyncProcess
        if ($null -eq $proc) { Stop-Step 'ADSync is not running after the restart' 'restart-failed' }
        if ($proc.StartTime -lt $began) { Stop-Step ('miiserver.exe still has the start time ' + (ConvertTo-IsoTime $proc.StartTime) + ': the restart did not happen') 'restart-failed' }
        Add-Evidence ('ADSync restarted: process ' + $proc.ProcessId + ' started ' + (ConvertTo-IsoTime $proc.StartTime))
        Set-StepOutput ([ordered]@{ processId = $proc.ProcessId; startedAt = (ConvertTo-IsoTime $proc.StartTime) })
    })
