<#
.SYNOPSIS
    Step 'detect' (read-only): how does the Entra connector sign in, and what is wrong with it?
.DESCRIPTION
    Reads the service, the build (miiserver.exe), staging mode, the identity type
    (Get-ADSyncEntraConnectorCredential from 2.5.3.0; else the connector's UserName pattern), the
    application certificate and parameters, the scheduler and the events 6900, 659, 1011, 1012, 906
    of the last 7 days. Output: see README.md.
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
        $server = Get-ServerName
        $svc = Get-ADSyncServiceState
        $build = Get-SyncBuild
        Add-Evidence "server ${server}, build ${build}: service ADSync is $($svc.Status)"
        $out = [ordered]@{
            classification = 'service-stopped'; server = $server; build = $build; stagingMode = $false
            identityType = $null; identitySource = $null; account = $null; appId = $null
            certThumbprint = $null; certNotAfter = $null; paramsLost = $false; schedulerEnabled = $true
        }
        if ($svc.Status -ne 'Running') {
            Add-Evidence 'the connector and the scheduler cannot be read while the service is stopped'
            Add-Evidence 'diagnosis: service-stopped'
            Set-StepOutput $out
            return
        }
        $scheduler = Get-ADSyncScheduler -ErrorAction Stop
        $out.stagingMode = [bool]$scheduler.StagingModeEnabled
        if ($out.stagingMode) { Add-Evidence 'this is a STAGING server: its own Entra connector credential is the one reset' }
        else { Add-Evidence 'this is the active server (not in staging mode)' }
        $id = Get-EntraIdentity
        Add-Evidence $id.Note
        Add-Evidence "Entra connector UserName: $($id.UserName)"
        $since = (Get-Date).AddDays(-7)
        $counts = @{}
        foreach ($n in @(6900, 659, 1011, 1012, 906)) {
            $counts[$n] = @(Get-EventsSince -LogName 'Application' -Id @($n) -Since $since).Count
            Add-Evidence "Event $n in the last 7 days: $($counts[$n])"
        }
        $out.schedulerEnabled = [bool]$scheduler.SyncCycleEnabled
        Add-Evidence "scheduler: SyncCycleEnabled $(([string]$out.schedulerEnabled).ToLowerInvariant())"
        $classification = 'unknown-identity'
        if ($id.Type -eq 'ServiceAccount') { $classification = 'service-account' }
        elseif ($id.Type -eq 'Application') {
            $cert = Get-AppCertificate $id.Credential
            $connector = Get-EntraConnector
            $missing = @(@('ApplicationManagedBy', 'CertificateManagedBy', 'CertificateId') | Where-Object { $null -eq (Get-ConnectorParameter $connector $_) })
            $out.appId = $cert.AppId
            $out.certThumbprint = $cert.Thumbprint
            if ($null -ne $cert.NotAfter) { $out.certNotAfter = Format-Iso $cert.NotAfter }
            $out.paramsLost = ($missing.Count -gt 0)
            $expired = ''
            if ($null -ne $cert.NotAfter -and $cert.NotAfter -lt (Get-Date).ToUniversalTime()) { $expired = ' (EXPIRED)' }
            Add-Evidence "application $($cert.AppId), certificate managed by $($cert.ManagedBy): thumbprint $($cert.Thumbprint), not after $($out.certNotAfter)$expired"
            if ($out.paramsLost) { Add-Evidence 'ApplicationManagedBy, CertificateManagedBy, CertificateId: missing on the Entra connector' }
            else { Add-Evidence 'application parameters on the Entra connector: present' }
            if ($counts[906] -gt 0) { $classification = 'shared-application' }
            elseif ($cert.ManagedBy -and $cert.ManagedBy -ne 'Connect') { $classification = 'own-certificate' }
            else { $classification = 'application' }
        }
        Add-Evidence "diagnosis: $classification"
        $out.classification = $classification
        $out.identityType = $id.Type
        $out.identitySource = $id.Source
        $out.account = $id.UserName
        Set-StepOutput $out
    })
