<#
.SYNOPSIS
    Step 'restartService': Restart-Service ADSync, so no old credential stays cached.
.DESCRIPTION
    Failure categories: logon-failure, key-unreadable, start-failed. Output: null.
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
        Write-StepProgress 'restarting ADSync'
        Invoke-ADSyncStart 'Restart'
        Add-Evidence "ADSync restarted (it was $($svc.Status)); it is Running"
    })
