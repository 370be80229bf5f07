<#
.SYNOPSIS
    Step 'rotateCertificate' (DESTRUCTIVE, not idempotent): rotate the managed application
    certificate with Invoke-ADSyncApplicationCredentialRotation.
.DESCRIPTION
    Refuses when the connector does not sign in as an application. When the build has no rotation
    cmdlet, or the current certificate expired (the application cannot sign in to register a new
    one), output {"wizardRequired":true}: the runbook continues with the guided wizard. Otherwise:
    wait until idle, pause the scheduler, rotate, check the type is still Application and the
    thumbprint changed, turn the scheduler back on when it was on (-SchedulerWasEnabled true).
    Output {"wizardRequired":false,"thumbprint":"<new>"}. Categories: not-application,
    own-certificate, params-lost, rotation-failed, rotation-ineffective.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$CertThumbprintBefore = '',
    [string]$SchedulerWasEnabled = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        $id = Get-EntraIdentity
        Add-Evidence $id.Note
        if ($id.Type -ne 'Application') { Stop-Step "refused: $($id.Note): there is no application certificate to rotate" 'not-application' }
        if (-not (Get-Command -Name Invoke-ADSyncApplicationCredentialRotation -ErrorAction SilentlyContinue)) {
            Add-Evidence "Invoke-ADSyncApplicationCredentialRotation is not on build $(Get-SyncBuild): continue with the wizard"
            Set-StepOutput ([ordered]@{ wizardRequired = $true; thumbprint = $null })
            return
        }
        $polls = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        if ($polls -gt 0) { Add-Evidence "a sync run was in progress: waited until idle ($polls busy polls)" }
        if (Set-SyncCycle $false) { Add-Evidence 'scheduler paused (SyncCycleEnabled False)' }
        $wizard = $false
        Write-StepProgress 'Invoke-ADSyncApplicationCredentialRotation'
        try {
            Invoke-ADSyncApplicationCredentialRotation -ErrorAction Stop
        } catch {
            $message = [string]$_.Exception.Message
            if ($message -match '(?i)expired') {
                $wizard = $true
                Add-Evidence $message
                Add-Evidence 'the rotation needs an administrator sign-in: continue with the wizard'
            } else {
                $category = 'rotation-failed'
                if ($message -match "(?i)ApplicationManagedBy") { $category = 'params-lost' }
                elseif ($message -match '(?i)CertificateSHA256Hash') { $category = 'own-certificate' }
                if ($SchedulerWasEnabled -eq 'true') { $null = Set-SyncCycle $true }
                Stop-Step "Invoke-ADSyncApplicationCredentialRotation failed: $message" $category
            }
        }
        if ($SchedulerWasEnabled -eq 'true') {
            if (Set-SyncCycle $true) { Add-Evidence 'scheduler turned back on (SyncCycleEnabled True)' }
        }
        if ($wizard) {
            Set-StepOutput ([ordered]@{ wizardRequired = $true; thumbprint = $null })
            return
        }
        $after = Get-EntraIdentity
        if ($after.Type -ne 'Application') { Stop-Step "after the rotation: $($after.Note)" 'rotation-ineffective' }
        $cert = Get-AppCertificate $after.Credential
        if ($cert.Thumbprint -eq $CertThumbprintBefore) { Stop-Step "the thumbprint is still $CertThumbprintBefore after the rotation" 'rotation-ineffective' }
        $na = ''
        if ($null -ne $cert.NotAfter) { $na = Format-Iso $cert.NotAfter }
        Add-Evidence "ConnectorIdentityType still Application; thumbprint $CertThumbprintBefore before, $($cert.Thumbprint) now, not after $na"
        Set-StepOutput ([ordered]@{ wizardRequired = $false; thumbprint = $cert.Thumbprint })
    })
