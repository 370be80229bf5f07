<#
.SYNOPSIS
    Step 'detect' (read-only): which AD connectors no longer have a working password?
.DESCRIPTION
    Reads the ADSync service, the build, every connector with its newest run result, and
    Application events 6000 and 6028 since the service process started. An AD connector whose
    newest result is no-start-credentials, or that a 6000 names, is affected. Changes nothing.
    Output: {"classification":"stale-password|entra-credential|key-unreadable|healthy|unknown",
    "server","build","affected":[...],"adConnectors":[...],"accounts":{"<connector>":"DOMAIN\\user"}}
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
        $build = Get-SyncBuild
        $svc = Get-ADSyncServiceState
        $running = ($svc.Status -eq 'Running')
        Add-Evidence "server ${server}: build $build, service ADSync is $($svc.Status)"
        $since = (Get-Date).AddDays(-7)
        if ($running) {
            $proc = Get-ADSyncProcess
            if ($null -ne $proc) { $since = $proc.StartTime }
        }
        $events = @(Get-EventsSince -LogName 'Application' -Id @(6000, 6028) -Since $since)
        $e6028 = @($events | Where-Object { [int]$_.Id -eq 6028 }).Count
        $e6000 = @($events | Where-Object { [int]$_.Id -eq 6000 })
        Add-Evidence "Event 6028 since the last start: $e6028"
        Add-Evidence "Event 6000 since the last start: $($e6000.Count)"
        $affected = New-Object 'System.Collections.Generic.List[string]'
        $adNames = New-Object 'System.Collections.Generic.List[string]'
        $accounts = [ordered]@{}
        $entraFailing = $false
        if ($running) {
            foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
                $r = Get-NewestRunResult $c
                $result = '(none)'
                if ($null -ne $r) { $result = [string]$r.Result }
                $name = [string]$c.Name
                if ([string]$c.ConnectorTypeName -eq 'AD') {
                    $adNames.Add($name)
                    $account = Get-ConnectorAccount $c
                    $accounts[$name] = $account
                    $named = @($e6000 | Where-Object { ([string]$_.Message).Contains('"' + $name + '"') }).Count
                    Add-Evidence ("AD connector $name (forest " + (Get-ConnectivityValue $c 'forest-name') + ", account $account): newest run $result; Event 6000 naming it: $named")
                    if ($result -eq $script:NoStart -or $named -gt 0) { $affected.Add($name) }
                } else {
                    Add-Evidence "Entra connector ${name}: newest run $result"
                    if ($result -eq $script:DllException) { $entraFailing = $true }
                }
            }
        } else {
            Add-Evidence 'connectors not read: the ADSync cmdlets need the service running'
        }
        if ($e6028 -gt 0) { $classification = 'key-unreadable' }
        elseif ($affected.Count -gt 0) { $classification = 'stale-password' }
        elseif ($entraFailing) { $classification = 'entra-credential' }
        elseif ($running) { $classification = 'healthy' }
        else { $classification = 'unknown' }
        $suffix = ''
        if ($affected.Count -gt 0) { $suffix = ' (' + ($affected.ToArray() -join ', ') + ')' }
        Add-Evidence "diagnosis: $classification$suffix"
        Set-StepOutput ([ordered]@{
                classification = $classification
                server = $server
                build = $build
                affected = (ConvertTo-StringArray $affected.ToArray())
                adConnectors = (ConvertTo-StringArray $adNames.ToArray())
                accounts = $accounts
            })
    })
