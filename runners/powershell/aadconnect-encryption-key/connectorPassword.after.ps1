<#
.SYNOPSIS
    After the guided AD DS password step (the runner runs <step>.after.ps1 once the operator
    confirms): can the AD connector -Connector run with the password just entered?
.DESCRIPTION
    Waits for an idle engine, runs Invoke-ADSyncRunProfile -ConnectorName <name> -RunProfileName
    'Delta Import' (needs the service running), then reads the connector's newest
    Get-ADSyncRunProfileResult; fails with category no-start-credentials when the connector still
    cannot run. -ReportOnly skips the import and never fails on the result: it reports the newest
    run in the history, which may predate the password.
    Output: {"connector":"<name>","canRun":true|false,"lastResult":"<result>"|null,
             "succeeded":true|false,"lastRunAt":<ms since epoch>|null}
    canRun: the newest result is not 'no-start-credentials' (true when there is no run yet);
    succeeded: the newest result is 'success' or 'completed-*-warnings'.
    Failure categories: bad-arguments, unknown-connector, service-stopped, timeout, no-start-credentials.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Connector = '',
    [switch]$ReportOnly
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        if (-not $Connector) { Stop-Step 'the parameter -Connector (AD connector name) is required' 'bad-arguments' }
        $found = @(Get-ADConnectors | Where-Object { [string]$_.Name -eq $Connector })
        if ($found.Count -eq 0) { Stop-Step "no AD connector named '$Connector'" 'unknown-connector' }
        $c = $found[0]
        Add-Evidence ('connector ' + (Get-ConnectorDescription $c))
        if (-not $ReportOnly) {
            $svc = Get-ADSyncServiceState
            if ($svc.Status -ne 'Running') { Stop-Step "ADSync is not running ($($svc.Status))" 'service-stopped' }
            $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
            Write-StepProgress "running Delta Import on $Connector"
            $run = Invoke-ADSyncRunProfile -ConnectorName $Connector -RunProfileName 'Delta Import' -ErrorAction Stop
            Add-Evidence ("Invoke-ADSyncRunProfile 'Delta Import': " + [string]$run.Result)
            $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        }
        $r = Get-NewestRunResult $c
        $lastResult = $null
        $lastRunAt = $null
        if ($null -ne $r) {
            $lastResult = [string]$r.Result
            if ($null -ne $r.StartDate) { $lastRunAt = ConvertTo-EpochMs ([datetime]$r.StartDate) }
            Add-Evidence "newest run: $lastResult"
        } else {
            Add-Evidence 'no run in the history yet'
        }
        $canRun = ($lastResult -ne 'no-start-credentials')
        if (-not $canRun -and -not $ReportOnly) { Stop-Step "$Connector still cannot run after the password was entered (no-start-credentials)" 'no-start-credentials' }
        $succeeded = ($null -ne $lastResult -and (Test-RunResultOk $lastResult))
        Set-StepOutput ([ordered]@{
                connector = $Connector
                canRun = $canRun
                lastResult = $lastResult
                succeeded = $succeeded
                lastRunAt = $lastRunAt
            })
    })
