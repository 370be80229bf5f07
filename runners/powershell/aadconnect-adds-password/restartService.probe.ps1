<#
.SYNOPSIS
    Probe of step 'restartService', read-only: after a crash left it in doubt, did the restart happen?
.DESCRIPTION
    Reads the start time of the ADSync service process (Win32_Service ProcessId, then the
    process's StartTime): after -StepStartedAt means done, before means not done. A stopped
    service, or no start time of the step, cannot tell.
    Output: {"verdict":"done"|"not-done"|"unknown","processStartedAt":"<ISO time>"|null}
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
        $startedIso = $null
        $proc = $null
        if ((Get-ADSyncServiceState).Status -eq 'Running') { $proc = Get-ADSyncProcess }
        if ($null -eq $proc) {
            Add-Evidence 'ADSync is not running: its process start time cannot be read'
        } elseif (-not $StepStartedAt) {
            Add-Evidence 'the time the step started is not known'
        } else {
            $stepStart = ([datetime]::Parse($StepStartedAt, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind)).ToUniversalTime()
            $startedIso = ConvertTo-IsoTime $proc.StartTime
            if ($proc.StartTime.ToUniversalTime() -ge $stepStart) {
                $verdict = 'done'
                Add-Evidence "miiserver.exe (process $($proc.ProcessId)) started $startedIso, after the step started: the restart happened"
            } else {
                $verdict = 'not-done'
                Add-Evidence "miiserver.exe (process $($proc.ProcessId)) started $startedIso, before the step started: no restart yet"
            }
        }
        Set-StepOutput ([ordered]@{ verdict = $verdict; processStartedAt = $startedIso })
    })
