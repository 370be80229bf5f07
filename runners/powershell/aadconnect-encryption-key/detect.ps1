<#
.SYNOPSIS
    Step 'detect': what is wrong with the sync service? Read-only.
.DESCRIPTION
    Reads the ADSync service state, the Application events 6028 / 6000 / 6323 and the System event
    7038 since the service's last start (newest System Event 7036 "ADSync entered the running
    state"; else the start time of miiserver.exe; else the last 30 days), and the newest run
    profile result of every connector.
    Output: {"classification":"logon-failure|localdb-full|key-unreadable|stale-connector-credential|healthy|unknown",
             "server":"<computer name>","staleConnectors":["<AD connector>",...]}
    staleConnectors lists the AD connectors whose newest run failed, and only for
    'stale-connector-credential' (else []).
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
        $running = $svc.Status -eq 'Running'
        $server = Get-ServerName
        $start = Get-ServiceLastStart -DisplayName $svc.DisplayName -Running $running
        Add-Evidence "server ${server}: service ADSync is $($svc.Status)"
        Add-Evidence ('last start: ' + (Format-Time $start.Time) + ' (' + $start.Source + ')')

        $events = @(Get-EventsSince -LogName 'Application' -Id @(6028, 6000, 6323) -Since $start.Time)
        $events += @(Get-EventsSince -LogName 'System' -Id @(7038) -Since $start.Time)
        $count = @{}
        foreach ($id in @(6028, 7038, 6000, 6323)) {
            $count[$id] = @($events | Where-Object { [int]$_.Id -eq $id }).Count
            Add-Evidence "Event $id since the last start: $($count[$id])"
        }

        # Newest run profile result per connector: a full database, stale AD DS credentials.
        $databaseFull = $false
        $stale = New-Object 'System.Collections.Generic.List[string]'
        try {
            foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
                $r = Get-NewestRunResult $c
                if ($null -eq $r) {
                    Add-Evidence "connector $($c.Name): no run in the history"
                    continue
                }
                $result = [string]$r.Result
                Add-Evidence "connector $($c.Name): newest run $result"
                if ($result -eq 'stopped-database-disk-full') { $databaseFull = $true }
                elseif ([string]$c.ConnectorTypeName -eq 'AD' -and -not (Test-RunResultOk $result)) { $stale.Add([string]$c.Name) }
            }
        } catch {
            Add-Evidence ('the run history could not be read: ' + $_.Exception.Message)
        }

        if (-not $running -and $count[7038] -gt 0) { $classification = 'logon-failure' }
        elseif ($count[6323] -gt 0 -or $databaseFull) { $classification = 'localdb-full' }
        elseif ($count[6028] -gt 0) { $classification = 'key-unreadable' }
        elseif ($running -and $count[6000] -gt 0 -and $stale.Count -gt 0) { $classification = 'stale-connector-credential' }
        elseif ($running) { $classification = 'healthy' }
        else { $classification = 'unknown' }
        Add-Evidence "diagnosis: $classification"

        $staleOut = ConvertTo-StringArray @()
        if ($classification -eq 'stale-connector-credential') { $staleOut = ConvertTo-StringArray $stale.ToArray() }
        Set-StepOutput ([ordered]@{
                classification = $classification
                server = $server
                staleConnectors = $staleOut
            })
    })
