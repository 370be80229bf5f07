# Shared helpers of the aadconnect-localdb-full step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# This runbook needs no secret.

# The family's helpers (they load the step contract): the runner ships them beside this file.
$family = Join-Path $PSScriptRoot '_aadconnect.ps1'
if (-not (Test-Path -LiteralPath $family)) { $family = Join-Path (Split-Path -Parent $PSScriptRoot) 'families/aadconnect/_aadconnect.ps1' }
. $family

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

$script:DiskFull = 'stopped-database-disk-full'
# SQL Express caps a data file at 10 GB; a data file at 95 % of it counts as full.
$script:LimitMb = 10240
$script:NearLimitMb = 9728

# The ADSync service's Parameters key: install Path, Server, SQLInstance, DBName ($null when absent).
function Get-ADSyncParameters {
    $values = @{ Path = $null; Server = $null; SQLInstance = $null; DBName = $null }
    foreach ($name in @('Path', 'Server', 'SQLInstance', 'DBName')) {
        try {
            $v = (Get-ItemProperty -Path $script:ParametersKey -Name $name -ErrorAction Stop).$name
            if ($null -ne $v) { $values[$name] = ([string]$v).Trim() }
        } catch { }
    }
    if (-not $values['Path'] -and $env:ProgramFiles) { $values['Path'] = Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync' }
    if (-not $values['DBName']) { $values['DBName'] = 'ADSync' }
    return [pscustomobject]$values
}

# The install folder, for Import-ADSyncModule.
function Get-InstallLocation { return (Get-ADSyncParameters).Path }

function Format-Mb([double]$Mb) {
    return ([long]$Mb).ToString('N0', [System.Globalization.CultureInfo]::GetCultureInfo('en-US')) + ' MB'
}

function Get-FileMb($Item) {
    return [long][Math]::Round([double]$Item.Length / 1MB)
}

# A LocalDB database: Server empty or starting with (localdb).
function Test-LocalDb($Parameters) {
    $server = [string]$Parameters.Server
    return (-not $server -or $server -match '^(?i)\(localdb\)')
}

# The LocalDB instance: SQLInstance without a leading '.\', or the name in Server '(localdb)\.\<name>'.
function Get-LocalDbInstance($Parameters) {
    $raw = [string]$Parameters.SQLInstance
    if (-not $raw -and [string]$Parameters.Server -match '^(?i)\(localdb\)\\(?:\.\\)?(.+)$') { $raw = $Matches[1] }
    $name = ($raw -replace '^\.\\', '').Trim()
    if ($name) { return $name }
    return $null
}

# The folder that holds <DBName>.mdf: '<Path>\Data' (1.x) or '<Path>\Data\ADSync2019' (2.x). When
# both hold one, the one written last. Returns @{ Folder; Probed = @(lines) }.
function Find-DatabaseFolder($Parameters) {
    $data = Join-Path $Parameters.Path 'Data'
    $candidates = @($data, (Join-Path $data 'ADSync2019'))
    $probed = New-Object 'System.Collections.Generic.List[string]'
    $best = $null
    $bestTime = [datetime]::MinValue
    foreach ($folder in $candidates) {
        $mdf = Join-Path $folder ($Parameters.DBName + '.mdf')
        if (Test-Path -LiteralPath $mdf -PathType Leaf) {
            $probed.Add("${mdf}: found")
            $t = [datetime](Get-Item -LiteralPath $mdf).LastWriteTimeUtc
            if ($null -eq $best -or $t -gt $bestTime) { $best = $folder; $bestTime = $t }
        } else {
            $probed.Add("${mdf}: not there")
        }
    }
    return [pscustomobject]@{ Folder = $best; Probed = (ConvertTo-StringArray $probed.ToArray()) }
}

function Get-DatabaseFiles([string]$Folder, [string]$DbName) {
    $mdf = Join-Path $Folder ($DbName + '.mdf')
    $ldf = Join-Path $Folder ($DbName + '_log.ldf')
    if (-not (Test-Path -LiteralPath $mdf -PathType Leaf)) { Stop-Step "the database file $mdf does not exist" 'not-found' }
    if (-not (Test-Path -LiteralPath $ldf -PathType Leaf)) { Stop-Step "the log file $ldf does not exist" 'not-found' }
    return [pscustomobject]@{ Mdf = (Get-Item -LiteralPath $mdf); Ldf = (Get-Item -LiteralPath $ldf) }
}

# sqlcmd: the SQL 2012 tools folder (1.x builds), else the ODBC 170 client tools (2.x builds).
function Get-SqlcmdCandidates {
    $pf = $env:ProgramFiles
    if (-not $pf) { return @() }
    $sql = Join-Path $pf 'Microsoft SQL Server'
    return @(
        (Join-Path $sql '110\Tools\Binn\SQLCMD.EXE'),
        (Join-Path $sql 'Client SDK\ODBC\170\Tools\Binn\SQLCMD.EXE')
    )
}

function Find-Sqlcmd {
    foreach ($c in @(Get-SqlcmdCandidates)) {
        if (Test-Path -LiteralPath $c -PathType Leaf) { return $c }
    }
    return $null
}

# ---------------------------------------------------------------------------------------------
# Events and the service's last start
# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# Service and sync helpers
# ---------------------------------------------------------------------------------------------

function Assert-ServiceRunning([string]$What) {
    $svc = Get-ADSyncServiceState
    if ($svc.Status -ne 'Running') { Stop-Step "${What}: the ADSync service is not running ($($svc.Status))" 'service-stopped' }
}

# One Start-Service ADSync, never a stop. Output {running, new6323}: the machine decides.
function Invoke-StartOnce([double]$PollIntervalSeconds) {
    $svc = Get-ADSyncServiceState
    if ($svc.Status -eq 'Running') {
        Add-Evidence 'ADSync was already Running'
        Set-StepOutput ([ordered]@{ running = $true; new6323 = 0 })
        return
    }
    $before = Get-NowMs
    Write-StepProgress 'starting ADSync'
    try {
        Start-Service -Name ADSync -ErrorAction Stop
        Add-Evidence 'Start-Service ADSync succeeded'
    } catch {
        Add-Evidence ('Start-Service ADSync failed: ' + [string]$_.Exception.Message)
    }
    # the event may be written a moment after the service control manager gives up
    if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
    $after = Get-ADSyncServiceState
    $new6323 = @(Get-EventsSince -LogName 'Application' -Id @(6323) -Since $before).Count
    Add-Evidence "ADSync is $($after.Status)"
    Add-Evidence "new Event 6323 since the attempt: $new6323"
    Set-StepOutput ([ordered]@{ running = ($after.Status -eq 'Running'); new6323 = $new6323 })
}
