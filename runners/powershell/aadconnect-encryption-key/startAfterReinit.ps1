<#
.SYNOPSIS
    Step 'startAfterReinit': start ADSync, or restart it when it runs, with the new credentials.
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
        if ($svc.Status -eq 'Running') {
            Write-StepProgress 'restarting ADSync'
            Invoke-ADSyncStart 'Restart'
            Add-Evidence 'ADSync was Running: restarted'
        } else {
            Write-StepProgress 'starting ADSync'
            Invoke-ADSyncStart 'Start'
            Add-Evidence "ADSync was $($svc.Status): started"
        }
        Add-Evidence 'ADSync is Running'
    })
