# Shared helpers of the aadconnect-localdb-full step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# This runbook needs no secret.

# The runner ships it beside this file; a stand-in run from the repository finds it one folder up.
$stepContract = Join-Path $PSScriptRoot 'step-contract.ps1'
if (-not (Test-Path -LiteralPath $stepContract)) { $stepContract = Join-Path (Split-Path -Parent $PSScriptRoot) 'step-contract.ps1' }
. $stepContract

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

$script:ParametersKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters'
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

function Import-ADSyncModule {
    try {
        Import-Module ADSync -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
        return
    } catch {
        $first = [string]$_.Exception.Message
    }
    # The module ships in the sync engine's Bin folder; it is not always on PSModulePath.
    $p = Get-ADSyncParameters
    if ($p.Path) {
        $psd = Join-Path (Join-Path (Join-Path $p.Path 'Bin') 'ADSync') 'ADSync.psd1'
        if (Test-Path -LiteralPath $psd) {
            Import-Module $psd -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
            return
        }
    }
    Stop-Step "the ADSync PowerShell module cannot be loaded: $first" 'module-missing'
}

function Get-ServerName {
    if ($env:COMPUTERNAME) { return [string]$env:COMPUTERNAME }
    return [System.Net.Dns]::GetHostName()
}

function Format-Time([datetime]$Time) {
    return $Time.ToString('yyyy-MM-dd HH:mm:ss', [System.Globalization.CultureInfo]::InvariantCulture)
}

# Now, to the whole millisecond (event times are compared with it).
function Get-NowMs {
    return [DateTimeOffset]::FromUnixTimeMilliseconds([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()).LocalDateTime
}

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

function Get-EventsSince([string]$LogName, [int[]]$Id, [datetime]$Since, [int]$MaxEvents = 0) {
    $filter = @{ LogName = $LogName; Id = $Id; StartTime = $Since }
    try {
        if ($MaxEvents -gt 0) { $found = @(Get-WinEvent -FilterHashtable $filter -MaxEvents $MaxEvents -ErrorAction Stop) }
        else { $found = @(Get-WinEvent -FilterHashtable $filter -ErrorAction Stop) }
    } catch {
        if ([string]$_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*' -or [string]$_.Exception.Message -like 'No events were found*') { return }
        throw
    }
    $found
}

function Test-ADSyncRunningEvent($Record, [string]$DisplayName) {
    # Language-neutral: the binary data of 7036 is "<service name>/<state>" in UTF-16LE; 4 = running.
    try {
        $xml = [xml]$Record.ToXml()
        $hex = [string]$xml.Event.EventData.Binary
        if ($hex) {
            $bytes = New-Object byte[] ([int]($hex.Length / 2))
            for ($i = 0; $i -lt $bytes.Length; $i++) { $bytes[$i] = [Convert]::ToByte($hex.Substring(2 * $i, 2), 16) }
            $text = [System.Text.Encoding]::Unicode.GetString($bytes).TrimEnd([char]0)
            if ($text -match '^(?i)([^/]+)/(\d+)$') { return ($Matches[1] -ieq 'ADSync' -and $Matches[2] -eq '4') }
        }
    } catch { }
    $msg = [string]$Record.Message
    return ($DisplayName -and $msg.IndexOf($DisplayName, [System.StringComparison]::OrdinalIgnoreCase) -ge 0 -and $msg -match 'entered the running state')
}

# The service's last successful start: the newest System Event 7036 "ADSync entered the running
# state" of the last 30 days; else, while it runs, the start time of miiserver.exe; else 30 days ago.
function Get-ServiceLastStart([string]$DisplayName, [bool]$Running) {
    $window = (Get-Date).AddDays(-30)
    foreach ($e in @(Get-EventsSince -LogName 'System' -Id @(7036) -Since $window -MaxEvents 2000)) {
        if (Test-ADSyncRunningEvent $e $DisplayName) {
            return [pscustomobject]@{ Time = [datetime]$e.TimeCreated; Source = 'System Event 7036, ADSync entered the running state' }
        }
    }
    if ($Running) {
        try {
            $p = Get-Process -Name miiserver -ErrorAction Stop | Select-Object -First 1
            if ($null -ne $p -and $null -ne $p.StartTime) { return [pscustomobject]@{ Time = [datetime]$p.StartTime; Source = 'start time of miiserver.exe' } }
        } catch { }
    }
    return [pscustomobject]@{ Time = $window; Source = 'no start found: the last 30 days are searched' }
}

# ---------------------------------------------------------------------------------------------
# Service and sync helpers
# ---------------------------------------------------------------------------------------------

function Get-ADSyncServiceState {
    $svc = Get-Service -Name ADSync -ErrorAction Stop
    return [pscustomobject]@{ Status = [string]$svc.Status; DisplayName = [string]$svc.DisplayName }
}

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

# Polls Get-ADSyncConnectorRunStatus until idle. Returns the number of busy polls.
function Wait-SyncIdle([double]$PollIntervalSeconds, [int]$TimeoutSeconds) {
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    $polls = 0
    while ($true) {
        $busy = @(Get-ADSyncConnectorRunStatus | Where-Object { $null -ne $_ })
        if ($busy.Count -eq 0) { return $polls }
        $polls++
        $names = (@($busy | ForEach-Object { [string]$_.ConnectorName }) -join ', ')
        Write-StepProgress "waiting for the sync run on $names to finish"
        if ((Get-Date) -ge $deadline) { Stop-Step "a sync run was still in progress after $TimeoutSeconds s ($names)" 'timeout' }
        if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
    }
}

function Test-RunResultOk([string]$Result) {
    return ($Result -eq 'success' -or ($Result.StartsWith('completed-') -and $Result.EndsWith('-warnings')))
}

# Every run profile result of a connector, newest first (the order is not documented: sorted here).
function Get-ConnectorRuns($Connector, [int]$Number = 0) {
    if ($Number -gt 0) { $r = @(Get-ADSyncRunProfileResult -ConnectorId $Connector.Identifier -NumberRequested $Number -ErrorAction Stop) }
    else { $r = @(Get-ADSyncRunProfileResult -ConnectorId $Connector.Identifier -ErrorAction Stop) }
    return @($r | Where-Object { $null -ne $_ } | Sort-Object -Property StartDate -Descending)
}
