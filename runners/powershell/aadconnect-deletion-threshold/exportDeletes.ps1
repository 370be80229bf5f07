<#
.SYNOPSIS
    Step 'exportDeletes' (DESTRUCTIVE, not idempotent: it has a probe): export the deletions.
.DESCRIPTION
    -EntraConnector <name>. Waits for an idle engine, then Invoke-ADSyncRunProfile -ConnectorName
    <name> -RunProfileName Export (synchronous). A result stopped-deletion-threshold-exceeded fails
    with 'threshold-still-active' (the change of the threshold has not taken effect).
    Output: {"result":"<result>"}. Categories: service-stopped, timeout, threshold-still-active, export-failed.
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
        Write-StepProgress "Export on $EntraConnector"
        try {
            $run = Invoke-ADSyncRunProfile -ConnectorName $EntraConnector -RunProfileName 'Export' -ErrorAction Stop
        } catch {
            Stop-Step ('Invoke-ADSyncRunProfile Export failed: ' + $_.Exception.Message) 'export-failed'
        }
        $result = [string]$run.Result
        $runs = @(Get-ExportRuns)
        if ($runs.Count -gt 0) { $result = [string]$runs[0].Result }
        Add-Evidence "Export: $result"
        if ($result -eq $script:Stopped) { Stop-Step 'the Export stopped again with stopped-deletion-threshold-exceeded: the threshold change has not taken effect' 'threshold-still-active' }
        if ($result -ne 'success' -and -not ($result.StartsWith('completed-') -and $result.EndsWith('-warnings'))) { Stop-Step "the Export ended $result" 'export-failed' }
        Set-StepOutput ([ordered]@{ result = $result })
    })
