<#
.SYNOPSIS
    Step 'preChecks': build, service account, staging mode and Entra connector identity, and what
    they imply, before the destructive step. Read-only.
.DESCRIPTION
    Output: {"build":"<a.b.c.d|unknown>","accountType":"domain|virtual|gmsa|smsa|local|unknown",
             "accountName":"<Win32_Service StartName>","stagingMode":true|false|null,
             "entraIdentity":"ServiceAccount|Application|unknown"}
    accountType from StartName: NT SERVICE\... virtual; ending in $ gmsa (an sMSA looks the same);
    LocalSystem, NT AUTHORITY\..., .\user or <this computer>\user local; DOMAIN\user or a UPN domain.
    stagingMode is null and entraIdentity 'unknown' when the service cannot answer (stopped).
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
        $build = Get-SyncBuild
        $service = Get-CimInstance -ClassName Win32_Service -Filter "Name='ADSync'" | Select-Object -First 1
        if ($null -eq $service) { Stop-Step 'the ADSync service does not exist on this computer' 'not-found' }
        $accountName = [string]$service.StartName
        $accountType = Get-AccountType $accountName

        $stagingMode = $null
        try {
            $stagingMode = [bool](Get-ADSyncScheduler -ErrorAction Stop).StagingModeEnabled
        } catch {
            Add-Evidence ('staging mode unknown: Get-ADSyncScheduler failed: ' + $_.Exception.Message)
        }
        $identity = Get-EntraIdentity
        $entraAccount = $null
        if ($identity.Type -ne 'Application') {
            try {
                $entra = Get-ADSyncConnector -Identifier $script:EntraConnectorId -ErrorAction Stop
                $entraAccount = [string]$entra.ConnectivityParameters['UserName'].Value
            } catch { }
        }

        if ($build -eq 'unknown') {
            Add-Evidence 'build unknown (no miiserver.exe version, no Azure AD Connect Version value): treat it as any build'
        } elseif (Test-BuildAtLeast $build '1.1.484.0') {
            Add-Evidence "build ${build}: it recreates its key by itself after a service account password change; abandoning the key is still the documented recovery when the key cannot be read"
        } else {
            Add-Evidence "build ${build}: 1.1.443.0 or older, where a changed service account password makes the key unreadable (the classic cause)"
        }
        if ($accountType -eq 'domain' -or $accountType -eq 'local') {
            Add-Evidence "service account $accountName ($accountType account): a change of its password is the likely cause"
        } elseif ($accountType -eq 'unknown') {
            Add-Evidence "service account '$accountName' (type not recognized): check the cause before abandoning the key"
        } else {
            Add-Evidence "service account $accountName (${accountType}): no administrator changes its password, so the key was lost some other way (restore, migration): be sure of the cause"
        }
        if ($null -eq $stagingMode) {
            Add-Evidence 'staging mode unknown: make sure this is the affected server before going on'
        } elseif ($stagingMode) {
            Add-Evidence 'STAGING server: the Entra step resets this server''s own Sync_ account. Make sure this is the affected server'
        } else {
            Add-Evidence 'active server (not in staging mode)'
        }
        if ($identity.Type -eq 'Application') {
            Add-Evidence 'the Entra connector uses application identity (2.5.3.0+): the Entra account step does not apply'
        } elseif ($identity.Type -eq 'ServiceAccount') {
            $shown = $entraAccount
            if (-not $shown) { $shown = '(unknown)' }
            Add-Evidence "the Entra connector uses service account ${shown}: it is reinitialized later"
        } else {
            Add-Evidence 'the Entra connector identity is unknown: the Entra step decides when the service runs'
        }
        Add-Evidence $identity.Note

        Set-StepOutput ([ordered]@{
                build = $build
                accountType = $accountType
                accountName = $accountName
                stagingMode = $stagingMode
                entraIdentity = $identity.Type
            })
    })
