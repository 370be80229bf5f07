<#
.SYNOPSIS
    Step 'pauseScheduler': Set-ADSyncScheduler -SyncCycleEnabled $false, so that no scheduled sync
    cycle starts half-way through the recovery.
.DESCRIPTION
    Needs the service running. Output: {"syncCycleEnabled":false}
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
        Set-ADSyncScheduler -SyncCycleEnabled $false -ErrorAction Stop
        $now = [bool](Get-ADSyncScheduler -ErrorAction Stop).SyncCycleEnabled
        if ($now -ne $false) { Stop-Step "SyncCycleEnabled is still $now after Set-ADSyncScheduler" 'scheduler-failed' }
        Add-Evidence "the sync scheduler's SyncCycleEnabled is $now"
        Set-StepOutput ([ordered]@{ syncCycleEnabled = $now })
    })
