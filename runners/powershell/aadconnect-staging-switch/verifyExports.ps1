<#
.SYNOPSIS
    Step 'verifyExports' (on the new active server): a delta cycle, then an Export run with success on every connector. Output {ok, exports}.
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
        $polls = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        if ($polls -gt 0) { Add-Evidence "a sync run was in progress: waited until idle ($polls busy polls)" }
        $since = [datetime]::UtcNow.AddSeconds(-1)
        Write-StepProgress 'Start-ADSyncSyncCycle -PolicyType Delta'
        $null = Start-ADSyncSyncCycle -PolicyType Delta -ErrorAction Stop
        if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
        $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        Add-Evidence (Format-Scheduler (Get-ADSyncScheduler -ErrorAction Stop))
        $exports = New-Object 'System.Collections.Generic.List[object]'
        $ok = $true
        foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
            $run = @(Get-ConnectorRuns $c 10 | Where-Object { [string]$_.RunProfileName -eq 'Export' -and ([datetime]$_.StartDate).ToUniversalTime() -ge $since }) | Select-Object -First 1
            $result = 'no-export-run'
            if ($null -ne $run) { $result = [string]$run.Result }
            if (-not (Test-RunResultOk $result)) { $ok = $false }
            Add-Evidence ([string]$c.Name + ': Export ' + $result)
            $exports.Add([ordered]@{ connector = [string]$c.Name; result = $result })
        }
        Set-StepOutput ([ordered]@{ ok = $ok; exports = $exports.ToArray() })
    })
