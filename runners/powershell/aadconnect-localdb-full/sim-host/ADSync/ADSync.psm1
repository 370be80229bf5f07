# Simulated ADSync host for the aadconnect-localdb-full scripts: the ADSync module's cmdlets the
# runbook calls plus the Windows cmdlets it reads the server with (Get-Service, Start-Service,
# Get-WinEvent, Get-ItemProperty of the ADSync Parameters key, Test-Path / Get-Item / New-Item /
# Copy-Item on the database files, Get-PSDrive), all backed by one JSON state file:
# $env:RUNBOOK_SIM_STATE.
#
# The state file has the format of HostState in runners/simulator/aadconnect-localdb-full/host.ts
# and the operations follow `host` there and `apply` in its world.ts:
#   - every call reads the whole file and, when it changes something, writes it back atomically;
#   - a change is recorded in `effects` ({op, stepId, attemptId, at}) with the attempt and step
#     from $global:RunbookAttemptId / $global:RunbookStepId (RUNBOOK_ATTEMPT_ID / RUNBOOK_STEP_ID
#     for the sqlcmd stand-in); an idempotent op already recorded for the same attempt is a no-op;
#   - a failing operation still saves what it did before failing (a 6323 logged by a failed start).
#
# The install folder (registry Path) is sim-host/install and the database files under it exist
# only in the state file: the file cmdlets answer for paths under it and pass every other path
# to the real cmdlet. $env:ProgramFiles becomes sim-host/ProgramFiles, where both sqlcmd
# stand-ins live; Test-Path says only the one of the scenario's build exists.
# Never defines Stop-Service: the runbook never stops the sync service.

$ErrorActionPreference = 'Stop'

# The runner kind's simulated-host helpers (state file, clock, effects): runners/powershell/sim-host-common.
Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1')
Set-SimStateArrays @('connectors', 'runs', 'events', 'effects')

$script:SimRoot = Split-Path -Parent $PSScriptRoot
$script:InstallFolder = [System.IO.Path]::GetFullPath((Join-Path $script:SimRoot 'install'))
$script:ProgramFilesFolder = [System.IO.Path]::GetFullPath((Join-Path $script:SimRoot 'ProgramFiles'))
$script:ParametersKey = 'SYSTEM\CurrentControlSet\Services\ADSync\Parameters'
$script:LimitMb = 10240
$script:StartHeadroomMb = 32
$script:SyncRoomMb = 64
$script:DiskFull = 'stopped-database-disk-full'
$script:OutOfSpace = 'The server encountered an error because SQL Server is out of disk space.'
$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'
$script:TwoDaysMs = [long]2 * 24 * 60 * 60000

# ---------------------------------------------------------------------------------------------
# State file
# ---------------------------------------------------------------------------------------------

function Add-SimEvent($State, [string]$Log, [int]$Id, [long]$At, [string]$Message) {
    $State.events = @($State.events) + @([pscustomobject][ordered]@{ log = $Log; id = $Id; at = $At; message = $Message })
}

function Get-SimDisplayName { return 'Microsoft Azure AD Sync' }

function Test-SimRunning($State) { return ([string]$State.service.status -eq 'Running') }

function Assert-SimServiceRunning($State, [string]$Command) {
    if (-not (Test-SimRunning $State)) {
        throw (New-SimFault "${Command}: unable to connect to the Synchronization Service: the ADSync service is not running" 'service-stopped')
    }
}

function Get-SimRoomMb($State) {
    return ($script:LimitMb - [long]$State.database.mdfMb + [long]$State.database.freeInsideMb)
}

# ---------------------------------------------------------------------------------------------
# host.ts operations (changes of a state object)
# ---------------------------------------------------------------------------------------------

function Invoke-SimStart($State) {
    if (Test-SimRunning $State) { return $false }
    $now = Get-SimNow
    if ([long]$State.database.mdfMb -gt ($script:LimitMb - $script:StartHeadroomMb)) {
        Add-SimEvent $State 'Application' 6323 $now $script:OutOfSpace
        throw (New-SimFault "Service 'Microsoft Azure AD Sync (ADSync)' cannot be started due to the following error: Cannot start service ADSync on computer '.'." 'database-full')
    }
    $State.service.status = 'Running'
    $State.service.lastStartAt = $now
    $State.database.lastWriteAt = $now
    return $true
}

function Invoke-SimBackup($State) {
    if (Test-SimRunning $State) {
        throw (New-SimFault "The process cannot access the file 'ADSync.mdf' because it is being used by another process." 'file-in-use')
    }
    $reclaim = [long]0
    if ($null -ne $State.backup) { $reclaim = [long]$State.backup.mdfMb + [long]$State.backup.ldfMb }
    $need = [long]$State.database.mdfMb + [long]$State.database.ldfMb
    $free = [long]$State.diskFreeMb + $reclaim
    if ($need -gt $free) { throw (New-SimFault 'There is not enough space on the disk.' 'no-space') }
    $State.diskFreeMb = $free - $need
    $State.backup = [pscustomobject][ordered]@{ mdfMb = [long]$State.database.mdfMb; ldfMb = [long]$State.database.ldfMb; lastWriteAt = [long]$State.database.lastWriteAt }
}

function Invoke-SimShrink($State) {
    $freed = [long]$State.database.freeInsideMb
    $State.database.mdfMb = [long]$State.database.mdfMb - $freed
    $State.database.freeInsideMb = 0
    $State.database.lastWriteAt = Get-SimNow
    return $freed
}

function Invoke-SimPurge($State) {
    Assert-SimServiceRunning $State 'Start-ADSyncPurgeRunHistory'
    $cutoff = (Get-SimNow) - $script:TwoDaysMs
    $State.runs = @($State.runs | Where-Object { [long]$_.at -ge $cutoff })
    $State.database.freeInsideMb = [long]$State.database.freeInsideMb + [long]$State.database.oldHistoryMb
    $State.database.oldHistoryMb = 0
    return $true
}

function Invoke-SimDeltaSync($State) {
    Assert-SimServiceRunning $State 'Start-ADSyncSyncCycle'
    $now = Get-SimNow
    $full = ((Get-SimRoomMb $State) -lt $script:SyncRoomMb)
    $result = 'success'
    if ($full) { $result = $script:DiskFull }
    $new = @()
    foreach ($c in @($State.connectors)) { $new += [pscustomobject][ordered]@{ connector = [string]$c.name; result = $result; at = $now } }
    if ($full) { Add-SimEvent $State 'Application' 6323 $now $script:OutOfSpace }
    $State.runs = @($State.runs) + $new
    return $true
}

# ---------------------------------------------------------------------------------------------
# Paths: the simulated files live in the state only
# ---------------------------------------------------------------------------------------------

function Get-SimFullPath([string]$Path) {
    if (-not $Path) { return $null }
    try { return [System.IO.Path]::GetFullPath($Path.Replace('\', [System.IO.Path]::DirectorySeparatorChar)).TrimEnd([System.IO.Path]::DirectorySeparatorChar) } catch { return $null }
}

function Test-SimUnder([string]$Full, [string]$Root) {
    if (-not $Full) { return $false }
    return ($Full -eq $Root -or $Full.StartsWith($Root + [System.IO.Path]::DirectorySeparatorChar))
}

function Get-SimDataFolder($State) {
    $data = Join-Path $script:InstallFolder 'Data'
    if ([string]$State.dataFolder -eq 'Data') { return $data }
    return (Join-Path $data 'ADSync2019')
}

function Get-SimBackupFolder { return (Join-Path $script:InstallFolder 'Data-backup') }

function Get-SimSqlcmdPath($State) {
    $sql = Join-Path $script:ProgramFilesFolder 'Microsoft SQL Server'
    switch ([string]$State.sqlcmd) {
        '110' { return (Join-Path $sql '110/Tools/Binn/SQLCMD.EXE') }
        '170' { return (Join-Path $sql 'Client SDK/ODBC/170/Tools/Binn/SQLCMD.EXE') }
    }
    return $null
}

# What a simulated path is: @{ Kind = 'file'|'folder'|'none'; Mb; LastWriteAt } or $null when the
# path is not the simulation's.
function Resolve-SimPath($State, [string]$Path) {
    $full = Get-SimFullPath $Path
    if (Test-SimUnder $full $script:ProgramFilesFolder) {
        $sqlcmd = Get-SimSqlcmdPath $State
        if ($sqlcmd -and $full -eq $sqlcmd) { return @{ Kind = 'file'; Full = $full; Mb = 0; LastWriteAt = [long]$State.database.lastWriteAt } }
        if ($sqlcmd -and (Test-SimUnder $sqlcmd $full)) { return @{ Kind = 'folder'; Full = $full } }
        return @{ Kind = 'none'; Full = $full }
    }
    if (-not (Test-SimUnder $full $script:InstallFolder)) { return $null }
    $db = [string]$State.registry.dbName
    if (-not $db) { $db = 'ADSync' }
    $dataFolder = Get-SimDataFolder $State
    $backupFolder = Get-SimBackupFolder
    if ($full -eq $script:InstallFolder -or $full -eq (Join-Path $script:InstallFolder 'Data') -or $full -eq $dataFolder) { return @{ Kind = 'folder'; Full = $full } }
    $isLocalDb = (-not [string]$State.registry.server -or [string]$State.registry.server -match '^(?i)\(localdb\)')
    if ($isLocalDb -and $full -eq (Join-Path $dataFolder "$db.mdf")) { return @{ Kind = 'file'; Full = $full; Mb = [long]$State.database.mdfMb; LastWriteAt = [long]$State.database.lastWriteAt } }
    if ($isLocalDb -and $full -eq (Join-Path $dataFolder "${db}_log.ldf")) { return @{ Kind = 'file'; Full = $full; Mb = [long]$State.database.ldfMb; LastWriteAt = [long]$State.database.lastWriteAt } }
    if ($null -ne $State.backup) {
        if ($full -eq $backupFolder) { return @{ Kind = 'folder'; Full = $full } }
        if ($full -eq (Join-Path $backupFolder "$db.mdf")) { return @{ Kind = 'file'; Full = $full; Mb = [long]$State.backup.mdfMb; LastWriteAt = [long]$State.backup.lastWriteAt } }
        if ($full -eq (Join-Path $backupFolder "${db}_log.ldf")) { return @{ Kind = 'file'; Full = $full; Mb = [long]$State.backup.ldfMb; LastWriteAt = [long]$State.backup.lastWriteAt } }
    }
    return @{ Kind = 'none'; Full = $full }
}

function New-SimItem($Resolved) {
    $name = Split-Path -Leaf $Resolved.Full
    if ($Resolved.Kind -eq 'folder') {
        return [pscustomobject][ordered]@{ Name = $name; FullName = $Resolved.Full; PSIsContainer = $true; Mode = 'd----' }
    }
    $t = [DateTimeOffset]::FromUnixTimeMilliseconds([long]$Resolved.LastWriteAt)
    return [pscustomobject][ordered]@{
        Name = $name
        FullName = $Resolved.Full
        Length = [long]$Resolved.Mb * 1MB
        LastWriteTime = $t.LocalDateTime
        LastWriteTimeUtc = $t.UtcDateTime
        PSIsContainer = $false
        Mode = '-a---'
    }
}

# ---------------------------------------------------------------------------------------------
# Windows cmdlets
# ---------------------------------------------------------------------------------------------

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ServiceName')][string[]]$Name)
    $state = Read-SimState
    foreach ($n in @($Name)) {
        if ($n -and $n -ne 'ADSync') { throw "Cannot find any service with service name '$n'." }
    }
    [pscustomobject][ordered]@{ Name = 'ADSync'; ServiceName = 'ADSync'; DisplayName = (Get-SimDisplayName); Status = [string]$state.service.status; StartType = 'Automatic' }
}

function Start-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [switch]$PassThru)
    foreach ($n in @($Name)) { if ($n -ne 'ADSync') { throw "Cannot find any service with service name '$n'." } }
    $null = Invoke-SimEffect 'start' { param($s) Invoke-SimStart $s }
}

function Get-WinEvent {
    [CmdletBinding()]
    param([hashtable[]]$FilterHashtable, [long]$MaxEvents = -1)
    $state = Read-SimState
    $records = @()
    foreach ($e in @($state.events)) {
        $records += [pscustomobject][ordered]@{ Id = [int]$e.id; TimeCreated = (ConvertFrom-SimMs ([long]$e.at)); LogName = [string]$e.log; ProviderName = 'ADSync'; Message = [string]$e.message; Binary = '' }
    }
    if ($null -ne $state.service.lastStartAt) {
        $hex = (([System.Text.Encoding]::Unicode.GetBytes('ADSync/4' + [char]0)) | ForEach-Object { $_.ToString('X2') }) -join ''
        $records += [pscustomobject][ordered]@{ Id = 7036; TimeCreated = (ConvertFrom-SimMs ([long]$state.service.lastStartAt)); LogName = 'System'; ProviderName = 'Service Control Manager'; Message = 'The Microsoft Azure AD Sync service entered the running state.'; Binary = $hex }
    }
    $matched = @()
    foreach ($r in @($records | Sort-Object -Property TimeCreated -Descending)) {
        $hit = $false
        foreach ($f in @($FilterHashtable)) {
            $ok = $true
            foreach ($key in $f.Keys) {
                $value = $f[$key]
                switch ($key) {
                    'LogName' { if (@($value | ForEach-Object { [string]$_ }) -notcontains $r.LogName) { $ok = $false } }
                    'Id' { if (@($value | ForEach-Object { [int]$_ }) -notcontains $r.Id) { $ok = $false } }
                    'StartTime' { if ((ConvertTo-SimMs $r.TimeCreated) -lt (ConvertTo-SimMs ([datetime]$value))) { $ok = $false } }
                    default { throw "Get-WinEvent (ADSync simulation): the filter key '$key' is not simulated." }
                }
            }
            if ($ok) { $hit = $true; break }
        }
        if ($hit) { $matched += $r }
    }
    if ($MaxEvents -gt 0 -and $matched.Count -gt $MaxEvents) { $matched = @($matched[0..($MaxEvents - 1)]) }
    if ($matched.Count -eq 0) {
        $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Exception 'No events were found that match the specified selection criteria.')), 'NoMatchingEventsFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $null
        $PSCmdlet.WriteError($er)
        return
    }
    foreach ($m in $matched) {
        $xml = '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><EventData><Binary>' + $m.Binary + '</Binary></EventData></Event>'
        $m | Add-Member -MemberType ScriptMethod -Name ToXml -Value ([scriptblock]::Create("return '$xml'")) -Force
        $m
    }
}

function Get-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [Parameter(Position = 1)][string[]]$Name, [string[]]$LiteralPath)
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        $key = ($p -replace '^(?i)Registry::HKEY_LOCAL_MACHINE\\', 'HKLM:\').TrimEnd('\')
        if ($key -ine ('HKLM:\' + $script:ParametersKey)) {
            Microsoft.PowerShell.Management\Get-ItemProperty -Path $p -Name $Name
            continue
        }
        $state = Read-SimState
        $values = [ordered]@{ Path = $script:InstallFolder; Server = [string]$state.registry.server; SQLInstance = [string]$state.registry.sqlInstance; DBName = [string]$state.registry.dbName }
        $o = [ordered]@{}
        $wanted = @($values.Keys)
        if ($Name) { $wanted = @($Name) }
        foreach ($n in $wanted) {
            if (-not $values.Contains($n) -or [string]$values[$n] -eq '') {
                $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Management.Automation.PSArgumentException "Property $n does not exist at path HKEY_LOCAL_MACHINE\$($script:ParametersKey).")), 'PropertyNotFound', ([System.Management.Automation.ErrorCategory]::InvalidArgument), $n
                $PSCmdlet.WriteError($er)
                continue
            }
            $o[$n] = $values[$n]
        }
        if ($o.Count -gt 0) { [pscustomobject]$o }
    }
}

function Test-Path {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [string]$PathType = 'Any')
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        $r = $null
        if ($env:RUNBOOK_SIM_STATE -and (Microsoft.PowerShell.Management\Test-Path -LiteralPath $env:RUNBOOK_SIM_STATE)) { $r = Resolve-SimPath (Read-SimState) $p }
        if ($null -eq $r) {
            Microsoft.PowerShell.Management\Test-Path -LiteralPath $p -PathType $PathType
            continue
        }
        if ($r.Kind -eq 'none') { $false; continue }
        if ($PathType -eq 'Leaf') { ($r.Kind -eq 'file'); continue }
        if ($PathType -eq 'Container') { ($r.Kind -eq 'folder'); continue }
        $true
    }
}

function Get-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [switch]$Force)
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        $r = Resolve-SimPath (Read-SimState) $p
        if ($null -eq $r) { Microsoft.PowerShell.Management\Get-Item -LiteralPath $p -Force:$Force; continue }
        if ($r.Kind -eq 'none') { throw "Cannot find path '$p' because it does not exist." }
        New-SimItem $r
    }
}

function New-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string]$ItemType, [switch]$Force, [object]$Value, [string]$Name)
    foreach ($p in @($Path)) {
        $full = Get-SimFullPath $p
        if (Test-SimUnder $full $script:InstallFolder) {
            # a folder of the simulated host: nothing to create on this machine
            New-SimItem @{ Kind = 'folder'; Full = $full }
            continue
        }
        $splat = @{ Path = $p; Force = $Force }
        if ($ItemType) { $splat['ItemType'] = $ItemType }
        if ($null -ne $Value) { $splat['Value'] = $Value }
        if ($Name) { $splat['Name'] = $Name }
        Microsoft.PowerShell.Management\New-Item @splat
    }
}

function Copy-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string]$Destination, [switch]$Force, [switch]$Recurse)
    $sources = @(@($Path) + @($LiteralPath) | Where-Object { $_ })
    $state = Read-SimState
    $sim = @($sources | Where-Object { $null -ne (Resolve-SimPath $state $_) })
    if ($sim.Count -eq 0) {
        Microsoft.PowerShell.Management\Copy-Item -LiteralPath $sources -Destination $Destination -Force:$Force -Recurse:$Recurse
        return
    }
    if ((Get-SimFullPath $Destination) -ne (Get-SimFullPath (Get-SimBackupFolder))) {
        throw "Copy-Item (ADSync simulation): only a copy of the database files into $(Get-SimBackupFolder) is simulated."
    }
    # both files in one call: one 'backup' effect, as host.ts backup()
    try {
        $null = Invoke-SimEffect 'backup' { param($s) Invoke-SimBackup $s }
    } catch {
        throw (New-Object System.IO.IOException ([string]$_.Exception.Message))
    }
}

function Get-PSDrive {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [string[]]$PSProvider)
    $state = Read-SimState
    $root = [System.IO.Path]::GetPathRoot($script:InstallFolder)
    [pscustomobject][ordered]@{ Name = 'C'; Root = $root; Provider = 'FileSystem'; Free = [long]$state.diskFreeMb * 1MB; Used = [long]100000 * 1MB }
}

# ---------------------------------------------------------------------------------------------
# ADSync cmdlets
# ---------------------------------------------------------------------------------------------

function Get-SimConnectorId([string]$Name, [string]$Type) {
    if ($Type -eq 'Entra') { return [guid]$script:EntraConnectorId }
    $md5 = [System.Security.Cryptography.MD5]::Create()
    try { $bytes = $md5.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Name.ToLowerInvariant())) } finally { $md5.Dispose() }
    return New-Object System.Guid (, $bytes)
}

function Get-ADSyncConnector {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Name)
    $state = Read-SimState
    Assert-SimServiceRunning $state 'Get-ADSyncConnector'
    foreach ($c in @($state.connectors)) {
        if ($Name -and [string]$c.name -ne $Name) { continue }
        $type = 'AD'
        if ([string]$c.type -eq 'Entra') { $type = 'Extensible2' }
        [pscustomobject][ordered]@{ Name = [string]$c.name; Identifier = (Get-SimConnectorId ([string]$c.name) ([string]$c.type)); ConnectorTypeName = $type }
    }
}

function Get-ADSyncConnectorRunStatus {
    [CmdletBinding()]
    param([string]$ConnectorName)
    # the simulation runs every cycle to its end at once: never busy
}

function Get-ADSyncRunProfileResult {
    [CmdletBinding()]
    param([object]$ConnectorId, [int]$NumberRequested = 0, [switch]$RunStepDetails)
    $state = Read-SimState
    Assert-SimServiceRunning $state 'Get-ADSyncRunProfileResult'
    $want = ([string]$ConnectorId).Trim('{', '}').ToLowerInvariant()
    $name = $null
    foreach ($c in @($state.connectors)) {
        if ((Get-SimConnectorId ([string]$c.name) ([string]$c.type)).ToString() -eq $want) { $name = [string]$c.name }
    }
    if (-not $name) { return }
    $runs = @($state.runs | Where-Object { [string]$_.connector -eq $name } | Sort-Object -Property @{ Expression = { [long]$_.at } } -Descending)
    if ($NumberRequested -gt 0 -and $runs.Count -gt $NumberRequested) { $runs = @($runs[0..($NumberRequested - 1)]) }
    foreach ($r in $runs) {
        $at = [DateTimeOffset]::FromUnixTimeMilliseconds([long]$r.at).UtcDateTime
        [pscustomobject][ordered]@{ RunHistoryId = [guid]::NewGuid(); ConnectorId = $want; ConnectorName = $name; RunProfileName = 'Delta Synchronization'; Result = [string]$r.result; StartDate = $at; EndDate = $at }
    }
}

function Get-ADSyncScheduler {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimServiceRunning $state 'Get-ADSyncScheduler'
    [pscustomobject][ordered]@{
        AllowedSyncCycleInterval = [timespan]::FromMinutes(30)
        CurrentlyEffectiveSyncCycleInterval = [timespan]::FromMinutes(30)
        CustomizedSyncCycleInterval = $null
        NextSyncCyclePolicyType = 'Delta'
        NextSyncCycleStartTimeInUTC = [DateTime]::UtcNow.AddMinutes(30)
        PurgeRunHistoryInterval = [timespan]::Parse([string]$state.scheduler.purgeRunHistoryInterval, [System.Globalization.CultureInfo]::InvariantCulture)
        SyncCycleEnabled = $true
        MaintenanceEnabled = $true
        StagingModeEnabled = [bool]$state.server.stagingMode
        SchedulerSuspended = $false
        SyncCycleInProgress = $false
    }
}

function Set-ADSyncScheduler {
    [CmdletBinding()]
    param([Nullable[timespan]]$PurgeRunHistoryInterval, [Nullable[bool]]$SyncCycleEnabled, [switch]$Force)
    if ($null -eq $PurgeRunHistoryInterval) { throw 'Set-ADSyncScheduler (ADSync simulation): only -PurgeRunHistoryInterval is simulated.' }
    $value = ([timespan]$PurgeRunHistoryInterval).ToString()
    $null = Invoke-SimEffect 'retention' {
        param($s)
        Assert-SimServiceRunning $s 'Set-ADSyncScheduler'
        if ([string]$s.scheduler.purgeRunHistoryInterval -eq $value) { return $false }
        $s.scheduler.purgeRunHistoryInterval = $value
        $true
    }
}

function Start-ADSyncPurgeRunHistory {
    [CmdletBinding()]
    param([Nullable[timespan]]$PurgeRunHistoryInterval, [switch]$Offline)
    if ($Offline -or $null -eq $PurgeRunHistoryInterval -or ([timespan]$PurgeRunHistoryInterval).TotalDays -ne 2) {
        throw 'Start-ADSyncPurgeRunHistory (ADSync simulation): only -PurgeRunHistoryInterval of two days is simulated.'
    }
    $null = Invoke-SimEffect 'purge' { param($s) Invoke-SimPurge $s } -Idempotent $false
}

function Start-ADSyncSyncCycle {
    [CmdletBinding()]
    param([string]$PolicyType = 'Delta', [Nullable[bool]]$InteractiveMode)
    $null = Invoke-SimEffect 'delta-sync' { param($s) Invoke-SimDeltaSync $s }
    [pscustomobject]@{ Result = 'Success' }
}

# ---------------------------------------------------------------------------------------------
# Sim-only: what DBCC SHRINKDATABASE does (the sqlcmd stand-ins call it)
# ---------------------------------------------------------------------------------------------

# Checks the connection the way LocalDB would, then shrinks: op 'shrink'. Returns the state after.
function Invoke-ADSyncSimShrink {
    [CmdletBinding()]
    param([string]$Server, [string]$Database, [switch]$SqlLogin)
    $state = Read-SimState
    $instance = ([string]$state.registry.sqlInstance -replace '^\.\\', '').Trim()
    if ($SqlLogin) { throw (New-SimFault 'Sqlcmd: Error: Microsoft ODBC Driver 17 for SQL Server : Login timeout expired.' 'login-failed') }
    if ($Server -ine "(localdb)\.\$instance") {
        throw (New-SimFault "Sqlcmd: Error: Microsoft ODBC Driver 17 for SQL Server : A network-related or instance-specific error has occurred while establishing a connection to SQL Server ($Server)." 'connect-failed')
    }
    if ($Database -ine [string]$state.registry.dbName) { throw (New-SimFault "Msg 2520: Could not find database '$Database'." 'no-database') }
    $null = Invoke-SimEffect 'shrink' { param($s) $null = Invoke-SimShrink $s; $true }
    return (Read-SimState).database
}

# The simulated host's computer name is the scenario's server name; ProgramFiles is the
# simulated one (where the sqlcmd stand-ins are).
if ($env:RUNBOOK_SIM_STATE -and (Microsoft.PowerShell.Management\Test-Path -LiteralPath $env:RUNBOOK_SIM_STATE -PathType Leaf)) {
    try { $env:COMPUTERNAME = [string](Read-SimState).server.name } catch { }
}
$env:ProgramFiles = $script:ProgramFilesFolder

Export-ModuleMember -Function @(
    'Get-Service', 'Start-Service', 'Get-WinEvent', 'Get-ItemProperty',
    'Test-Path', 'Get-Item', 'New-Item', 'Copy-Item', 'Get-PSDrive',
    'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult',
    'Get-ADSyncScheduler', 'Set-ADSyncScheduler', 'Start-ADSyncPurgeRunHistory', 'Start-ADSyncSyncCycle',
    'Invoke-ADSyncSimShrink'
)
