<#
.SYNOPSIS
    Step 'stopService': wait until no sync run is in progress, then stop ADSync.
.DESCRIPTION
    Polls Get-ADSyncConnectorRunStatus every -PollIntervalSeconds until it returns nothing
    (failure 'timeout' after -TimeoutSeconds), then Stop-Service ADSync. A stopped service is
    left alone. Output: null.
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
        $svc = Get-ADSyncServiceState
        if ($svc.Status -eq 'Stopped') {
            Add-Evidence 'ADSync is already Stopped: nothing to stop'
            return
        }
        $polls = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        if ($polls -gt 0) { Add-Evidence "a sync run was in progress: waited until idle ($polls busy polls)" }
        else { Add-Evidence 'no sync run in progress' }
        Write-StepProgress 'stopping ADSync'
        Stop-Service -Name ADSync -ErrorAction Stop
        $after = Get-ADSyncServiceState
        if ($after.Status -ne 'Stopped') { Stop-Step "ADSync is $($after.Status) after Stop-Service" 'stop-failed' }
        Add-Evidence 'ADSync is Stopped'
    })
