<#
.SYNOPSIS
    Step 'summary' (read-only): the database size now against the start, and the long-term advice.
.DESCRIPTION
    Output: {"mdfMb":<n>,"ldfMb":<n>}. Changes nothing.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$DataFolder = '',
    [string]$DbName = 'ADSync',
    [string]$MdfMbBefore = '',
    [string]$BackupFolder = '',
    [string]$Route = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        if (-not $DataFolder) {
            $found = Find-DatabaseFolder (Get-ADSyncParameters)
            $DataFolder = [string]$found.Folder
        }
        if (-not $DataFolder) { Stop-Step 'the database folder is unknown' 'not-found' }
        $files = Get-DatabaseFiles $DataFolder $DbName
        $mdfMb = Get-FileMb $files.Mdf
        $ldfMb = Get-FileMb $files.Ldf
        $start = ''
        if ($MdfMbBefore) { $start = (Format-Mb ([long]$MdfMbBefore)) + ' at the start, ' }
        Add-Evidence ("$DbName.mdf: " + $start + (Format-Mb $mdfMb) + " now; ${DbName}_log.ldf " + (Format-Mb $ldfMb))
        try {
            $retention = ([timespan](Get-ADSyncScheduler -ErrorAction Stop).PurgeRunHistoryInterval).ToString()
            Add-Evidence "run history retention: $retention"
        } catch { }
        if ($BackupFolder) { Add-Evidence "backup: $BackupFolder" }
        Add-Evidence 'long term: this server has outgrown LocalDB. Build a new Connect server on a full SQL Server, put it in staging, then swap.'
        Set-StepOutput ([ordered]@{ mdfMb = $mdfMb; ldfMb = $ldfMb })
    })
