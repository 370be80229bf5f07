<#
.SYNOPSIS
    Probe of step 'purgeHistory', read-only: after a crash left it in doubt, did the purge of the
    run history older than two days take effect?
.DESCRIPTION
    Reads the oldest run left across all connectors: newer than two days before the step started
    (-StepStartedAt) means done; an older one still there means not done. While the service is
    stopped, a sync runs, or no start time is known, it cannot tell.
    Output: {"verdict":"done"|"not-done"|"unknown","oldestRun":"<ISO time>"|null}
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
        $svc = Get-ADSyncServiceState
        Add-Evidence "service ADSync is $($svc.Status)"
        $verdict = 'unknown'
        $oldest = $null
        if ($svc.Status -ne 'Running') {
            Add-Evidence 'the run history cannot be read while the service is stopped'
        } elseif (-not $StepStartedAt) {
            Add-Evidence 'the time the step started is not known'
        } elseif ($null -ne (Get-ADSyncConnectorRunStatus)) {
            Add-Evidence 'a sync run is in progress: wait until it ends, then probe again'
        } else {
            $cutoff = ([datetime]::Parse($StepStartedAt, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)).ToUniversalTime().AddDays(-2)
            foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
                foreach ($r in @(Get-ConnectorRuns $c)) {
                    $t = ([datetime]$r.StartDate).ToUniversalTime()
                    if ($null -eq $oldest -or $t -lt $oldest) { $oldest = $t }
                }
            }
            if ($null -eq $oldest) {
                $verdict = 'done'
                Add-Evidence 'no run history is left'
            } elseif ($oldest -ge $cutoff) {
                $verdict = 'done'
                Add-Evidence ('the oldest run left is from ' + $oldest.ToString('yyyy-MM-ddTHH:mm:ssZ') + ', newer than two days before the step started: the purge took effect')
            } else {
                $verdict = 'not-done'
                Add-Evidence ('a run from ' + $oldest.ToString('yyyy-MM-ddTHH:mm:ssZ') + ' is still there, older than two days before the step started: the purge did not take effect')
            }
        }
        $iso = $null
        if ($null -ne $oldest) { $iso = $oldest.ToString('yyyy-MM-ddTHH:mm:ssZ') }
        Set-StepOutput ([ordered]@{ verdict = $verdict; oldestRun = $iso })
    })
