<#
.SYNOPSIS
    After the guided wizard on the staging server (a real server): it must be out of staging mode now. Category not-effective otherwise.
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
        Add-Evidence (Format-Scheduler $s)
        if ([bool]$s.StagingModeEnabled) { Stop-Step ((Get-ServerName) + ' is still in staging mode: the wizard did not take effect') 'not-effective' }
    })
