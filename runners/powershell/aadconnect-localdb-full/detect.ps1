<#
.SYNOPSIS
    Step 'detect' (read-only): is this the LocalDB 10 GB limit, another problem, or nothing?
.DESCRIPTION
    Reads the ADSync service state; the Parameters key (Path, Server, SQLInstance, DBName);
    the database files in <Path>\Data and <Path>\Data\ADSync2019; which sqlcmd exists; Application
    events 6323, 6028, 528, 2005 and 6226 since the service's last start; and, while the service
    runs, the newest run result of each connector. Changes nothing.
    Output: {"classification":"localdb-full-stopped|localdb-full-running|key-unreadable|
    model-corruption|real-sql|healthy|unknown","server":"<name>","serviceStatus":"Running|Stopped|...",
    "instance":"<LocalDB instance>"|null,"dbName":"ADSync","dataFolder":"<folder>"|null,
    "backupFolder":"<folder>"|null,"mdfMb":<n>|null,"ldfMb":<n>|null,"sqlcmd":"<path>"|null}
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
        Add-Evidence "server ${server}: service ADSync is $($svc.Status)"
        $p = Get-ADSyncParameters
        $localDb = Test-LocalDb $p
        $instance = Get-LocalDbInstance $p
        $kind = ' (not LocalDB)'
        if ($localDb) { $kind = " (LocalDB instance $instance)" }
        Add-Evidence ("database: Server '" + $p.Server + "', SQLInstance '" + $p.SQLInstance + "', DBName '" + $p.DBName + "'" + $kind)

        $dataFolder = $null
        $backupFolder = $null
        $mdfMb = $null
        $ldfMb = $null
        $sqlcmd = $null
        if ($localDb) {
            $found = Find-DatabaseFolder $p
            foreach ($line in $found.Probed) { Add-Evidence $line }
            if ($found.Folder) {
                $dataFolder = [string]$found.Folder
                $backupFolder = Join-Path $p.Path 'Data-backup'
                $files = Get-DatabaseFiles $dataFolder $p.DBName
                $mdfMb = Get-FileMb $files.Mdf
                $ldfMb = Get-FileMb $files.Ldf
                Add-Evidence ("database files in ${dataFolder}: $($p.DBName).mdf " + (Format-Mb $mdfMb) + ", $($p.DBName)_log.ldf " + (Format-Mb $ldfMb) + ' (total ' + (Format-Mb ($mdfMb + $ldfMb)) + '; the data file limit is ' + (Format-Mb $script:LimitMb) + ')')
            } else {
                Add-Evidence 'the database files were not found: their size is unknown'
            }
            $sqlcmd = Find-Sqlcmd
            if ($sqlcmd) { Add-Evidence "sqlcmd: $sqlcmd" }
            else { Add-Evidence ('sqlcmd: not found in ' + (@(Get-SqlcmdCandidates) -join ' nor ')) }
        }

        $start = Get-ServiceLastStart -DisplayName $svc.DisplayName -Running $running
        Add-Evidence ('last start: ' + (Format-Time $start.Time) + ' (' + $start.Source + ')')
        $events = @(Get-EventsSince -LogName 'Application' -Id @(6323, 6028, 528, 2005, 6226) -Since $start.Time)
        $count = @{}
        foreach ($id in @(6323, 6028, 528, 2005, 6226)) {
            $count[$id] = @($events | Where-Object { [int]$_.Id -eq $id }).Count
            Add-Evidence "Event $id since the last start: $($count[$id])"
        }

        $diskFull = 0
        if ($running) {
            try {
                foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
                    $r = @(Get-ConnectorRuns $c 5)
                    $result = '(none)'
                    if ($r.Count -gt 0) { $result = [string]$r[0].Result }
                    Add-Evidence "connector $($c.Name): newest run $result"
                    if ($result -eq $script:DiskFull) { $diskFull++ }
                }
            } catch {
                Add-Evidence ('the run history could not be read: ' + $_.Exception.Message)
            }
        } else {
            Add-Evidence 'run history not read: the ADSync cmdlets need the service running'
        }

        $nearLimit = ($null -ne $mdfMb -and $mdfMb -ge $script:NearLimitMb)
        $symptom = ($count[6323] -gt 0 -or $diskFull -gt 0 -or $nearLimit)
        if ($count[6028] -gt 0) { $classification = 'key-unreadable' }
        elseif ($count[528] -gt 0 -and ($count[2005] + $count[6226]) -gt 0) { $classification = 'model-corruption' }
        elseif (-not $localDb) { $classification = 'real-sql' }
        elseif ($symptom -and $running) { $classification = 'localdb-full-running' }
        elseif ($symptom) { $classification = 'localdb-full-stopped' }
        elseif ($running) { $classification = 'healthy' }
        else { $classification = 'unknown' }
        Add-Evidence "diagnosis: $classification"
        Set-StepOutput ([ordered]@{
                classification = $classification
                server = $server
                serviceStatus = $svc.Status
                instance = $instance
                dbName = [string]$p.DBName
                dataFolder = $dataFolder
                backupFolder = $backupFolder
                mdfMb = $mdfMb
                ldfMb = $ldfMb
                sqlcmd = $sqlcmd
            })
    })
