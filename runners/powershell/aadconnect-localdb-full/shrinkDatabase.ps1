<#
.SYNOPSIS
    Step 'shrinkDatabase': DBCC SHRINKDATABASE(<DbName>,1) through sqlcmd on (localdb)\.\<Instance>.
.DESCRIPTION
    sqlcmd is looked for in $env:ProgramFiles\Microsoft SQL Server\110\Tools\Binn (1.x builds) and
    in ...\Client SDK\ODBC\170\Tools\Binn (2.x builds); neither: 'sqlcmd-missing'. Connects with
    Windows authentication (-E; SQL logins time out against LocalDB), -b for a non-zero exit code
    on an SQL error. Best effort: the data file may not shrink at all; that is not a failure.
    RUNBOOK_ATTEMPT_ID / RUNBOOK_STEP_ID are set for the child only (the simulated host records
    its effect with them).
    Output: {"beforeMb":<n>,"afterMb":<n>,"freedMb":<n>}
    Categories: bad-arguments, not-found, sqlcmd-missing, shrink-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Instance = '',
    [string]$DbName = 'ADSync',
    [string]$DataFolder = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        if (-not $Instance -or -not $DataFolder) { Stop-Step 'the parameters -Instance and -DataFolder are required' 'bad-arguments' }
        $sqlcmd = Find-Sqlcmd
        if (-not $sqlcmd) {
            Stop-Step ('sqlcmd not found: neither ' + (@(Get-SqlcmdCandidates) -join ' nor ') + ' exists. Install the SQL Server command line utilities (sqlcmd) and retry') 'sqlcmd-missing'
        }
        $before = Get-DatabaseFiles $DataFolder $DbName
        $beforeMb = Get-FileMb $before.Mdf
        $server = '(localdb)\.\' + $Instance
        $query = 'DBCC SHRINKDATABASE(' + $DbName + ',1)'
        Add-Evidence "$sqlcmd -S `"$server`" -E -b -Q `"$query`""
        Write-StepProgress "shrinking $DbName on $server (this can take a while)"

        $oldAttempt = $env:RUNBOOK_ATTEMPT_ID
        $oldStep = $env:RUNBOOK_STEP_ID
        $oldPreference = $ErrorActionPreference
        $lines = @()
        $code = $null
        try {
            $env:RUNBOOK_ATTEMPT_ID = $global:RunbookAttemptId
            $env:RUNBOOK_STEP_ID = $global:RunbookStepId
            # Native stderr must not become a terminating error (Windows PowerShell 5.1 with 2>&1).
            $ErrorActionPreference = 'Continue'
            $lines = @(& $sqlcmd -S $server -E -b -Q $query 2>&1 | ForEach-Object { [string]$_ })
            $code = $LASTEXITCODE
        } finally {
            $ErrorActionPreference = $oldPreference
            $env:RUNBOOK_ATTEMPT_ID = $oldAttempt
            $env:RUNBOOK_STEP_ID = $oldStep
        }
        $text = (($lines | Where-Object { $_.Trim() -ne '' } | Select-Object -Last 6) -join ' | ')
        if ($text) { Add-Evidence "sqlcmd output: $text" }
        Add-Evidence "sqlcmd exit code: $code"
        if ($code -ne 0) { Stop-Step "DBCC SHRINKDATABASE failed (sqlcmd exit code $code): $text" 'shrink-failed' }

        $after = Get-DatabaseFiles $DataFolder $DbName
        $afterMb = Get-FileMb $after.Mdf
        $freed = $beforeMb - $afterMb
        Add-Evidence ("$DbName.mdf: " + (Format-Mb $beforeMb) + ' before, ' + (Format-Mb $afterMb) + ' after (' + (Format-Mb $freed) + ' freed)')
        if ($freed -le 0) { Add-Evidence 'the shrink freed nothing: the start may fail again' }
        Set-StepOutput ([ordered]@{ beforeMb = $beforeMb; afterMb = $afterMb; freedMb = $freed })
    })
