# Simulated ADSync host: the ADSync module plus the Windows cmdlets the runbook's scripts call
# (Get-Service, Start-/Stop-/Restart-Service, Get-WinEvent, Get-CimInstance, Get-ItemProperty for
# the AD Sync registry keys), all backed by one JSON state file: $env:RUNBOOK_SIM_STATE.
#
# The state file has the format of ServerState in runners/simulator/aadconnect/server.ts and the
# operations have the same semantics as `server` there and as `apply` in runner.ts:
#   - every call reads the whole file and, when it changes something, writes the whole file back
#     atomically (temp file + rename);
#   - a change is recorded in `effects` ({op, stepId, attemptId, at}) only when it changed
#     something, with the attempt id / step id from $global:RunbookAttemptId / $global:RunbookStepId;
#   - an idempotent op already recorded for the same (attemptId, op) is a no-op ('abandon' never is);
#   - a failing operation still saves what it did before failing (events, lastStartAt), as runner.ts.
#
# Put the folder that holds this module's folder (runners/powershell/sim-host) first on
# PSModulePath, and `Import-Module ADSync` loads the simulation. Sim-only helpers (names contain
# 'ADSyncSim') stand in for the runbook's manual steps.

$ErrorActionPreference = 'Stop'

# The runner kind's simulated-host helpers (state file, clock, effects): runners/powershell/sim-host-common.
Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1')
Set-SimStateArrays @('connectors', 'events', 'runs', 'effects')

$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'
$script:EntraConnectorName = 'contoso.onmicrosoft.com - AAD'
$script:InstallFolder = Join-Path (Split-Path -Parent $PSScriptRoot) 'install'
$script:AdSyncKey = 'SOFTWARE\Microsoft\AD Sync'
$script:AadConnectKey = 'SOFTWARE\Microsoft\Azure AD Connect'

if ($PSVersionTable.PSVersion.Major -lt 6) {
    # Windows PowerShell 5.1 serializes PSObject-wrapped arrays as {"value":[...],"Count":n}.
    try { Remove-TypeData -TypeName System.Array -ErrorAction Stop } catch { }
}

# ---------------------------------------------------------------------------------------------
# State file
# ---------------------------------------------------------------------------------------------

function Get-SimDisplayName($State) {
    if (Test-SimBuildAtLeast ([string]$State.server.build) '2.2.0.0') { return 'Microsoft Entra ID Sync' }
    return 'Microsoft Azure AD Sync'
}

function Add-SimEvent($State, [string]$Log, [int]$Id, [long]$At, [string]$Message) {
    $State.events = @($State.events) + @([pscustomobject][ordered]@{ log = $Log; id = $Id; at = $At; message = $Message })
}

# Op names as runner.ts records them: start/restart in step 'startAfterReinit' is 'start-final'.
function Get-SimOpName([string]$Kind) {
    if ([string]$global:RunbookStepId -eq 'startAfterReinit' -and ($Kind -eq 'start' -or $Kind -eq 'restart')) { return 'start-final' }
    return $Kind
}

# With RUNBOOK_SIM_STRICT=1, configuration queries fail while the service is stopped, as on a real
# server. By default they answer (so the outputs equal the TypeScript simulator's).
function Assert-SimQueryable($State, [string]$Command) {
    if ($env:RUNBOOK_SIM_STRICT -eq '1' -and $State.service.status -ne 'Running') {
        throw (New-SimFault "${Command}: unable to connect to the Synchronization Service: the ADSync service is not running" 'service-stopped')
    }
}

# ---------------------------------------------------------------------------------------------
# server.ts operations (pure changes of a state object)
# ---------------------------------------------------------------------------------------------

function Invoke-SimStop($State) {
    if ($State.service.status -eq 'Stopped') { return $false }
    $State.service.status = 'Stopped'
    return $true
}

function Invoke-SimStart($State) {
    if ($State.service.status -eq 'Running') { return $false }
    $now = Get-SimNow
    $display = Get-SimDisplayName $State
    if (-not $State.service.logonValid) {
        Add-SimEvent $State 'System' 7038 $now 'The ADSync service was unable to log on with the currently configured password (1069)'
        throw (New-SimFault "Service '$display (ADSync)' cannot be started due to the following error: Cannot start service ADSync on computer '.'. The service did not start due to a logon failure (error 1069)." 'logon-failure')
    }
    if ($State.key -eq 'unreadable') {
        $State.service.lastStartAt = $now
        Add-SimEvent $State 'Application' 6028 $now 'The server encryption key cannot be accessed.'
        throw (New-SimFault "Service '$display (ADSync)' cannot be started due to the following error: Cannot start service ADSync on computer '.'. The service terminated with a service-specific error (Event 6028: the encryption key cannot be accessed)." 'key-unreadable')
    }
    if ($State.key -eq 'abandoned') {
        $State.key = 'readable'
        $State.keyGeneration = [long]$State.keyGeneration + 1
    }
    $State.service.status = 'Running'
    $State.service.lastStartAt = $now
    return $true
}

function Invoke-SimAbandon($State) {
    if ($State.service.status -eq 'Running') {
        throw (New-SimFault 'The operation failed because server service was started. Error Code: 80131600' 'service-running')
    }
    $State.key = 'abandoned'
    foreach ($c in @($State.connectors)) { $c.password = 'none' }
    # An application identity authenticates with a certificate, not a password kept under the key.
    if ($State.server.entraIdentity -eq 'ServiceAccount') { $State.entraCredential = 'none' }
}

function Get-SimSha256([string]$Text) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try {
        $bytes = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text))
    } finally { $sha.Dispose() }
    return (($bytes | ForEach-Object { $_.ToString('x2') }) -join '')
}

function Get-SimConnectorResult($State, $Connector) {
    if ($State.databaseFull) { return 'stopped-database-disk-full' }
    if ($Connector.password -eq 'valid') { return 'success' }
    if ($Connector.password -eq 'wrong') { return 'stopped-extension-dll-exception' }
    return 'no-start-credentials'
}

function Get-SimEntraResult($State) {
    if ($State.databaseFull) { return 'stopped-database-disk-full' }
    if ($State.entraCredential -eq 'valid') { return 'success' }
    return 'stopped-extension-dll-exception'
}

function Invoke-SimDeltaSync($State) {
    if ($State.service.status -ne 'Running') {
        throw (New-SimFault 'Start-ADSyncSyncCycle: the ADSync service is not running' 'service-stopped')
    }
    $now = Get-SimNow
    $results = @()
    foreach ($c in @($State.connectors)) {
        $results += [pscustomobject][ordered]@{ connector = [string]$c.name; result = (Get-SimConnectorResult $State $c); at = $now }
    }
    $results += [pscustomobject][ordered]@{ connector = $script:EntraConnectorName; result = (Get-SimEntraResult $State); at = $now }
    if ($State.databaseFull) { Add-SimEvent $State 'Application' 6323 $now 'SQL Server is out of disk space' }
    foreach ($r in $results) {
        if ($r.result -eq 'no-start-credentials') { Add-SimEvent $State 'Application' 6000 $now "$($r.connector): no-start-credentials" }
    }
    $State.runs = @($State.runs) + $results
}

# ---------------------------------------------------------------------------------------------
# Object shapes
# ---------------------------------------------------------------------------------------------

function Get-SimConnectorId([string]$Name) {
    if ($Name -eq $script:EntraConnectorName) { return [guid]$script:EntraConnectorId }
    $md5 = [System.Security.Cryptography.MD5]::Create()
    try { $bytes = $md5.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Name.ToLowerInvariant())) } finally { $md5.Dispose() }
    return New-Object System.Guid (, $bytes)
}

function New-SimParameter([string]$Name, $Value) {
    return [pscustomobject][ordered]@{ Name = $Name; Value = $Value; Scope = 'Connectivity' }
}

function New-SimConnectorObject($State, $Connector) {
    if ($null -eq $Connector) {
        $params = @{ 'UserName' = (New-SimParameter 'UserName' $State.server.entraAccount) }
        $o = [pscustomobject][ordered]@{
            Name = $script:EntraConnectorName
            Identifier = [guid]$script:EntraConnectorId
            ConnectorTypeName = 'Extensible2'
            Type = 'Extensible2'
            Subtype = 'Windows Azure Active Directory (Microsoft)'
            ConnectivityParameters = $params
        }
    } else {
        $params = @{
            'forest-name' = (New-SimParameter 'forest-name' ([string]$Connector.forest))
            'forest-login-user' = (New-SimParameter 'forest-login-user' ([string]$Connector.loginUser))
            'forest-login-domain' = (New-SimParameter 'forest-login-domain' ([string]$Connector.loginDomain))
        }
        $o = [pscustomobject][ordered]@{
            Name = [string]$Connector.name
            Identifier = (Get-SimConnectorId ([string]$Connector.name))
            ConnectorTypeName = 'AD'
            Type = 'AD'
            Subtype = ''
            ConnectivityParameters = $params
        }
    }
    $o.PSObject.TypeNames.Insert(0, 'ADSyncSim.Connector')
    return $o
}

function Get-SimAllConnectorObjects($State) {
    $list = @()
    foreach ($c in @($State.connectors)) { $list += New-SimConnectorObject $State $c }
    $list += New-SimConnectorObject $State $null
    return $list
}

function New-SimServiceObject($State) {
    $o = [pscustomobject][ordered]@{
        Name = 'ADSync'
        ServiceName = 'ADSync'
        DisplayName = (Get-SimDisplayName $State)
        Status = [string]$State.service.status
        StartType = 'Automatic'
    }
    $o.PSObject.TypeNames.Insert(0, 'ADSyncSim.Service')
    return $o
}

function New-SimEventRecord([string]$Log, [int]$Id, [long]$At, [string]$Message, [string]$Provider, [string[]]$Data, [string]$BinaryText) {
    $o = [pscustomobject][ordered]@{
        Id = $Id
        TimeCreated = (ConvertFrom-SimMs $At)
        LogName = $Log
        ProviderName = $Provider
        LevelDisplayName = 'Information'
        Message = $Message
    }
    $xml = New-Object System.Text.StringBuilder
    [void]$xml.Append("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>")
    [void]$xml.Append("<Provider Name='" + [System.Security.SecurityElement]::Escape($Provider) + "'/>")
    [void]$xml.Append("<EventID>$Id</EventID><TimeCreated SystemTime='" + [DateTimeOffset]::FromUnixTimeMilliseconds($At).UtcDateTime.ToString('o') + "'/>")
    [void]$xml.Append("<Channel>$Log</Channel></System><EventData>")
    foreach ($d in @($Data)) { [void]$xml.Append('<Data>' + [System.Security.SecurityElement]::Escape($d) + '</Data>') }
    if ($BinaryText) {
        $hex = (([System.Text.Encoding]::Unicode.GetBytes($BinaryText + [char]0)) | ForEach-Object { $_.ToString('X2') }) -join ''
        [void]$xml.Append("<Binary>$hex</Binary>")
    }
    [void]$xml.Append('</EventData></Event>')
    $text = $xml.ToString()
    $o | Add-Member -MemberType ScriptMethod -Name ToXml -Value ([scriptblock]::Create("return @'`n$text`n'@"))
    return $o
}

# Every event of the simulated logs, newest first: the state's events plus the Service Control
# Manager's 7036 "entered the running state" at service.lastStartAt (how a script finds the last start).
function Get-SimEventRecords($State) {
    $records = @()
    foreach ($e in @($State.events)) {
        $provider = 'ADSync'
        if ($e.log -eq 'System') { $provider = 'Service Control Manager' }
        $records += New-SimEventRecord ([string]$e.log) ([int]$e.id) ([long]$e.at) ([string]$e.message) $provider @() ''
    }
    if ($null -ne $State.service.lastStartAt) {
        $display = Get-SimDisplayName $State
        $records += New-SimEventRecord 'System' 7036 ([long]$State.service.lastStartAt) "The $display service entered the running state." 'Service Control Manager' @($display, 'running') 'ADSync/4'
    }
    return @($records | Sort-Object -Property TimeCreated -Descending)
}

function Get-SimRunObjects($State, [string]$ConnectorName) {
    $runs = @()
    $i = 0
    foreach ($r in @($State.runs)) {
        if ([string]$r.connector -eq $ConnectorName) { $runs += [pscustomobject]@{ Run = $r; Index = $i } }
        $i++
    }
    $objects = @()
    if ($runs.Count -eq 0) {
        # No run in the simulated history: the last cycle before the scenario ended as the
        # current state implies (the same rule as a delta sync now).
        $result = $null
        if ($ConnectorName -eq $script:EntraConnectorName) { $result = Get-SimEntraResult $State }
        else {
            foreach ($c in @($State.connectors)) { if ([string]$c.name -eq $ConnectorName) { $result = Get-SimConnectorResult $State $c } }
        }
        if ($null -eq $result) { return @() }
        $runs = @([pscustomobject]@{ Run = [pscustomobject]@{ connector = $ConnectorName; result = $result; at = [long]$State.service.lastStartAt }; Index = -1 })
    }
    $ordered = @($runs | Sort-Object -Property @{ Expression = { [long]$_.Run.at } }, Index -Descending)
    $n = $ordered.Count
    foreach ($item in $ordered) {
        $at = [DateTimeOffset]::FromUnixTimeMilliseconds([long]$item.Run.at).UtcDateTime
        $profile = 'Delta Synchronization'
        if ($ConnectorName -ne $script:EntraConnectorName) { $profile = 'Delta Import' }
        $objects += [pscustomobject][ordered]@{
            RunHistoryId = [guid]::NewGuid()
            ConnectorId = (Get-SimConnectorId $ConnectorName)
            ConnectorName = $ConnectorName
            RunProfileName = $profile
            RunNumber = $n
            Username = 'NT SERVICE\ADSync'
            IsRunComplete = $true
            Result = [string]$item.Run.result
            CurrentStepNumber = 1
            TotalSteps = 1
            StartDate = $at
            EndDate = $at
        }
        $n--
    }
    return $objects
}

function Find-SimConnectorName($State, $Id) {
    $text = ([string]$Id).Trim('{', '}').ToLowerInvariant()
    foreach ($c in (Get-SimAllConnectorObjects $State)) {
        if ($c.Identifier.ToString().ToLowerInvariant() -eq $text) { return $c.Name }
    }
    return $null
}

function Assert-SimServiceName([string[]]$Name) {
    foreach ($n in @($Name)) {
        if ($n -ne 'ADSync') { throw "Cannot find any service with service name '$n'. (ADSync simulation: only ADSync exists)" }
    }
}

function Get-SimRegistryKey([string]$Path) {
    if (-not $Path) { return $null }
    $p = $Path.Replace('/', '\').TrimEnd('\')
    $p = $p -replace '^(?i)Microsoft\.PowerShell\.Core\\Registry::', ''
    $p = $p -replace '^(?i)Registry::', ''
    $p = $p -replace '^(?i)HKEY_LOCAL_MACHINE\\', 'HKLM:\'
    $p = $p -replace '^(?i)HKLM\\', 'HKLM:\'
    if ($p -ieq ('HKLM:\' + $script:AdSyncKey)) { return $script:AdSyncKey }
    if ($p -ieq ('HKLM:\' + $script:AadConnectKey)) { return $script:AadConnectKey }
    return $null
}

# ---------------------------------------------------------------------------------------------
# Windows cmdlets (simulated for the ADSync service only)
# ---------------------------------------------------------------------------------------------

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)][Alias('ServiceName')][string[]]$Name)
    process {
        $state = Read-SimState
        if (-not $Name) { return (New-SimServiceObject $state) }
        foreach ($n in $Name) {
            if ($n -ne 'ADSync') {
                $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.InvalidOperationException "Cannot find any service with service name '$n'.")), 'NoServiceFoundForGivenName', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $n
                $PSCmdlet.WriteError($er)
                continue
            }
            New-SimServiceObject $state
        }
    }
}

function Start-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][string[]]$Name, [switch]$PassThru)
    process {
        Assert-SimServiceName $Name
        $null = Invoke-SimEffect (Get-SimOpName 'start') { param($s) Invoke-SimStart $s }
        if ($PassThru) { New-SimServiceObject (Read-SimState) }
    }
}

function Stop-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][string[]]$Name, [switch]$PassThru, [switch]$Force, [switch]$NoWait)
    process {
        Assert-SimServiceName $Name
        $null = Invoke-SimEffect (Get-SimOpName 'stop') { param($s) Invoke-SimStop $s }
        if ($PassThru) { New-SimServiceObject (Read-SimState) }
    }
}

function Restart-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0, ValueFromPipelineByPropertyName = $true)][string[]]$Name, [switch]$PassThru, [switch]$Force)
    process {
        Assert-SimServiceName $Name
        # runner.ts: stop then start, recorded whenever it did not fail.
        $null = Invoke-SimEffect (Get-SimOpName 'restart') { param($s) $null = Invoke-SimStop $s; $null = Invoke-SimStart $s; $true }
        if ($PassThru) { New-SimServiceObject (Read-SimState) }
    }
}

function Get-WinEvent {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)][string[]]$LogName,
        [hashtable[]]$FilterHashtable,
        [long]$MaxEvents = -1,
        [switch]$Oldest
    )
    $state = Read-SimState
    $all = Get-SimEventRecords $state
    $filters = @()
    if ($FilterHashtable) { $filters = @($FilterHashtable) }
    elseif ($LogName) { $filters = @(@{ LogName = $LogName }) }
    else { $filters = @(@{}) }
    $matched = New-Object System.Collections.Generic.List[object]
    foreach ($e in $all) {
        $hit = $false
        foreach ($f in $filters) {
            $ok = $true
            foreach ($key in $f.Keys) {
                $value = $f[$key]
                switch ($key) {
                    'LogName' { if (@($value | ForEach-Object { [string]$_ }) -notcontains $e.LogName) { $ok = $false } }
                    'Id' { if (@($value | ForEach-Object { [int]$_ }) -notcontains $e.Id) { $ok = $false } }
                    'ProviderName' { if (@($value | ForEach-Object { [string]$_ }) -notcontains $e.ProviderName) { $ok = $false } }
                    'StartTime' { if ((ConvertTo-SimMs $e.TimeCreated) -lt (ConvertTo-SimMs ([datetime]$value))) { $ok = $false } }
                    'EndTime' { if ((ConvertTo-SimMs $e.TimeCreated) -gt (ConvertTo-SimMs ([datetime]$value))) { $ok = $false } }
                    default { throw "Get-WinEvent (ADSync simulation): the filter key '$key' is not simulated." }
                }
            }
            if ($ok) { $hit = $true; break }
        }
        if ($hit) { $matched.Add($e) }
    }
    $out = @($matched.ToArray())
    if ($Oldest) { [array]::Reverse($out) }
    if ($MaxEvents -gt 0 -and $out.Count -gt $MaxEvents) { $out = @($out[0..($MaxEvents - 1)]) }
    if ($out.Count -eq 0) {
        $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Exception 'No events were found that match the specified selection criteria.')), 'NoMatchingEventsFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $null
        $PSCmdlet.WriteError($er)
        return
    }
    $out
}

function Get-CimInstance {
    [CmdletBinding()]
    param(
        [Parameter(Position = 0)][Alias('Class')][string]$ClassName,
        [string]$Filter,
        [string]$Namespace,
        [string]$Query,
        [string[]]$ComputerName
    )
    if ($ClassName -ne 'Win32_Service') {
        $real = Get-Command -Name 'CimCmdlets\Get-CimInstance' -ErrorAction SilentlyContinue
        if ($real) { return (CimCmdlets\Get-CimInstance @PSBoundParameters) }
        throw "Get-CimInstance (ADSync simulation): only Win32_Service is simulated, not '$ClassName'."
    }
    $state = Read-SimState
    if ($Filter) {
        $m = [regex]::Match($Filter, "Name\s*=\s*['""]([^'""]+)['""]", 'IgnoreCase')
        if (-not $m.Success -or $m.Groups[1].Value -ne 'ADSync') { return }
    }
    [pscustomobject][ordered]@{
        Name = 'ADSync'
        DisplayName = (Get-SimDisplayName $state)
        State = [string]$state.service.status
        StartMode = 'Auto'
        StartName = [string]$state.server.serviceAccount.name
        PathName = '"' + (Join-Path (Join-Path $script:InstallFolder 'Bin') 'miiserver.exe') + '"'
    }
}

function Get-ItemProperty {
    [CmdletBinding(DefaultParameterSetName = 'Path')]
    param(
        [Parameter(ParameterSetName = 'Path', Position = 0, ValueFromPipelineByPropertyName = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralPath', ValueFromPipelineByPropertyName = $true)][Alias('PSPath', 'LP')][string[]]$LiteralPath,
        [Parameter(Position = 1)][Alias('PSProperty')][string[]]$Name,
        [string]$Filter,
        [string[]]$Include,
        [string[]]$Exclude,
        [pscredential]$Credential
    )
    process {
        $paths = $Path
        if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $paths = $LiteralPath }
        foreach ($p in @($paths)) {
            $key = Get-SimRegistryKey $p
            if ($null -eq $key) {
                $splat = @{}
                foreach ($k in $PSBoundParameters.Keys) { $splat[$k] = $PSBoundParameters[$k] }
                if ($PSCmdlet.ParameterSetName -eq 'LiteralPath') { $splat['LiteralPath'] = @($p) } else { $splat['Path'] = @($p) }
                Microsoft.PowerShell.Management\Get-ItemProperty @splat
                continue
            }
            $values = [ordered]@{}
            if ($key -eq $script:AdSyncKey) {
                $values['Location'] = $script:InstallFolder
            } else {
                $values['Version'] = [string](Read-SimState).server.build
            }
            $o = [ordered]@{}
            $wanted = @($values.Keys)
            if ($Name) { $wanted = @($Name) }
            foreach ($n in $wanted) {
                if (-not $values.Contains($n)) {
                    $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Management.Automation.PSArgumentException "Property $n does not exist at path HKEY_LOCAL_MACHINE\$key.")), 'System.Management.Automation.PSArgumentException,Microsoft.PowerShell.Commands.GetItemPropertyCommand', ([System.Management.Automation.ErrorCategory]::InvalidArgument), $n
                    $PSCmdlet.WriteError($er)
                    continue
                }
                $o[$n] = $values[$n]
            }
            if ($o.Count -eq 0) { continue }
            $o['PSPath'] = "Microsoft.PowerShell.Core\Registry::HKEY_LOCAL_MACHINE\$key"
            $o['PSChildName'] = Split-Path -Leaf $key
            $o['PSProvider'] = 'Microsoft.PowerShell.Core\Registry'
            [pscustomobject]$o
        }
    }
}

# The sync engine's key sets, one registry subkey each (what the abandonKey probe lists): the
# current generation while a key exists, none once it is abandoned and not yet recreated.
function Get-ChildItem {
    [CmdletBinding(DefaultParameterSetName = 'Items')]
    param(
        [Parameter(ParameterSetName = 'Items', Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)][string[]]$Path,
        [Parameter(ParameterSetName = 'LiteralItems', ValueFromPipelineByPropertyName = $true)][Alias('PSPath', 'LP')][string[]]$LiteralPath,
        [Parameter(Position = 1)][string]$Filter,
        [string[]]$Include,
        [string[]]$Exclude,
        [switch]$Recurse,
        [uint32]$Depth,
        [switch]$Force,
        [switch]$Name,
        [switch]$File,
        [switch]$Directory
    )
    process {
        $paths = $Path
        if ($PSCmdlet.ParameterSetName -eq 'LiteralItems') { $paths = $LiteralPath }
        foreach ($p in @($paths)) {
            $normal = ([string]$p).Replace('/', '\').TrimEnd('\') -replace '^(?i)HKLM\\', 'HKLM:\'
            if ($normal -ieq ('HKLM:\' + $script:AdSyncKey + '\Shared')) {
                $state = Read-SimState
                if ([string]$state.key -ne 'abandoned') {
                    [pscustomobject]@{ PSChildName = [string]$state.keyGeneration; Name = "HKEY_LOCAL_MACHINE\$($script:AdSyncKey)\Shared\$($state.keyGeneration)" }
                }
                continue
            }
            $splat = @{}
            foreach ($k in $PSBoundParameters.Keys) { $splat[$k] = $PSBoundParameters[$k] }
            if ($PSCmdlet.ParameterSetName -eq 'LiteralItems') { $splat['LiteralPath'] = @($p) } elseif ($null -ne $p) { $splat['Path'] = @($p) }
            Microsoft.PowerShell.Management\Get-ChildItem @splat
        }
    }
}

# ---------------------------------------------------------------------------------------------
# ADSync cmdlets
# ---------------------------------------------------------------------------------------------

function Get-ADSyncConnector {
    [CmdletBinding(DefaultParameterSetName = 'All')]
    param(
        [Parameter(ParameterSetName = 'Name', Position = 0)][string]$Name,
        [Parameter(ParameterSetName = 'Identifier')][object]$Identifier
    )
    $state = Read-SimState
    Assert-SimQueryable $state 'Get-ADSyncConnector'
    $all = Get-SimAllConnectorObjects $state
    if ($PSCmdlet.ParameterSetName -eq 'Name') {
        $hit = @($all | Where-Object { $_.Name -eq $Name })
        if ($hit.Count -eq 0) { throw "Unable to find connector '$Name'." }
        return $hit[0]
    }
    if ($PSCmdlet.ParameterSetName -eq 'Identifier') {
        $id = ([string]$Identifier).Trim('{', '}').ToLowerInvariant()
        $hit = @($all | Where-Object { $_.Identifier.ToString().ToLowerInvariant() -eq $id })
        if ($hit.Count -eq 0) { throw "Unable to find connector with identifier '$Identifier'." }
        return $hit[0]
    }
    $all
}

function Get-ADSyncConnectorRunStatus {
    [CmdletBinding()]
    param([string]$ConnectorName)
    # server.ts pollBusy: while busyPolls > 0 and the service runs, each poll shows a run and uses one up.
    $state = Read-SimState
    if ($state.service.status -ne 'Running' -or [long]$state.busyPolls -le 0) { return }
    $state.busyPolls = [long]$state.busyPolls - 1
    Write-SimState $state
    $name = $script:EntraConnectorName
    if (@($state.connectors).Count -gt 0) { $name = [string]@($state.connectors)[0].name }
    [pscustomobject][ordered]@{ ConnectorName = $name; ConnectorIdentifier = (Get-SimConnectorId $name); RunState = 'Busy' }
}

function Get-ADSyncScheduler {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimQueryable $state 'Get-ADSyncScheduler'
    $enabled = $true
    if ($state.PSObject.Properties['scheduler'] -and $null -ne $state.scheduler -and $null -ne $state.scheduler.syncCycleEnabled) {
        $enabled = [bool]$state.scheduler.syncCycleEnabled
    }
    [pscustomobject][ordered]@{
        AllowedSyncCycleInterval = [timespan]::FromMinutes(30)
        CurrentlyEffectiveSyncCycleInterval = [timespan]::FromMinutes(30)
        CustomizedSyncCycleInterval = $null
        NextSyncCyclePolicyType = 'Delta'
        NextSyncCycleStartTimeInUTC = [DateTime]::UtcNow.AddMinutes(30)
        PurgeRunHistoryInterval = [timespan]::FromDays(7)
        SyncCycleEnabled = $enabled
        MaintenanceEnabled = $true
        StagingModeEnabled = [bool]$state.server.stagingMode
        SchedulerSuspended = $false
        SyncCycleInProgress = ($state.service.status -eq 'Running' -and [long]$state.busyPolls -gt 0)
    }
}

function Set-ADSyncScheduler {
    [CmdletBinding()]
    param([Nullable[bool]]$SyncCycleEnabled, [switch]$Force)
    # Not an effect in runner.ts terms (no op name exists for it): stored in the optional
    # top-level field `scheduler` {syncCycleEnabled} without an effect record.
    $state = Read-SimState
    Assert-SimQueryable $state 'Set-ADSyncScheduler'
    if ($null -eq $SyncCycleEnabled) { return }
    if ($state.PSObject.Properties['scheduler'] -and $null -ne $state.scheduler) {
        $state.scheduler = [pscustomobject][ordered]@{ syncCycleEnabled = [bool]$SyncCycleEnabled }
    } else {
        $state | Add-Member -NotePropertyName 'scheduler' -NotePropertyValue ([pscustomobject][ordered]@{ syncCycleEnabled = [bool]$SyncCycleEnabled })
    }
    Write-SimState $state
}

function Start-ADSyncSyncCycle {
    [CmdletBinding()]
    param([ValidateSet('Delta', 'Initial')][string]$PolicyType = 'Delta')
    $op = 'delta-sync'
    if ($PolicyType -eq 'Initial') { $op = 'initial-sync' }
    $null = Invoke-SimEffect $op { param($s) Invoke-SimDeltaSync $s; $true }
    [pscustomobject]@{ Result = 'Success' }
}

function Get-ADSyncRunProfileResult {
    [CmdletBinding()]
    param([object]$ConnectorId, [object]$RunHistoryId, [int]$NumberRequested = 0, [switch]$RunStepDetails)
    $state = Read-SimState
    Assert-SimQueryable $state 'Get-ADSyncRunProfileResult'
    $names = @()
    if ($null -ne $ConnectorId) {
        $name = Find-SimConnectorName $state $ConnectorId
        if ($null -eq $name) { return }
        $names = @($name)
    } else {
        $names = @((Get-SimAllConnectorObjects $state) | ForEach-Object { $_.Name })
    }
    $results = @()
    foreach ($n in $names) { $results += Get-SimRunObjects $state $n }
    $results = @($results | Sort-Object -Property StartDate -Descending)
    if ($NumberRequested -gt 0 -and $results.Count -gt $NumberRequested) { $results = @($results[0..($NumberRequested - 1)]) }
    $results
}

function Invoke-ADSyncRunProfile {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$ConnectorName, [Parameter(Mandatory = $true)][string]$RunProfileName)
    # A single run of one connector: a run record (and Event 6000 on no-start-credentials),
    # not an effect: runner.ts has no op for it.
    $state = Read-SimState
    if ($state.service.status -ne 'Running') { throw (New-SimFault 'Invoke-ADSyncRunProfile: the ADSync service is not running' 'service-stopped') }
    $result = $null
    if ($ConnectorName -eq $script:EntraConnectorName) { $result = Get-SimEntraResult $state }
    foreach ($c in @($state.connectors)) { if ([string]$c.name -eq $ConnectorName) { $result = Get-SimConnectorResult $state $c } }
    if ($null -eq $result) { throw "Unable to find connector '$ConnectorName'." }
    $now = Get-SimNow
    $state.runs = @($state.runs) + @([pscustomobject][ordered]@{ connector = $ConnectorName; result = $result; at = $now })
    if ($result -eq 'no-start-credentials') { Add-SimEvent $state 'Application' 6000 $now "${ConnectorName}: no-start-credentials" }
    Write-SimState $state
    [pscustomobject][ordered]@{ ConnectorName = $ConnectorName; RunProfileName = $RunProfileName; Result = $result }
}

function Get-ADSyncEntraConnectorCredential {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimQueryable $state 'Get-ADSyncEntraConnectorCredential'
    [pscustomobject][ordered]@{
        ConnectorName = $script:EntraConnectorName
        ConnectorIdentifier = [guid]$script:EntraConnectorId
        ConnectorIdentityType = [string]$state.server.entraIdentity
        UserName = $state.server.entraAccount
    }
}

function Add-ADSyncAADServiceAccount {
    [CmdletBinding()]
    param([pscredential]$AADCredential)
    $state = Read-SimState
    if ($null -eq $AADCredential -and (Test-SimBuildAtLeast ([string]$state.server.build) '1.6.0.0')) {
        throw (New-SimFault 'Parameter set cannot be resolved using the specified named parameters.' 'bad-arguments')
    }
    if ($state.server.entraIdentity -eq 'Application') {
        throw (New-SimFault 'Add-ADSyncAADServiceAccount: the Entra connector uses application identity (ConnectorIdentityType Application): a Sync_ service account does not apply.' 'not-applicable')
    }
    if ($null -ne $AADCredential) {
        if ($state.server.adminRequiresMfa) {
            throw (New-SimFault "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000002-0000-0000-c000-000000000000'." 'mfa-required')
        }
        if (-not $AADCredential.UserName -or -not $AADCredential.GetNetworkCredential().Password) {
            throw (New-SimFault 'AADSTS50126: Error validating credentials due to invalid username or password.' 'bad-credential')
        }
    }
    # Without -AADCredential (builds before 1.6) the real cmdlet opens an interactive sign-in: the
    # simulation takes it as completed.
    $null = Invoke-SimEffect 'entra' {
        param($s)
        if ($s.service.status -ne 'Running') { throw (New-SimFault 'Add-ADSyncAADServiceAccount: the ADSync service is not running' 'service-stopped') }
        $s.entraCredential = 'valid'
        $true
    }
}

# ---------------------------------------------------------------------------------------------
# Sim-only helpers: the runbook's manual steps and the initial state
# ---------------------------------------------------------------------------------------------

function Set-SimAttempt([string]$AttemptId, [string]$StepId) {
    if ($AttemptId) { $global:RunbookAttemptId = $AttemptId }
    if ($StepId) { $global:RunbookStepId = $StepId }
}

# The manual step 'connectorPassword' (Synchronization Service Manager > Connectors > Properties >
# Connect to Active Directory Forest): server.ts supplyPassword, op 'password:<name>'.
function Set-ADSyncSimConnectorPassword {
    [CmdletBinding(DefaultParameterSetName = 'Plain')]
    param(
        [Parameter(Mandatory = $true, Position = 0)][string]$Connector,
        [Parameter(ParameterSetName = 'Plain', Position = 1)][string]$Password,
        [Parameter(ParameterSetName = 'Secure')][securestring]$SecurePassword,
        [Parameter(ParameterSetName = 'Stdin')][switch]$PasswordFromStdin,
        [string]$AttemptId,
        [string]$StepId = 'connectorPassword'
    )
    Set-SimAttempt $AttemptId $StepId
    $plain = $Password
    if ($PSCmdlet.ParameterSetName -eq 'Secure') { $plain = (New-Object System.Net.NetworkCredential('x', $SecurePassword)).Password }
    if ($PSCmdlet.ParameterSetName -eq 'Stdin') { $plain = [Console]::In.ReadLine() }
    if ($null -eq $plain) { $plain = '' }
    $holder = @{ value = $null }
    $ran = Invoke-SimEffect "password:$Connector" {
        param($s)
        if ($s.service.status -ne 'Running') { throw (New-SimFault 'Synchronization Service Manager cannot connect: the ADSync service is not running' 'service-stopped') }
        $c = @($s.connectors | Where-Object { [string]$_.name -eq $Connector })
        if ($c.Count -eq 0) { throw (New-SimFault "no AD connector named '$Connector'" 'unknown-connector') }
        $accepted = $null
        if ($c[0].PSObject.Properties['acceptedPasswordSha256']) { $accepted = [string]$c[0].acceptedPasswordSha256 }
        if ($accepted -and (Get-SimSha256 $plain) -ne $accepted) { $c[0].password = 'wrong' } else { $c[0].password = 'valid' }
        $holder.value = $c[0].password
        $true
    }
    if (-not $ran) {
        $now = @((Read-SimState).connectors | Where-Object { [string]$_.name -eq $Connector })
        if ($now.Count -gt 0) { $holder.value = $now[0].password }
    }
    [pscustomobject][ordered]@{ Connector = $Connector; Password = $holder.value; Recorded = $ran }
}

# The manual step 'fixServiceLogon' (services.msc > ADSync > Log On): op 'fix-logon'.
function Repair-ADSyncSimServiceLogon {
    [CmdletBinding()]
    param([string]$AttemptId, [string]$StepId = 'fixServiceLogon')
    Set-SimAttempt $AttemptId $StepId
    $null = Invoke-SimEffect 'fix-logon' { param($s) $s.service.logonValid = $true; $null = Invoke-SimStart $s; $true }
}

# The manual step 'reinitEntraManual' (Add-ADSyncAADServiceAccount with an interactive, MFA sign-in): op 'entra'.
function Complete-ADSyncSimInteractiveSignIn {
    [CmdletBinding()]
    param([string]$AttemptId, [string]$StepId = 'reinitEntraManual')
    Set-SimAttempt $AttemptId $StepId
    $null = Invoke-SimEffect 'entra' {
        param($s)
        if ($s.service.status -ne 'Running') { throw (New-SimFault 'Add-ADSyncAADServiceAccount: the ADSync service is not running' 'service-stopped') }
        if ($s.server.entraIdentity -ne 'Application') { $s.entraCredential = 'valid' }
        $true
    }
}

# What miiskmu.exe /a does (sim-host/install/Bin/miiskmu.exe calls it): op 'abandon', never deduplicated.
function Invoke-ADSyncSimKeyAbandon {
    [CmdletBinding()]
    param()
    $null = Invoke-SimEffect 'abandon' { param($s) Invoke-SimAbandon $s; $true } -Idempotent $false
}

# initialState() of server.ts: a scenario file to a state file.
function New-ADSyncSimState {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$ScenarioPath, [Parameter(Mandatory = $true)][string]$StatePath, [long]$NowMs = 0)
    if ($NowMs -le 0) { $NowMs = Get-SimNow }
    $scenario = ConvertFrom-SimJson ([System.IO.File]::ReadAllText($ScenarioPath))
    $connectors = @()
    foreach ($c in @($scenario.connectors | Where-Object { $null -ne $_ })) {
        $copy = [ordered]@{}
        foreach ($p in $c.PSObject.Properties) { $copy[$p.Name] = $p.Value }
        $connectors += [pscustomobject]$copy
    }
    $events = @()
    foreach ($e in @($scenario.events | Where-Object { $null -ne $_ })) {
        $events += [pscustomobject][ordered]@{ log = [string]$e.log; id = [int]$e.id; at = ($NowMs - [long]$e.minutesAgo * 60000); message = [string]$e.message }
    }
    $state = [pscustomobject][ordered]@{
        scenario = [string]$scenario.name
        server = $scenario.server
        service = [pscustomobject][ordered]@{
            status = [string]$scenario.service.status
            logonValid = [bool]$scenario.service.logonValid
            lastStartAt = ($NowMs - [long]$scenario.service.startedMinutesAgo * 60000)
        }
        key = [string]$scenario.key
        keyGeneration = 1
        databaseFull = [bool]$scenario.databaseFull
        busyPolls = [long]$scenario.busyPolls
        connectors = $connectors
        entraCredential = [string]$scenario.entraCredential
        events = $events
        runs = @()
        effects = @()
    }
    $json = ConvertTo-Json -InputObject $state -Depth 20
    [System.IO.File]::WriteAllText($StatePath, $json, (New-Object System.Text.UTF8Encoding $false))
}

# The simulated host's computer name is the scenario's server name ($env:COMPUTERNAME is what the
# scripts report as `server`).
if ($env:RUNBOOK_SIM_STATE -and (Test-Path -LiteralPath $env:RUNBOOK_SIM_STATE -PathType Leaf)) {
    try { $env:COMPUTERNAME = [string](Read-SimState).server.name } catch { }
}

Export-ModuleMember -Function @(
    'Get-Service', 'Start-Service', 'Stop-Service', 'Restart-Service',
    'Get-WinEvent', 'Get-CimInstance', 'Get-ItemProperty', 'Get-ChildItem',
    'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncScheduler', 'Set-ADSyncScheduler',
    'Start-ADSyncSyncCycle', 'Get-ADSyncRunProfileResult', 'Invoke-ADSyncRunProfile',
    'Get-ADSyncEntraConnectorCredential', 'Add-ADSyncAADServiceAccount',
    'Set-ADSyncSimConnectorPassword', 'Repair-ADSyncSimServiceLogon', 'Complete-ADSyncSimInteractiveSignIn',
    'Invoke-ADSyncSimKeyAbandon', 'New-ADSyncSimState'
)
