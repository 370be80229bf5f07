<#
.SYNOPSIS
    Probe of step 'exportDeletes', read-only: after a crash left it in doubt, did the export run?
.DESCRIPTION
    Reads the Entra connector's Export results: one that started after -StepStartedAt and ended
    success means done; one that ended otherwise means not done. No Export since then: csexport
    tells whether deletions are still pending (none: done; some: not done).
    Output: {"verdict":"done"|"not-done"|"unknown","pending":n|null}
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$StepStartedAt = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        $verdict = 'unknown'
        $pending = $null
        if ((Get-ADSyncServiceState).Status -ne 'Running') {
            Add-Evidence 'ADSync is not running: the run history cannot be read'
        } elseif (-not $StepStartedAt) {
            Add-Evidence 'the time the step started is not known'
        } else {
            $since = ([datetime]::Parse($StepStartedAt, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)).ToUniversalTime()
            $entra = [string](Get-EntraConnector).Name
            $pending = (Read-PendingDeletes $entra).Deletes
            $runs = @(Get-ExportRuns | Where-Object { ([datetime]$_.StartDate).ToUniversalTime() -ge $since })
            if ($runs.Count -gt 0) {
                if ([string]$runs[0].Result -eq 'success') { $verdict = 'done'; Add-Evidence ('an Export started ' + (ConvertTo-IsoTime ([datetime]$runs[0].StartDate)) + ", after the step, ended success; pending deletions: $pending") }
                else { $verdict = 'not-done'; Add-Evidence ('the Export started after the step ended ' + [string]$runs[0].Result + "; pending deletions: $pending") }
            } elseif ($pending -eq 0) {
                $verdict = 'done'; Add-Evidence 'no Export since the step started, and no deletion is pending'
            } else {
                $verdict = 'not-done'; Add-Evidence "no Export since the step started; $pending deletions still pending"
            }
        }
        Set-StepOutput ([ordered]@{ verdict = $verdict; pending = $pending })
    })
