<#
.SYNOPSIS
    Step 'checkActive' (read-only, on the active server): name, build, scheduler, configuration fingerprint. Output {server, build, stagingMode, syncCycleEnabled, config}.
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
        $s = Get-ADSyncScheduler -ErrorAction Stop
        $name = Get-ServerName
        $build = Get-SyncBuild
        $config = Get-ConfigFingerprint
        Add-Evidence "server $name, build $build"
        Add-Evidence (Format-Scheduler $s)
        if ([bool]$s.StagingModeEnabled) { Add-Evidence 'this server is in staging mode: it is not the active server' }
        else { Add-Evidence 'this server is active (it exports)' }
        $rules = @(Get-ADSyncRule -ErrorAction Stop).Count
        $connectors = (@(Get-ADSyncConnector -ErrorAction Stop | ForEach-Object { [string]$_.Name }) -join ', ')
        Add-Evidence "configuration: $rules sync rules, connectors $connectors"
        Set-StepOutput ([ordered]@{ server = $name; build = $build; stagingMode = [bool]$s.StagingModeEnabled; syncCycleEnabled = [bool]$s.SyncCycleEnabled; config = $config })
    })
