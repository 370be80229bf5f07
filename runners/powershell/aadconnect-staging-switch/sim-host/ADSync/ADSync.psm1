# Simulated ADSync host for the aadconnect-staging-switch scripts: the ADSync cmdlets the runbook
# calls, on ONE server of a shared JSON state file: $env:RUNBOOK_SIM_STATE holds both servers
# (`servers.active`, `servers.staging`) and $env:RUNBOOK_SIM_SERVER names this session's role.
# The format is HostState in runners/simulator/aadconnect-staging-switch/host.ts and the rules
# follow that file and its world.ts:
#   - every call reads the whole file and, when it changes something, writes it back atomically;
#   - a change is recorded in `effects` ({op, server, stepId, attemptId, at}) with the attempt and
#     step from $global:RunbookAttemptId / $global:RunbookStepId; an op already recorded for the
#     same attempt is a no-op;
#   - a server that is not reachable answers nothing: every cmdlet fails (category unreachable).
# On import: $env:COMPUTERNAME is the server's name, $env:ProgramFiles is sim-host/ProgramFiles
# (where the csexport.exe stand-in lives). Staging mode changes only through the wizard stand-in
# Invoke-ADSyncSimStagingWizard (sim-host/manual/*.ps1), as on a real server.

$ErrorActionPreference = 'Stop'

# The runner kind's simulated-host helpers (state file, clock, effects): runners/powershell/sim-host-common.
Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1') -Function Get-SimStatePath, ConvertFrom-SimJson, Write-SimState, Get-SimNow, Get-SimIsoNow

$script:SimRoot = Split-Path -Parent $PSScriptRoot
$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'

function Get-SimRole {
    if (-not $env:RUNBOOK_SIM_SERVER) { throw 'ADSync simulation: RUNBOOK_SIM_SERVER (the role of this server) is not set.' }
    return [string]$env:RUNBOOK_SIM_SERVER
}

function Read-SimState {
    $state = ConvertFrom-SimJson ([System.IO.File]::ReadAllText((Get-SimStatePath)))
    $state.effects = @($state.effects | Where-Object { $null -ne $_ })
    foreach ($p in $state.servers.PSObject.Properties) {
        $s = $p.Value
        foreach ($name in @('rules', 'connectors', 'runs')) { $s.$name = @($s.$name | Where-Object { $null -ne $_ }) }
        $s.pending.sample = @($s.pending.sample | Where-Object { $null -ne $_ })
    }
    return $state
}

function ConvertFrom-SimMs([long]$Ms) { return [DateTimeOffset]::FromUnixTimeMilliseconds($Ms).UtcDateTime }

# This session's server; a server that went down answers nothing.
function Get-SimServer($State, [switch]$EvenIfDown) {
    $role = Get-SimRole
    $server = $State.servers.$role
    if ($null -eq $server) { throw "ADSync simulation: the state file has no server '$role'." }
    if (-not $EvenIfDown -and -not [bool]$server.reachable) {
        $ex = New-Object System.InvalidOperationException ([string]$server.name + ' cannot be reached (no answer over the network)')
        $ex.Data['RunbookCategory'] = 'unreachable'
        throw $ex
    }
    return $server
}

# Changes this server once per attempt and records the effect.
function Update-SimServer([string]$Op, [scriptblock]$Change) {
    $state = Read-SimState
    foreach ($e in $state.effects) {
        if ([string]$e.attemptId -eq [string]$global:RunbookAttemptId -and [string]$e.op -eq $Op) { return }
    }
    $server = Get-SimServer $state
    & $Change $server
    $effect = [pscustomobject][ordered]@{
        op = $Op; server = (Get-SimRole); stepId = [string]$global:RunbookStepId; attemptId = [string]$global:RunbookAttemptId
        at = (Get-SimIsoNow)
    }
    $state.effects = @($state.effects) + @($effect)
    Write-SimState $state
}

function Get-SimConnectorId($Server, [string]$Name) {
    if ($Name.EndsWith(' - AAD')) { return [guid]$script:EntraConnectorId }
    $i = [array]::IndexOf([string[]]@($Server.connectors), $Name)
    return [guid]('00000000-0000-0000-0000-' + (1 + $i).ToString('000000000000'))
}

# ---------------------------------------------------------------------------------------------
# Import: this server's name and Program Files
# ---------------------------------------------------------------------------------------------

try {
    $env:COMPUTERNAME = [string](Get-SimServer (Read-SimState) -EvenIfDown).name
} catch { }
$env:ProgramFiles = [System.IO.Path]::GetFullPath((Join-Path $script:SimRoot 'ProgramFiles'))

# ---------------------------------------------------------------------------------------------
# Cmdlets
# ---------------------------------------------------------------------------------------------

function Get-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [switch]$Force)
    foreach ($p in @($Path) + @($LiteralPath)) {
        if (-not $p) { continue }
        if ($p -match '(?i)[\\/]Bin[\\/]miiserver\.exe$') {
            $server = Get-SimServer (Read-SimState)
            [pscustomobject]@{ FullName = $p; VersionInfo = [pscustomobject]@{ FileVersion = [string]$server.build } }
            continue
        }
        Microsoft.PowerShell.Management\Get-Item -LiteralPath $p -Force:$Force
    }
}

function Get-ADSyncScheduler {
    [CmdletBinding()]
    param()
    $server = Get-SimServer (Read-SimState)
    [pscustomobject][ordered]@{
        AllowedSyncCycleInterval = '00:30:00'
        CurrentlyEffectiveSyncCycleInterval = '00:30:00'
        CustomizedSyncCycleInterval = $null
        NextSyncCyclePolicyType = 'Delta'
        NextSyncCycleStartTimeInUTC = [DateTime]::UtcNow.AddMinutes(20)
        PurgeRunHistoryInterval = '7.00:00:00'
        SyncCycleEnabled = [bool]$server.syncCycleEnabled
        MaintenanceEnabled = $true
        StagingModeEnabled = [bool]$server.stagingMode
        SchedulerSuspended = $false
        SyncCycleInProgress = $false
    }
}

function Get-ADSyncRule {
    [CmdletBinding()]
    param()
    $server = Get-SimServer (Read-SimState)
    foreach ($r in @($server.rules)) {
        [pscustomobject][ordered]@{ Name = [string]$r.name; Precedence = [int]$r.precedence; Disabled = [bool]$r.disabled }
    }
}

function Get-ADSyncConnector {
    [CmdletBinding()]
    param([string]$Name, [guid]$Identifier)
    $server = Get-SimServer (Read-SimState)
    foreach ($c in @($server.connectors)) {
        $id = Get-SimConnectorId $server ([string]$c)
        if ($Name -and $Name -ne [string]$c) { continue }
        if ($PSBoundParameters.ContainsKey('Identifier') -and $Identifier -ne $id) { continue }
        $type = 'AD'
        if (([string]$c).EndsWith(' - AAD')) { $type = 'Extensible2' }
        [pscustomobject][ordered]@{ Name = [string]$c; Identifier = $id; ConnectorTypeName = $type }
    }
}

function Get-ADSyncConnectorRunStatus {
    [CmdletBinding()]
    param()
    $null = Get-SimServer (Read-SimState)
    return $null
}

function Get-ADSyncRunProfileResult {
    [CmdletBinding()]
    param([guid]$ConnectorId, [int]$NumberRequested = 0, [switch]$RunStepDetails)
    $server = Get-SimServer (Read-SimState)
    $runs = @($server.runs | Where-Object { -not $PSBoundParameters.ContainsKey('ConnectorId') -or (Get-SimConnectorId $server ([string]$_.connector)) -eq $ConnectorId } | Sort-Object -Property @{ Expression = { [long]$_.at } } -Descending)
    if ($NumberRequested -gt 0) { $runs = @($runs | Select-Object -First $NumberRequested) }
    foreach ($r in $runs) {
        $start = ConvertFrom-SimMs ([long]$r.at)
        [pscustomobject][ordered]@{ ConnectorName = [string]$r.connector; RunProfileName = [string]$r.profile; Result = [string]$r.result; StartDate = $start; EndDate = $start.AddSeconds(30) }
    }
}

# Synchronous here: the cycle is over when the cmdlet returns (the scripts still wait until idle).
function Start-ADSyncSyncCycle {
    [CmdletBinding()]
    param([ValidateSet('Delta', 'Initial')][string]$PolicyType = 'Delta', [bool]$InteractiveMode = $false)
    Update-SimServer 'delta-sync' {
        param($s)
        $now = Get-SimNow
        $runs = New-Object 'System.Collections.Generic.List[object]'
        foreach ($r in @($s.runs)) { $runs.Add($r) }
        foreach ($c in @($s.connectors)) {
            foreach ($profile in @('Delta Import', 'Delta Synchronization')) { $runs.Add([pscustomobject][ordered]@{ connector = [string]$c; profile = $profile; result = 'success'; at = $now }) }
            if (-not [bool]$s.stagingMode) { $runs.Add([pscustomobject][ordered]@{ connector = [string]$c; profile = 'Export'; result = 'success'; at = $now }) }
        }
        $s.runs = $runs.ToArray()
        if (-not [bool]$s.stagingMode) { $s.pending = [pscustomobject][ordered]@{ add = 0; update = 0; delete = 0; sample = @() } }
    }
    [pscustomobject]@{ Result = 'Success' }
}

# Older builds: no credential parameter (the form the runbook can read unattended).
function Get-ADSyncExportDeletionThreshold {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    $null = Get-SimServer $state
    [pscustomobject][ordered]@{ ThresholdCount = [int]$state.deletionThreshold; ThresholdPercentage = 0 }
}

# SIMULATION ONLY: what the operator's wizard "Configure staging mode" does on this server.
function Invoke-ADSyncSimStagingWizard {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][bool]$Enable)
    $server = Get-SimServer (Read-SimState)
    switch ([string]$server.wizard) {
        'takes' {
            $op = 'staging-off'
            if ($Enable) { $op = 'staging-on' }
            Update-SimServer $op { param($s) $s.stagingMode = $Enable }
        }
        'server-down' { Update-SimServer 'went-down' { param($s) $s.reachable = $false } }
        default { }
    }
}

# SIMULATION ONLY: this server as the state file holds it (the csexport stand-in reads it).
function Read-ADSyncSimServer {
    [CmdletBinding()]
    param()
    return (Get-SimServer (Read-SimState))
}
