<#
.SYNOPSIS
    Step 'readEvents' of aadconnect-health-check (read-only): the service's last start, Event 6028
    since then, and the watched Application events of the last 24 hours.
.DESCRIPTION
    Output: {"collected","lastStart","lastStartSource","keyErrorsSinceStart","since","events":[{"id","at"}]}
    (events newest first). The watched ids are WATCHED_EVENT_IDS of machines/lib/aadconnect-health-assess.ts.
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
$watched = @(6323, 6000, 6028, 6900, 659, 116, 906, 1011, 1012, 528, 2005, 6226)

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        $null = Import-ADSyncModule
        $now = Get-UtcNow
        $svc = Get-ADSyncServiceOrNull
        $display = ''
        $running = $false
        if ($null -ne $svc) { $display = [string]$svc.DisplayName; $running = ([string]$svc.Status -eq 'Running') }
        $last = Get-ServiceLastStart $display $running $now.ToLocalTime()
        $from = $now.ToLocalTime().AddDays(-30)
        $lastStart = $null
        if ($null -ne $last.Time) { $from = $last.Time; $lastStart = Format-IsoUtc $last.Time }
        $keyErrors = @(Get-EventsSince -LogName 'Application' -Id @(6028) -Since $from).Count
        $since = $now.ToLocalTime().AddHours(-24)
        $events = New-Object 'System.Collections.Generic.List[object]'
        foreach ($e in @(Get-EventsSince -LogName 'Application' -Id $watched -Since $since | Sort-Object -Property TimeCreated -Descending)) {
            $events.Add([ordered]@{ id = [int]$e.Id; at = (Format-IsoUtc ([datetime]$e.TimeCreated)) })
        }
        Add-Evidence "last start: $lastStart ($($last.Source))"
        Add-Evidence "Event 6028 since then: $keyErrors"
        $ids = (@($events | ForEach-Object { [string]$_.id }) -join ', ')
        if (-not $ids) { $ids = 'none' }
        Add-Evidence ('watched events since ' + (Format-IsoUtc $since) + ": $ids")
        Set-StepOutput ([ordered]@{
                collected = $true; lastStart = $lastStart; lastStartSource = [string]$last.Source
                keyErrorsSinceStart = $keyErrors; since = (Format-IsoUtc $since); events = $events.ToArray()
            })
    })
