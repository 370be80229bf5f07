<#
.SYNOPSIS
    Step 'backupDatabase': copy <DbName>.mdf and <DbName>_log.ldf from -DataFolder to -BackupFolder.
.DESCRIPTION
    Probe first: when -BackupFolder already holds both files with the same length and last write
    time as the originals, nothing is copied (repeat-safe). Otherwise checks the free space of the
    backup's drive, creates the folder and copies both files in one Copy-Item, then compares the
    lengths. A file held by the LocalDB instance gives 'file-in-use'.
    Output: {"backupFolder":"<folder>","alreadyDone":true|false}
    Categories: bad-arguments, not-found, no-space, file-in-use, copy-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$DataFolder = '',
    [string]$BackupFolder = '',
    [string]$DbName = 'ADSync',
    [string]$Instance = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        if (-not $DataFolder -or -not $BackupFolder) { Stop-Step 'the parameters -DataFolder and -BackupFolder are required' 'bad-arguments' }
        $src = Get-DatabaseFiles $DataFolder $DbName
        $svc = Get-ADSyncServiceState
        if ($svc.Status -eq 'Running') { Add-Evidence 'ADSync is Running: its files are normally locked while it runs' }

        $pairs = @(@($src.Mdf, (Join-Path $BackupFolder $src.Mdf.Name)), @($src.Ldf, (Join-Path $BackupFolder $src.Ldf.Name)))
        $same = $true
        $reclaim = [long]0
        foreach ($pair in $pairs) {
            $copy = $pair[1]
            if (-not (Test-Path -LiteralPath $copy -PathType Leaf)) { $same = $false; continue }
            $c = Get-Item -LiteralPath $copy
            $reclaim += [long]$c.Length
            if ([long]$c.Length -ne [long]$pair[0].Length -or [datetime]$c.LastWriteTimeUtc -ne [datetime]$pair[0].LastWriteTimeUtc) { $same = $false }
        }
        if ($same) {
            Add-Evidence "$BackupFolder already holds both files with the same size and time as the originals: nothing copied"
            Set-StepOutput ([ordered]@{ backupFolder = $BackupFolder; alreadyDone = $true })
            return
        }

        $need = [long]$src.Mdf.Length + [long]$src.Ldf.Length
        $root = [System.IO.Path]::GetPathRoot($BackupFolder)
        $drive = @(Get-PSDrive -PSProvider FileSystem -ErrorAction SilentlyContinue | Where-Object { $null -ne $_.Root -and ([string]$_.Root).TrimEnd('\', '/') -ieq $root.TrimEnd('\', '/') }) | Select-Object -First 1
        if ($null -ne $drive -and $null -ne $drive.Free) {
            $free = [long]$drive.Free + $reclaim
            Add-Evidence ('free space for the backup: ' + (Format-Mb ($free / 1MB)) + ', needed ' + (Format-Mb ($need / 1MB)))
            if ($free -lt $need) { Stop-Step ('not enough free disk space for the backup on ' + $root + ': ' + (Format-Mb ($need / 1MB)) + ' needed, ' + (Format-Mb ($free / 1MB)) + ' free') 'no-space' }
        } else {
            Add-Evidence "free space on $root could not be read; copying anyway"
        }

        Write-StepProgress "copying the database files to $BackupFolder"
        $null = New-Item -ItemType Directory -Path $BackupFolder -Force -ErrorAction Stop
        try {
            Copy-Item -LiteralPath @($src.Mdf.FullName, $src.Ldf.FullName) -Destination $BackupFolder -Force -ErrorAction Stop
        } catch {
            $message = [string]$_.Exception.Message
            if ($message -match '(?i)being used by another process|in use') {
                Stop-Step "the database files are in use (the LocalDB instance $Instance has not shut down yet): $message" 'file-in-use'
            }
            if ($message -match '(?i)not enough space') { Stop-Step $message 'no-space' }
            Stop-Step "the copy failed: $message" 'copy-failed'
        }
        foreach ($pair in $pairs) {
            $c = Get-Item -LiteralPath $pair[1]
            if ([long]$c.Length -ne [long]$pair[0].Length) { Stop-Step "the copy $($pair[1]) has $($c.Length) bytes, the original $($pair[0].Length)" 'copy-failed' }
        }
        Add-Evidence ("copied $($src.Mdf.Name) (" + (Format-Mb (Get-FileMb $src.Mdf)) + ") and $($src.Ldf.Name) (" + (Format-Mb (Get-FileMb $src.Ldf)) + ") to $BackupFolder; sizes checked")
        Set-StepOutput ([ordered]@{ backupFolder = $BackupFolder; alreadyDone = $false })
    })
