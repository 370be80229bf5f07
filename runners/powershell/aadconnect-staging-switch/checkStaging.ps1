<#
.SYNOPSIS
    Step 'checkStaging' (read-only, on the staging server): scheduler, newest sync run, configuration compared with the active server's (-ActiveConfig). Output {server, build, stagingMode, syncCycleEnabled, lastSyncHoursAgo, config}; differences are problems.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$ActiveConfig = '',
    [string]$ActiveBuild = ''
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
        $newest = $null
        $connectors = @(Get-ADSyncConnector -ErrorAction Stop)
        foreach ($c in $connectors) {
            foreach ($r in @(Get-ConnectorRuns $c 1)) {
                $t = ([datetime]$r.StartDate).ToUniversalTime()
                if ($null -eq $newest -or $t -gt $newest) { $newest = $t }
            }
        }
        $hours = $null
        Add-Evidence "server $name, build $build"
        Add-Evidence (Format-Scheduler $s)
        if ($null -eq $newest) { Add-Evidence 'no sync run found' }
        else {
            $hours = [int][Math]::Floor(([datetime]::UtcNow - $newest).TotalHours)
            Add-Evidence "newest sync run: $hours hours ago"
        }
        Add-Evidence ('configuration: ' + @(Get-ADSyncRule -ErrorAction Stop).Count + ' sync rules, connectors ' + (@($connectors | ForEach-Object { [string]$_.Name }) -join ', '))
        if ($ActiveBuild -and $ActiveBuild -ne $build) { Add-Evidence "the builds differ: active $ActiveBuild, staging $build (the same build on both is recommended)" }
        $problems = New-Object 'System.Collections.Generic.List[string]'
        if ($ActiveConfig -and $ActiveConfig -ne $config) {
            $mine = @($config -split "`n")
            $theirs = @($ActiveConfig -split "`n")
            foreach ($line in $theirs) { if ($mine -cnotcontains $line) { $problems.Add("only on the active server: $line") } }
            foreach ($line in $mine) { if ($theirs -cnotcontains $line) { $problems.Add("only on the staging server: $line") } }
        }
        foreach ($p in $problems) { Add-Evidence $p; Add-Problem $p }
        Set-StepOutput ([ordered]@{ server = $name; build = $build; stagingMode = [bool]$s.StagingModeEnabled; syncCycleEnabled = [bool]$s.SyncCycleEnabled; lastSyncHoursAgo = $hours; config = $config })
    })
