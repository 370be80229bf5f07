<#
.SYNOPSIS
    Step 'verify': a delta sync must finish with every connector succeeding.
.DESCRIPTION
    Fails with 'service-stopped' when ADSync does not run and with 'key-unreadable' when Event 6028
    was logged since the service's last start. Then waits for an idle engine,
    Start-ADSyncSyncCycle -PolicyType Delta, waits until Get-ADSyncConnectorRunStatus is empty and
    the scheduler shows no cycle in progress ('timeout' after -TimeoutSeconds), and reads the
    newest Get-ADSyncRunProfileResult of every connector: 'success' or 'completed-*-warnings' is ok.
    Output: {"failingAdConnectors":["<AD connector>",...],"entraFailing":true|false}
    (entraFailing: a connector that is not an AD connector failed).
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
        if ($svc.Status -ne 'Running') { Stop-Step "ADSync is not running ($($svc.Status))" 'service-stopped' }
        $start = Get-ServiceLastStart -DisplayName $svc.DisplayName -Running $true
        if (@(Get-EventsSince -LogName 'Application' -Id @(6028) -Since $start.Time).Count -gt 0) {
            Stop-Step 'Event 6028 appeared since the last start: the key is still unreadable' 'key-unreadable'
        }
        Add-Evidence ('ADSync Running, no Event 6028 since its last start at ' + (Format-Time $start.Time))

        $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds -CheckScheduler
        Write-StepProgress 'running a delta sync cycle and waiting until it is idle'
        $null = Start-ADSyncSyncCycle -PolicyType Delta -ErrorAction Stop
        Add-Evidence 'Start-ADSyncSyncCycle -PolicyType Delta accepted'
        # Give the cycle time to show up as running before polling for idle.
        if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
        $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds -CheckScheduler

        $failingAd = New-Object 'System.Collections.Generic.List[string]'
        $entraFailing = $false
        foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
            $r = Get-NewestRunResult $c
            $result = 'no-run'
            if ($null -ne $r) { $result = [string]$r.Result }
            Add-Evidence "$($c.Name): $result"
            if (Test-RunResultOk $result) { continue }
            Add-Problem "$($c.Name) ended its last run with $result"
            if ([string]$c.ConnectorTypeName -eq 'AD') { $failingAd.Add([string]$c.Name) } else { $entraFailing = $true }
        }
        Set-StepOutput ([ordered]@{
                failingAdConnectors = (ConvertTo-StringArray $failingAd.ToArray())
                entraFailing = $entraFailing
            })
    })
