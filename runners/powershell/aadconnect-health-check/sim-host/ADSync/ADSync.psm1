# Simulated host of the aadconnect-health-check scripts: the ADSync module's read cmdlets plus the
# Windows cmdlets the scripts read with (Get-Service, Get-CimInstance Win32_Service, Get-ItemProperty
# for the ADSync registry keys, Get-Item for the engine's files, Get-WinEvent, Get-Date for the
# server's clock), all answering from one JSON state file: $env:RUNBOOK_SIM_STATE.
#
# The state file is HostState of runners/simulator/aadconnect-health-check/host.ts, written by that
# world's initialize. This module only reads it: nothing here ever writes the file, so a health check
# run leaves it byte for byte as it was. The answers are the facts `read` in host.ts finds, through
# the shapes a real server gives (TimeSpans, DateTimes, registry values, file objects).
#
# Put the folder that holds this module's folder (sim-host) first on PSModulePath and
# `Import-Module ADSync` loads the simulation.

$ErrorActionPreference = 'Stop'

# The runner kind's simulated-host helpers (state file, clock, effects): runners/powershell/sim-host-common.
Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1') -Function Get-SimStatePath, ConvertFrom-SimMs, ConvertTo-SimMs, Test-SimBuildAtLeast

$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'

if ($PSVersionTable.PSVersion.Major -lt 6) {
    try { Remove-TypeData -TypeName System.Array -ErrorAction Stop } catch { }
}

function Read-SimState {
    $text = [System.IO.File]::ReadAllText((Get-SimStatePath))
    $state = $text | Microsoft.PowerShell.Utility\ConvertFrom-Json
    foreach ($name in @('connectors', 'events')) { $state.$name = @($state.$name | Where-Object { $null -ne $_ }) }
    return $state
}

# A UTC time as ADSync returns it: no kind (the caller must know it is UTC).
function ConvertFrom-SimMsUtc([long]$Ms) { return [datetime]::SpecifyKind([DateTimeOffset]::FromUnixTimeMilliseconds($Ms).UtcDateTime, [System.DateTimeKind]::Unspecified) }

function Get-SimDisplayName($State) {
    if (Test-SimBuildAtLeast ([string]$State.server.build) '2.2.0.0') { return 'Microsoft Entra ID Sync' }
    return 'Microsoft Azure AD Sync'
}

function Get-SimEntraName($State) {
    foreach ($c in @($State.connectors)) { if ([string]$c.type -eq 'Entra') { return [string]$c.name } }
    return 'contoso.onmicrosoft.com - AAD'
}

# ADSync cmdlets need the running service, as on a real server.
function Assert-SimEngine($State, [string]$Command) {
    if (-not $State.service.installed -or [string]$State.service.status -ne 'Running') {
        throw "${Command}: unable to connect to the Synchronization Service (the ADSync service is not running)"
    }
}

function Get-SimConnectorId($State, $Connector) {
    if ([string]$Connector.type -eq 'Entra') { return [guid]$script:EntraConnectorId }
    $md5 = [System.Security.Cryptography.MD5]::Create()
    try { $bytes = $md5.ComputeHash([System.Text.Encoding]::UTF8.GetBytes(([string]$Connector.name).ToLowerInvariant())) } finally { $md5.Dispose() }
    return New-Object System.Guid (, $bytes)
}

function New-SimEventRecord([string]$Log, [int]$Id, [long]$At, [string]$Message, [string]$Provider, [string]$BinaryText) {
    $o = [pscustomobject][ordered]@{
        Id = $Id
        TimeCreated = (ConvertFrom-SimMs $At)
        LogName = $Log
        ProviderName = $Provider
        Message = $Message
    }
    $binary = ''
    if ($BinaryText) { $binary = '<Binary>' + ((([System.Text.Encoding]::Unicode.GetBytes($BinaryText + [char]0)) | ForEach-Object { $_.ToString('X2') }) -join '') + '</Binary>' }
    $text = '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>' + $Id + '</EventID><Channel>' + $Log + '</Channel></System><EventData>' + $binary + '</EventData></Event>'
    $o | Add-Member -MemberType ScriptMethod -Name ToXml -Value ([scriptblock]::Create("return '" + $text + "'"))
    return $o
}

# Every event of the simulated logs, newest first: the state's events plus the Service Control
# Manager's 7036 "entered the running state" at the service's last start.
function Get-SimEventRecords($State) {
    $records = @()
    foreach ($e in @($State.events)) {
        $provider = 'ADSync'
        if ([string]$e.log -eq 'System') { $provider = 'Service Control Manager' }
        $records += New-SimEventRecord ([string]$e.log) ([int]$e.id) ([long]$e.at) ([string]$e.message) $provider ''
    }
    if ($State.service.installed) {
        $display = Get-SimDisplayName $State
        $records += New-SimEventRecord 'System' 7036 ([long]$State.service.lastStartAt) "The $display service entered the running state." 'Service Control Manager' 'ADSync/4'
    }
    return @($records | Sort-Object -Property TimeCreated -Descending)
}

function Get-SimRegistryKey([string]$Path) {
    if (-not $Path) { return $null }
    $p = $Path.Replace('/', '\').TrimEnd('\')
    $p = $p -replace '^(?i)Microsoft\.PowerShell\.Core\\Registry::', ''
    $p = $p -replace '^(?i)Registry::', ''
    $p = $p -replace '^(?i)HKEY_LOCAL_MACHINE\\', 'HKLM:\'
    $p = $p -replace '^(?i)HKLM\\', 'HKLM:\'
    if ($p -ieq 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters') { return 'SYSTEM\CurrentControlSet\Services\ADSync\Parameters' }
    if ($p -ieq 'HKLM:\SOFTWARE\Microsoft\AD Sync') { return 'SOFTWARE\Microsoft\AD Sync' }
    return $null
}

function Get-SimRegistryValues($State, [string]$Key) {
    $values = [ordered]@{}
    if (-not $State.service.installed) { return $values }
    if ($Key -like 'SYSTEM\*') {
        $values['Path'] = [string]$State.server.installPath
        $values['Server'] = [string]$State.database.server
        $values['SQLInstance'] = [string]$State.database.instance
        $values['DBName'] = 'ADSync'
    } else {
        $values['Location'] = [string]$State.server.installPath
    }
    return $values
}

# The files of the simulated install folder: miiserver.exe (with its file version) and the database files.
function Get-SimFile($State, [string]$Path) {
    $install = ([string]$State.server.installPath).TrimEnd('\')
    if (-not $State.service.installed -or -not $Path.StartsWith($install + '\', [System.StringComparison]::OrdinalIgnoreCase)) { return $null }
    $exe = $install + '\Bin\miiserver.exe'
    if ($Path -ieq $exe) {
        $parts = @(([string]$State.server.build).Split('.') | ForEach-Object { [int]$_ })
        while ($parts.Count -lt 4) { $parts += 0 }
        $vi = [pscustomobject][ordered]@{ FileMajorPart = $parts[0]; FileMinorPart = $parts[1]; FileBuildPart = $parts[2]; FilePrivatePart = $parts[3]; FileVersion = [string]$State.server.build }
        return [pscustomobject][ordered]@{ FullName = $exe; Name = 'miiserver.exe'; Length = [long]5242880; VersionInfo = $vi }
    }
    $folder = $install + '\' + ([string]$State.database.folder).Trim('\')
    if ($Path -ieq ($folder + '\ADSync.mdf')) { return [pscustomobject][ordered]@{ FullName = $Path; Name = 'ADSync.mdf'; Length = [long]$State.database.mdfBytes } }
    if ($Path -ieq ($folder + '\ADSync_log.ldf')) { return [pscustomobject][ordered]@{ FullName = $Path; Name = 'ADSync_log.ldf'; Length = [long]$State.database.ldfBytes } }
    return 'missing'
}

# ---------------------------------------------------------------------------------------------
# Windows cmdlets (simulated for the ADSync service, its registry keys and its files only)
# ---------------------------------------------------------------------------------------------

function Get-Date {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipeline = $true)][object]$Date, [string]$Format, [string]$UFormat)
    if ($PSBoundParameters.Count -gt 0) { return (Microsoft.PowerShell.Utility\Get-Date @PSBoundParameters) }
    return (ConvertFrom-SimMs ([long](Read-SimState).now))
}

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ServiceName')][string[]]$Name)
    $state = Read-SimState
    foreach ($n in @($Name)) {
        if ($n -ne 'ADSync' -or -not $state.service.installed) {
            $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.InvalidOperationException "Cannot find any service with service name '$n'.")), 'NoServiceFoundForGivenName', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $n
            $PSCmdlet.WriteError($er)
            continue
        }
        [pscustomobject][ordered]@{
            Name = 'ADSync'; ServiceName = 'ADSync'; DisplayName = (Get-SimDisplayName $state)
            Status = [string]$state.service.status; StartType = [string]$state.service.startType
        }
    }
}

function Get-CimInstance {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('Class')][string]$ClassName, [string]$Filter, [string]$Namespace)
    if ($ClassName -ne 'Win32_Service') { throw "Get-CimInstance (ADSync simulation): only Win32_Service is simulated, not '$ClassName'." }
    $state = Read-SimState
    if (-not $state.service.installed) { return }
    if ($Filter) {
        $m = [regex]::Match($Filter, "Name\s*=\s*['""]([^'""]+)['""]", 'IgnoreCase')
        if (-not $m.Success -or $m.Groups[1].Value -ne 'ADSync') { return }
    }
    $mode = 'Auto'
    if ([string]$state.service.startType -ne 'Automatic') { $mode = [string]$state.service.startType }
    [pscustomobject][ordered]@{
        Name = 'ADSync'; DisplayName = (Get-SimDisplayName $state); State = [string]$state.service.status; StartMode = $mode
        StartName = [string]$state.service.account; PathName = '"' + ([string]$state.server.installPath).TrimEnd('\') + '\Bin\miiserver.exe"'
    }
}

function Get-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [Parameter(Position = 1)][string[]]$Name, [string[]]$LiteralPath)
    $paths = @($Path) + @($LiteralPath) | Where-Object { $_ }
    foreach ($p in $paths) {
        $key = Get-SimRegistryKey $p
        if ($null -eq $key) {
            $splat = @{ LiteralPath = $p }
            if ($Name) { $splat['Name'] = $Name }
            Microsoft.PowerShell.Management\Get-ItemProperty @splat
            continue
        }
        $state = Read-SimState
        $values = Get-SimRegistryValues $state $key
        if ($values.Count -eq 0) {
            $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Management.Automation.ItemNotFoundException "Cannot find path 'HKLM:\$key' because it does not exist.")), 'PathNotFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $p
            $PSCmdlet.WriteError($er)
            continue
        }
        $o = [ordered]@{}
        $wanted = @($values.Keys)
        if ($Name) { $wanted = @($Name) }
        foreach ($n in $wanted) {
            if (-not $values.Contains($n)) {
                $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Management.Automation.PSArgumentException "Property $n does not exist at path HKEY_LOCAL_MACHINE\$key.")), 'PropertyNotFound', ([System.Management.Automation.ErrorCategory]::InvalidArgument), $n
                $PSCmdlet.WriteError($er)
                continue
            }
            $o[$n] = $values[$n]
        }
        if ($o.Count -gt 0) { [pscustomobject]$o }
    }
}

function Get-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [switch]$Force)
    $state = Read-SimState
    foreach ($p in (@($Path) + @($LiteralPath) | Where-Object { $_ })) {
        $file = Get-SimFile $state $p
        if ($null -eq $file) {
            $splat = @{ LiteralPath = $p }
            if ($Force) { $splat['Force'] = $true }
            Microsoft.PowerShell.Management\Get-Item @splat
            continue
        }
        if ($file -is [string]) {
            $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Management.Automation.ItemNotFoundException "Cannot find path '$p' because it does not exist.")), 'PathNotFound,Microsoft.PowerShell.Commands.GetItemCommand', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $p
            $PSCmdlet.WriteError($er)
            continue
        }
        $file
    }
}

function Get-WinEvent {
    [CmdletBinding()]
    param([hashtable[]]$FilterHashtable, [long]$MaxEvents = -1)
    $state = Read-SimState
    $matched = New-Object System.Collections.Generic.List[object]
    foreach ($e in (Get-SimEventRecords $state)) {
        $hit = $false
        foreach ($f in @($FilterHashtable)) {
            $ok = $true
            foreach ($key in $f.Keys) {
                $value = $f[$key]
                switch ($key) {
                    'LogName' { if (@($value | ForEach-Object { [string]$_ }) -notcontains $e.LogName) { $ok = $false } }
                    'Id' { if (@($value | ForEach-Object { [int]$_ }) -notcontains $e.Id) { $ok = $false } }
                    'StartTime' { if ((ConvertTo-SimMs $e.TimeCreated) -lt (ConvertTo-SimMs ([datetime]$value))) { $ok = $false } }
                    'EndTime' { if ((ConvertTo-SimMs $e.TimeCreated) -gt (ConvertTo-SimMs ([datetime]$value))) { $ok = $false } }
                    default { throw "Get-WinEvent (ADSync simulation): the filter key '$key' is not simulated." }
                }
            }
            if ($ok) { $hit = $true; break }
        }
        # the simulated clock: nothing after "now" has happened yet
        if ($hit -and (ConvertTo-SimMs $e.TimeCreated) -le [long]$state.now) { $matched.Add($e) }
    }
    $out = @($matched.ToArray())
    if ($MaxEvents -gt 0 -and $out.Count -gt $MaxEvents) { $out = @($out[0..($MaxEvents - 1)]) }
    if ($out.Count -eq 0) {
        $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Exception 'No events were found that match the specified selection criteria.')), 'NoMatchingEventsFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $null
        $PSCmdlet.WriteError($er)
        return
    }
    $out
}

# ---------------------------------------------------------------------------------------------
# ADSync cmdlets (read only)
# ---------------------------------------------------------------------------------------------

function Get-ADSyncScheduler {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimEngine $state 'Get-ADSyncScheduler'
    $s = $state.scheduler
    [pscustomobject][ordered]@{
        AllowedSyncCycleInterval = [timespan]::FromMinutes(30)
        CurrentlyEffectiveSyncCycleInterval = [timespan]::FromMinutes([double]$s.intervalMinutes)
        CustomizedSyncCycleInterval = $null
        NextSyncCyclePolicyType = 'Delta'
        NextSyncCycleStartTimeInUTC = (ConvertFrom-SimMsUtc ([long]$s.nextCycleAt))
        PurgeRunHistoryInterval = [timespan]::FromDays([double]$s.purgeRunHistoryDays)
        SyncCycleEnabled = [bool]$s.syncCycleEnabled
        MaintenanceEnabled = $true
        StagingModeEnabled = [bool]$s.stagingModeEnabled
        SchedulerSuspended = [bool]$s.schedulerSuspended
        SyncCycleInProgress = ($null -ne $s.busyConnector)
    }
}

function Get-ADSyncConnectorRunStatus {
    [CmdletBinding()]
    param([string]$ConnectorName)
    $state = Read-SimState
    Assert-SimEngine $state 'Get-ADSyncConnectorRunStatus'
    $busy = $state.scheduler.busyConnector
    if ($null -eq $busy) { return }
    [pscustomobject][ordered]@{ ConnectorName = [string]$busy; RunState = 'Busy' }
}

function Get-ADSyncConnector {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Name, [object]$Identifier)
    $state = Read-SimState
    Assert-SimEngine $state 'Get-ADSyncConnector'
    foreach ($c in @($state.connectors)) {
        $id = Get-SimConnectorId $state $c
        if ($Name -and [string]$c.name -ne $Name) { continue }
        if ($null -ne $Identifier -and $id.ToString() -ne ([string]$Identifier).Trim('{', '}').ToLowerInvariant()) { continue }
        $params = @{}
        $type = 'AD'
        if ([string]$c.type -eq 'Entra') {
            $type = 'Extensible2'
            $params['UserName'] = [pscustomobject]@{ Name = 'UserName'; Value = [string]$state.entra.userName }
        } else {
            $params['forest-name'] = [pscustomobject]@{ Name = 'forest-name'; Value = [string]$c.name }
        }
        [pscustomobject][ordered]@{ Name = [string]$c.name; Identifier = $id; ConnectorTypeName = $type; ConnectivityParameters = $params }
    }
}

function Get-ADSyncRunProfileResult {
    [CmdletBinding()]
    param([object]$ConnectorId, [int]$NumberRequested = 0, [switch]$RunStepDetails)
    $state = Read-SimState
    Assert-SimEngine $state 'Get-ADSyncRunProfileResult'
    $results = @()
    foreach ($c in @($state.connectors)) {
        $id = Get-SimConnectorId $state $c
        if ($null -ne $ConnectorId -and $id.ToString() -ne ([string]$ConnectorId).Trim('{', '}').ToLowerInvariant()) { continue }
        foreach ($r in @($c.runs | Where-Object { $null -ne $_ })) {
            $results += [pscustomobject][ordered]@{
                RunHistoryId = [guid]::NewGuid(); ConnectorId = $id; ConnectorName = [string]$c.name
                RunProfileName = [string]$r.profile; Result = [string]$r.result
                StartDate = (ConvertFrom-SimMsUtc ([long]$r.at)); EndDate = (ConvertFrom-SimMsUtc ([long]$r.at + 60000))
            }
        }
    }
    # the real cmdlet's order is not documented: the newest requested, in no promised order
    $results = @($results | Sort-Object -Property StartDate -Descending)
    if ($NumberRequested -gt 0 -and $results.Count -gt $NumberRequested) { $results = @($results[0..($NumberRequested - 1)]) }
    [array]::Reverse($results)
    $results
}

function Get-ADSyncEntraConnectorCredential {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimEngine $state 'Get-ADSyncEntraConnectorCredential'
    [pscustomobject][ordered]@{
        ConnectorName = (Get-SimEntraName $state)
        ConnectorIdentifier = [guid]$script:EntraConnectorId
        ConnectorIdentityType = [string]$state.entra.identityType
    }
}

function Get-ADSyncAutoUpgrade {
    [CmdletBinding()]
    param([switch]$Detail)
    $state = Read-SimState
    Assert-SimEngine $state 'Get-ADSyncAutoUpgrade'
    return [string]$state.autoUpgrade
}

# The simulated host's computer name is the scenario's server name; the cmdlets of a build follow
# that build (Get-ADSyncEntraConnectorCredential exists from 2.5.3.0).
$exported = @('Get-Date', 'Get-Service', 'Get-CimInstance', 'Get-ItemProperty', 'Get-Item', 'Get-WinEvent',
    'Get-ADSyncScheduler', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncConnector', 'Get-ADSyncRunProfileResult', 'Get-ADSyncAutoUpgrade')
try {
    $initial = Read-SimState
    $env:COMPUTERNAME = [string]$initial.server.name
    if (Test-SimBuildAtLeast ([string]$initial.server.build) '2.5.3.0') { $exported += 'Get-ADSyncEntraConnectorCredential' }
} catch { }
Export-ModuleMember -Function $exported
