<#
.SYNOPSIS
    Probe of the guided step 'switchToApplication', read-only: did the wizard switch the Entra
    connector to application-based authentication?
.DESCRIPTION
    ConnectorIdentityType Application = done, ServiceAccount = not done. While the scheduler is
    suspended (the wizard still open) it cannot tell.
    Output: {"verdict":"done"|"not-done"|"unknown"}
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Server = '',
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
        if ([bool](Get-ADSyncScheduler -ErrorAction Stop).SchedulerSuspended) {
            Add-Evidence 'the scheduler is suspended: the wizard is still open. Close it, then probe again'
        } else {
            $id = Get-EntraIdentity
            Add-Evidence $id.Note
            if ($id.Type -eq 'Application') {
                $verdict = 'done'
                Add-Evidence 'the switch to application-based authentication happened'
            } elseif ($id.Type -eq 'ServiceAccount') {
                $verdict = 'not-done'
                Add-Evidence 'the connector still signs in with its Sync_ account: the switch did not happen'
            }
        }
        Set-StepOutput ([ordered]@{ verdict = $verdict })
    })
