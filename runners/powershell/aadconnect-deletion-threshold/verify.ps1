<#
.SYNOPSIS
    Step 'verify': a delta sync ends with a clean Export, no new Event 116, no deletion pending.
.DESCRIPTION
    -EntraConnector <name>. Start-ADSyncSyncCycle -PolicyType Delta, waits until idle, then reads
    the newest Export result, Events 116 since the cycle started and the pending deletions
    (csexport). Fails with 'not-clean' otherwise. Output: {"exportResult","new116","pending"}.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$EntraConnector = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        if ((Get-ADSyncServiceState).Status -ne 'Running') { Stop-Step 'ADSync is not running' 'service-stopped' }
        if (-not $EntraConnector) { $EntraConnector = [string](Get-EntraConnector).Name }
        $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        $since = (Get-Date).AddSeconds(-1)
        Write-StepProgress 'delta sync cycle'
        $null = Start-ADSyncSyncCycle -PolicyType Delta -ErrorAction Stop
        if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
        $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        $result = 'no-run'
        $runs = @(Get-ExportRuns)
        if ($runs.Count -gt 0) { $result = [string]$runs[0].Result }
        $new116 = 0
        try { $new116 = @(Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 116; StartTime = $since } -ErrorAction Stop).Count } catch { $new116 = 0 }
        $pending = (Read-PendingDeletes $EntraConnector).Deletes
        Add-Evidence "Export: $result"
        Add-Evidence "new Event 116: $new116"
        Add-Evidence "pending deletions: $pending"
        if ($result -ne 'success' -or $new116 -gt 0 -or $pending -gt 0) { Stop-Step "the delta sync did not end clean (Export $result, $new116 new Event 116, $pending deletions pending)" 'not-clean' }
        Set-StepOutput ([ordered]@{ exportResult = $result; new116 = $new116; pending = $pending })
    })
