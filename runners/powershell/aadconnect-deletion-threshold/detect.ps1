<#
.SYNOPSIS
    Step 'detect' (read-only, no Entra sign-in): was the export stopped by the deletion threshold?
.DESCRIPTION
    Reads the Entra connector's newest Export result, the newest Event 116 (its text gives the
    pending deletes N and the threshold in force M, the value to restore), staging mode, and which
    sign-in parameter Enable-ADSyncExportDeletionThreshold has on this build (Get-Command:
    AADUserName, AADCredential or none; parameter drift, family brief 0.7).
    Output: {"classification":"threshold-exceeded|healthy|unknown","server","entraConnector",
    "pendingDeletes","thresholdBefore","signInMode","signInArgs","stagingMode"}
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
        $running = ($svc.Status -eq 'Running')
        $build = 'unknown'
        try { $build = [string](Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Azure AD Connect' -Name Version -ErrorAction Stop).Version } catch { }
        Add-Evidence "server ${server}: build $build, service ADSync is $($svc.Status)"
        $entraName = $null
        $last = $null
        $staging = $null
        if ($running) {
            $entraName = [string](Get-EntraConnector).Name
            $runs = @(Get-ExportRuns)
            if ($runs.Count -gt 0) { $last = $runs[0] }
            $lastText = '(none)'
            if ($null -ne $last) { $lastText = [string]$last.Result }
            Add-Evidence "Entra connector ${entraName}: newest Export $lastText"
            $staging = [bool](Get-ADSyncScheduler -ErrorAction Stop).StagingModeEnabled
        } else {
            Add-Evidence 'run history not read: the ADSync cmdlets need the service running'
        }
        $e116 = $null
        try { $e116 = Get-WinEvent -FilterHashtable @{ LogName = 'Application'; Id = 116 } -MaxEvents 1 -ErrorAction Stop | Select-Object -First 1 } catch { $e116 = $null }
        $pending = $null
        $threshold = $null
        if ($null -ne $e116) {
            if ([string]$e116.Message -match '\((\d+) pending deletes\) has exceeded the current threshold of (\d+) objects') {
                $pending = [int]$Matches[1]
                $threshold = [int]$Matches[2]
                Add-Evidence ('newest Event 116 (' + (ConvertTo-IsoTime ([datetime]$e116.TimeCreated)) + "): $pending pending deletes, threshold $threshold")
            } else {
                Add-Evidence ('newest Event 116 (' + (ConvertTo-IsoTime ([datetime]$e116.TimeCreated)) + '): text not recognised')
            }
        } else {
            Add-Evidence 'no Event 116'
        }
        $keys = @()
        $cmd = Get-Command -Name Enable-ADSyncExportDeletionThreshold -ErrorAction SilentlyContinue
        if ($null -ne $cmd) { $keys = @($cmd.Parameters.Keys) }
        if ($keys -contains 'AADUserName') { $mode = 'AADUserName'; $signIn = '-AADUserName <admin UPN>' }
        elseif ($keys -contains 'AADCredential') { $mode = 'AADCredential'; $signIn = '-AADCredential (Get-Credential)' }
        else { $mode = 'none'; $signIn = '# this build takes no sign-in parameter' }
        if ($mode -eq 'none') { Add-Evidence 'Enable-ADSyncExportDeletionThreshold takes no sign-in parameter' } else { Add-Evidence "Enable-ADSyncExportDeletionThreshold takes -$mode" }
        if ($staging -eq $true) { Add-Evidence 'this is a STAGING server: the threshold is tenant-wide, a change here also reaches the active server' }
        $stopped = $false
        if ($running) {
            if ($null -ne $last -and [string]$last.Result -eq $script:Stopped) { $stopped = $true }
            elseif ($null -ne $e116 -and ($null -eq $last -or ([datetime]$e116.TimeCreated).ToUniversalTime() -ge ([datetime]$last.StartDate).ToUniversalTime())) { $stopped = $true }
        }
        if (-not $running) { $classification = 'unknown' } elseif ($stopped) { $classification = 'threshold-exceeded' } else { $classification = 'healthy' }
        Add-Evidence "diagnosis: $classification"
        Set-StepOutput ([ordered]@{
                classification = $classification
                server = $server
                entraConnector = $entraName
                pendingDeletes = $pending
                thresholdBefore = $threshold
                signInMode = $mode
                signInArgs = $signIn
                stagingMode = $staging
            })
    })
