# Simulated ADSync host for the aadconnect-adds-password scripts: the ADSync cmdlets the runbook
# calls plus the Windows cmdlets it reads the server with (Get-Service, Restart-Service,
# Get-CimInstance Win32_Service, Get-Process -Id, Get-WinEvent, Get-ItemProperty of the two
# Connect registry keys), backed by one JSON state file: $env:RUNBOOK_SIM_STATE.
#
# The state file has the format of HostState in runners/simulator/aadconnect-adds-password/host.ts
# and the operations follow `host` there and `apply` in its world.ts: every call reads the whole
# file and, when it changes something, writes it back atomically and records the effect
# ({op, stepId, attemptId, at}) with $global:RunbookAttemptId / $global:RunbookStepId; an
# idempotent op already recorded for the same attempt is a no-op. Passwords are kept as SHA-256.
# Set-ADSyncSimConnectorPassword is sim-only: what the operator does in Synchronization Service Manager.

$ErrorActionPreference = 'Stop'

# The runner kind's simulated-host helpers (state file, clock, effects): runners/powershell/sim-host-common.
Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1')
Set-SimStateArrays @('accounts', 'connectors', 'runs', 'events', 'effects')

$script:SimRoot = Split-Path -Parent $PSScriptRoot
$script:InstallFolder = [System.IO.Path]::GetFullPath((Join-Path $script:SimRoot 'install'))
$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'
$script:NoStart = 'no-start-credentials'

function Get-SimSha256([string]$Text) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { $bytes = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text)) } finally { $sha.Dispose() }
    return (($bytes | ForEach-Object { $_.ToString('x2') }) -join '')
}

function Assert-SimRunning($State, [string]$Command) {
    if ([string]$State.service.status -ne 'Running') {
        throw (New-SimFault "${Command}: unable to connect to the Synchronization Service: the ADSync service is not running" 'service-stopped')
    }
}

function Get-SimConnectorId([string]$Name, [string]$Type) {
    if ($Type -eq 'Entra') { return [guid]$script:EntraConnectorId }
    $md5 = [System.Security.Cryptography.MD5]::Create()
    try { $bytes = $md5.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Name.ToLowerInvariant())) } finally { $md5.Dispose() }
    return New-Object System.Guid (, $bytes)
}

function Get-SimAdConnector($State, [string]$Name) {
    $c = @($State.connectors | Where-Object { [string]$_.type -eq 'AD' -and [string]$_.name -eq $Name })
    if ($c.Count -eq 0) { throw (New-SimFault "no AD connector named '$Name'" 'unknown-connector') }
    return $c[0]
}

function Get-SimAccountSha($State, $Connector) {
    foreach ($a in @($State.accounts)) {
        if ([string]$a.domain -ieq [string]$Connector.loginDomain -and [string]$a.user -ieq [string]$Connector.loginUser) { return [string]$a.passwordSha256 }
    }
    return $null
}

# ---------------------------------------------------------------------------------------------
# Windows cmdlets
# ---------------------------------------------------------------------------------------------

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ServiceName')][string[]]$Name)
    $state = Read-SimState
    foreach ($n in @($Name)) { if ($n -and $n -ne 'ADSync') { throw "Cannot find any service with service name '$n'." } }
    [pscustomobject][ordered]@{ Name = 'ADSync'; ServiceName = 'ADSync'; DisplayName = 'Microsoft Azure AD Sync'; Status = [string]$state.service.status; StartType = 'Automatic' }
}

function Restart-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [switch]$Force, [switch]$PassThru)
    foreach ($n in @($Name)) { if ($n -ne 'ADSync') { throw "Cannot find any service with service name '$n'." } }
    $null = Invoke-SimEffect 'restart' {
        param($s)
        $s.service.status = 'Running'
        $s.service.startedAt = Get-SimNow
        $s.service.processId = [int]$s.service.processId + 4
        foreach ($c in @($s.connectors)) { $c.inUseSha256 = [string]$c.storedSha256 }
        $true
    } -Idempotent $false
}

function Get-CimInstance {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$ClassName, [string]$Filter)
    if ($ClassName -ne 'Win32_Service' -or $Filter -notmatch "Name='ADSync'") { throw "Get-CimInstance (ADSync simulation): only Win32_Service Name='ADSync' is simulated." }
    $state = Read-SimState
    $processId = 0
    $st = 'Stopped'
    if ([string]$state.service.status -eq 'Running') { $processId = [int]$state.service.processId; $st = 'Running' }
    [pscustomobject][ordered]@{ Name = 'ADSync'; State = $st; ProcessId = $processId; StartName = 'NT SERVICE\ADSync' }
}

function Get-Process {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name, [int[]]$Id)
    $state = Read-SimState
    foreach ($i in @($Id)) {
        if ([string]$state.service.status -ne 'Running' -or $i -ne [int]$state.service.processId) { throw "Cannot find a process with the process identifier $i." }
        [pscustomobject][ordered]@{ Id = $i; ProcessName = 'miiserver'; StartTime = (ConvertFrom-SimMs ([long]$state.service.startedAt)) }
    }
}

function Get-WinEvent {
    [CmdletBinding()]
    param([hashtable[]]$FilterHashtable, [int]$MaxEvents = 0)
    $state = Read-SimState
    $matched = @()
    foreach ($e in @($state.events | Sort-Object -Property @{ Expression = { [long]$_.at } } -Descending)) {
        $r = [pscustomobject][ordered]@{ Id = [int]$e.id; LogName = [string]$e.log; TimeCreated = (ConvertFrom-SimMs ([long]$e.at)); Message = [string]$e.message }
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
    $matched
}

function Get-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [Parameter(Position = 1)][string[]]$Name, [string[]]$LiteralPath)
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        if ($p -ieq 'HKLM:\SOFTWARE\Microsoft\AD Sync') { [pscustomobject]@{ Location = $script:InstallFolder }; continue }
        if ($p -ieq 'HKLM:\SOFTWARE\Microsoft\Azure AD Connect') { [pscustomobject]@{ Version = [string](Read-SimState).server.build }; continue }
        Microsoft.PowerShell.Management\Get-ItemProperty -LiteralPath $p -Name $Name
    }
}

# ---------------------------------------------------------------------------------------------
# ADSync cmdlets
# ---------------------------------------------------------------------------------------------

function New-SimParameter([string]$Value) { return [pscustomobject]@{ Value = $Value } }

function Get-ADSyncConnector {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Name, [guid]$Identifier)
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncConnector'
    foreach ($c in @($state.connectors)) {
        if ($Name -and [string]$c.name -ne $Name) { continue }
        $type = 'AD'
        if ([string]$c.type -eq 'Entra') { $type = 'Extensible2' }
        $params = @{}
        if ($type -eq 'AD') {
            $params['forest-name'] = New-SimParameter ([string]$c.forest)
            $params['forest-login-user'] = New-SimParameter ([string]$c.loginUser)
            $params['forest-login-domain'] = New-SimParameter ([string]$c.loginDomain)
        }
        [pscustomobject][ordered]@{ Name = [string]$c.name; Identifier = (Get-SimConnectorId ([string]$c.name) ([string]$c.type)); ConnectorTypeName = $type; ConnectivityParameters = $params }
    }
}

function Get-ADSyncConnectorRunStatus {
    [CmdletBinding()]
    param([string]$ConnectorName)
    # every simulated run finishes at once: never busy
}

function Get-ADSyncRunProfileResult {
    [CmdletBinding()]
    param([object]$ConnectorId, [int]$NumberRequested = 0, [switch]$RunStepDetails)
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncRunProfileResult'
    $want = ([string]$ConnectorId).Trim('{', '}').ToLowerInvariant()
    $name = $null
    foreach ($c in @($state.connectors)) { if ((Get-SimConnectorId ([string]$c.name) ([string]$c.type)).ToString() -eq $want) { $name = [string]$c.name } }
    if (-not $name) { return }
    $runs = @($state.runs | Where-Object { [string]$_.connector -eq $name } | Sort-Object -Property @{ Expression = { [long]$_.at } } -Descending)
    if ($NumberRequested -gt 0 -and $runs.Count -gt $NumberRequested) { $runs = @($runs[0..($NumberRequested - 1)]) }
    foreach ($r in $runs) {
        $at = [DateTimeOffset]::FromUnixTimeMilliseconds([long]$r.at).UtcDateTime
        [pscustomobject][ordered]@{ RunHistoryId = [guid]::NewGuid(); ConnectorId = $want; ConnectorName = $name; RunProfileName = [string]$r.profile; Result = [string]$r.result; StartDate = $at; EndDate = $at }
    }
}

# Synchronous, as documented. Only 'Delta Import' on an AD connector is simulated: op 'import:<name>'.
function Invoke-ADSyncRunProfile {
    [CmdletBinding()]
    param([string]$ConnectorName, [string]$RunProfileName, [switch]$Resume)
    if ($RunProfileName -ne 'Delta Import') { throw "Invoke-ADSyncRunProfile (ADSync simulation): only 'Delta Import' is simulated." }
    $holder = @{ result = $null }
    $null = Invoke-SimEffect "import:$ConnectorName" {
        param($s)
        Assert-SimRunning $s 'Invoke-ADSyncRunProfile'
        $c = Get-SimAdConnector $s $ConnectorName
        $now = Get-SimNow
        $result = 'success'
        if ((Get-SimAccountSha $s $c) -ne [string]$c.inUseSha256) { $result = $script:NoStart }
        $s.runs = @($s.runs) + @([pscustomobject][ordered]@{ connector = $ConnectorName; profile = 'Delta Import'; result = $result; at = $now })
        if ($result -eq $script:NoStart) {
            $s.events = @($s.events) + @([pscustomobject][ordered]@{ log = 'Application'; id = 6000; at = $now; message = "The management agent `"$ConnectorName`" failed to run because the credentials were invalid." })
        }
        $holder.result = $result
        $true
    }
    [pscustomobject]@{ Result = $holder.result }
}

# The forest accepts the credential when its password is the account's current one in AD.
function Test-AdSyncUserHasPermissions {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$ForestFqdn,
        [Parameter(Mandatory = $true)][guid]$AdConnectorId,
        [Parameter(Mandatory = $true)][pscredential]$AdConnectorCredential,
        [Parameter(Mandatory = $true)][string]$BaseDn,
        [Parameter(Mandatory = $true)][string]$PropertyType,
        [Parameter(Mandatory = $true)][string]$PropertyValue
    )
    $state = Read-SimState
    $c = @($state.connectors | Where-Object { [string]$_.type -eq 'AD' -and (Get-SimConnectorId ([string]$_.name) 'AD') -eq $AdConnectorId })
    if ($c.Count -eq 0) { throw "no AD connector with the identifier $AdConnectorId" }
    $plain = $AdConnectorCredential.GetNetworkCredential().Password
    if ((Get-SimSha256 $plain) -ne (Get-SimAccountSha $state $c[0])) { throw 'The user name or password is incorrect.' }
    return $true
}

# SIM ONLY: the operator typing a password in Synchronization Service Manager: op 'password:<name>'.
function Set-ADSyncSimConnectorPassword {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Connector, [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Password)
    $sha = Get-SimSha256 $Password
    $null = Invoke-SimEffect "password:$Connector" {
        param($s)
        Assert-SimRunning $s 'Synchronization Service Manager'
        $c = Get-SimAdConnector $s $Connector
        $c.storedSha256 = $sha
        $true
    }
}

if ($env:RUNBOOK_SIM_STATE -and (Microsoft.PowerShell.Management\Test-Path -LiteralPath $env:RUNBOOK_SIM_STATE -PathType Leaf)) {
    try { $env:COMPUTERNAME = [string](Read-SimState).server.name } catch { }
}

Export-ModuleMember -Function @(
    'Get-Service', 'Restart-Service', 'Get-CimInstance', 'Get-Process', 'Get-WinEvent', 'Get-ItemProperty',
    'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult', 'Invoke-ADSyncRunProfile',
    'Test-AdSyncUserHasPermissions', 'Set-ADSyncSimConnectorPassword', 'Read-SimState', 'Get-SimSha256'
)
