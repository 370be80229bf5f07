<#
.SYNOPSIS
    Probe of step 'abandonKey', read-only: after a crash left it in doubt, did miiskmu.exe /a
    abandon the key?
.DESCRIPTION
    The sync engine's key sets are registered under HKLM:\SOFTWARE\Microsoft\Ad Sync\Shared (one
    subkey per key set). While the service stays stopped after the step: no key set means the key
    was abandoned (a new one is only created at the next start); the old key set still there means
    it was not. A running service, or miiskmu.exe still running, cannot be told apart: unknown.
    Output: {"verdict":"done"|"not-done"|"unknown","keySets":["<id>",...]}
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
        if ($StepStartedAt) { Add-Evidence "the step started at $StepStartedAt" }
        $still = @(Get-Process -Name 'miiskmu' -ErrorAction SilentlyContinue)
        $sets = [string[]]@(Get-ChildItem -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Ad Sync\Shared' -ErrorAction SilentlyContinue | ForEach-Object { [string]$_.PSChildName })
        $verdict = 'unknown'
        if ($still.Count -gt 0) {
            Add-Evidence 'miiskmu.exe is still running: wait for it to end, then probe again'
        } elseif ($svc.Status -eq 'Running') {
            Add-Evidence 'the service runs again, so a key set may be a new one: this probe cannot tell'
        } elseif ($sets.Count -eq 0) {
            $verdict = 'done'
            Add-Evidence 'no encryption key set is registered: the key was abandoned and no new one created yet'
        } else {
            $verdict = 'not-done'
            Add-Evidence ('the old key set is still registered (' + ($sets -join ', ') + '): the key was not abandoned')
        }
        Set-StepOutput ([ordered]@{ verdict = $verdict; keySets = $sets })
    })
