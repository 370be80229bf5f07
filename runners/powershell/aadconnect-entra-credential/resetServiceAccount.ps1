<#
.SYNOPSIS
    Step 'resetServiceAccount' (DESTRUCTIVE, not idempotent): Add-ADSyncAADServiceAccount -AADCredential.
.DESCRIPTION
    -AdminUser <UPN> is the administrator's user name; the PASSWORD IS READ FROM STDIN, one line,
    and never appears as a parameter, in output or in evidence.
    Refuses ('application-identity') when the connector signs in as an application: there the
    cmdlet is the rollback to legacy authentication. Waits until idle, pauses the scheduler (the
    verify step turns it back on), runs the cmdlet without -Name. An MFA error (AADSTS50076,
    AADSTS50079, "interactive") is not a failure: output {"interactiveSignInRequired":true}.
    Output {"interactiveSignInRequired":false} on success. Categories: secret-missing,
    bad-arguments, bad-credential, application-identity, unknown-identity, service-stopped, entra-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Account = '',
    [string]$AdminUser = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        $secret = Read-SecretLine
        Import-ADSyncModule
        $id = Get-EntraIdentity
        Add-Evidence $id.Note
        if ($id.Type -eq 'Application') { Stop-Step "refused: $($id.Note). Add-ADSyncAADServiceAccount on this server would roll it back to legacy authentication" 'application-identity' }
        if ($id.Type -ne 'ServiceAccount') { Stop-Step "refused: the identity type cannot be told ($($id.Note))" 'unknown-identity' }
        if (-not $AdminUser) { Stop-Step 'the parameter -AdminUser (Entra administrator user name) is required' 'bad-arguments' }
        if (-not $secret.Present) { Stop-Step 'no administrator password arrived on stdin (one line expected)' 'secret-missing' }
        $credential = New-Object System.Management.Automation.PSCredential ($AdminUser, $secret.Secure)
        $polls = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        if ($polls -gt 0) { Add-Evidence "a sync run was in progress: waited until idle ($polls busy polls)" }
        if (Set-SyncCycle $false) { Add-Evidence 'scheduler paused (SyncCycleEnabled False)' }
        Write-StepProgress "Add-ADSyncAADServiceAccount as $AdminUser"
        try {
            Add-ADSyncAADServiceAccount -AADCredential $credential -ErrorAction Stop
        } catch {
            $message = [string]$_.Exception.Message
            if ($message -match 'AADSTS50076|AADSTS50079|interactive') {
                Add-Evidence "$AdminUser needs multi-factor authentication (AADSTS50076): a credential cannot be passed; continue with an interactive sign-in on the server"
                Set-StepOutput ([ordered]@{ interactiveSignInRequired = $true })
                return
            }
            if ($message -match 'AADSTS50126') { Stop-Step "the Entra administrator credential was rejected: $message" 'bad-credential' }
            $status = $null
            try { $status = (Get-ADSyncServiceState).Status } catch { }
            if ($null -ne $status -and $status -ne 'Running') { Stop-Step "Add-ADSyncAADServiceAccount failed, ADSync is ${status}: $message" 'service-stopped' }
            Stop-Step "Add-ADSyncAADServiceAccount failed: $message" 'entra-failed'
        }
        Add-Evidence "Add-ADSyncAADServiceAccount as ${AdminUser}: back at the prompt without error"
        Add-Evidence "new password set for $($id.UserName)"
        Set-StepOutput ([ordered]@{ interactiveSignInRequired = $false })
    })
