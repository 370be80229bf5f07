# Simulated ADSync host for the aadconnect-deletion-threshold scripts: the ADSync cmdlets the
# runbook calls (the threshold cmdlets with the parameter set of the scenario's build: -AADUserName,
# -AADCredential or none, so that the scripts' Get-Command branching is exercised) and the Windows
# cmdlets it reads, backed by $env:RUNBOOK_SIM_STATE (HostState in
# runners/simulator/aadconnect-deletion-threshold/host.ts; effects raise, disable, restore, export,
# delta-sync). The sign-in of the threshold cmdlets always succeeds here. install/Bin/csexport.exe
# is a stand-in that writes the pending deletions as csexport /f:x does.

$ErrorActionPreference = 'Stop'

# The runner kind's simulated-host helpers (state file, clock, effects): runners/powershell/sim-host-common.
Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1')
Set-SimStateArrays @('pending', 'runs', 'events', 'effects')

$script:SimRoot = Split-Path -Parent $PSScriptRoot
$script:InstallFolder = [System.IO.Path]::GetFullPath((Join-Path $script:SimRoot 'install'))
$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'
$script:Stopped = 'stopped-deletion-threshold-exceeded'

function Assert-SimRunning($State, [string]$Command) {
    if ([string]$State.service.status -ne 'Running') {
        throw (New-SimFault "${Command}: unable to connect to the Synchronization Service: the ADSync service is not running" 'service-stopped')
    }
}

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ServiceName')][string[]]$Name)
    $state = Read-SimState
    foreach ($n in @($Name)) { if ($n -and $n -ne 'ADSync') { throw "Cannot find any service with service name '$n'." } }
    [pscustomobject][ordered]@{ Name = 'ADSync'; ServiceName = 'ADSync'; DisplayName = 'Microsoft Azure AD Sync'; Status = [string]$state.service.status; StartType = 'Automatic' }
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

function Get-SimPendingCount($State) {
    $n = 0
    foreach ($g in @($State.pending)) { $n += [int]$g.count }
    return $n
}

# host.ts export(): everything pending goes out unless an enabled threshold is exceeded.
function Invoke-SimExport($State) {
    Assert-SimRunning $State 'Invoke-ADSyncRunProfile'
    $now = Get-SimNow
    $n = Get-SimPendingCount $State
    $result = 'success'
    if ([bool]$State.threshold.enabled -and $n -gt [int]$State.threshold.value) {
        $result = $script:Stopped
        $m = [int]$State.threshold.value
        $State.events = @($State.events) + @([pscustomobject][ordered]@{ log = 'Application'; id = 116; at = $now; message = "Prevent Accidental Deletes: The number of deletions for this sync cycle ($n pending deletes) has exceeded the current threshold of $m objects. Deletions will be suppressed for this sync cycle." })
    } else {
        $State.deleted = [int]$State.deleted + $n
        $State.pending = @()
    }
    $State.runs = @($State.runs) + @([pscustomobject][ordered]@{ connector = [string]$State.entraConnector; profile = 'Export'; result = $result; at = $now })
    return $result
}

function Get-ADSyncConnector {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string]$Name)
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncConnector'
    [pscustomobject][ordered]@{ Name = [string]$state.entraConnector; Identifier = [guid]$script:EntraConnectorId; ConnectorTypeName = 'Extensible2' }
}

function Get-ADSyncConnectorRunStatus {
    [CmdletBinding()]
    param([string]$ConnectorName)
}

function Get-ADSyncRunProfileResult {
    [CmdletBinding()]
    param([object]$ConnectorId, [int]$NumberRequested = 0, [switch]$RunStepDetails)
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncRunProfileResult'
    if (([string]$ConnectorId).Trim('{', '}').ToLowerInvariant() -ne $script:EntraConnectorId) { return }
    $runs = @($state.runs | Sort-Object -Property @{ Expression = { [long]$_.at } } -Descending)
    if ($NumberRequested -gt 0 -and $runs.Count -gt $NumberRequested) { $runs = @($runs[0..($NumberRequested - 1)]) }
    foreach ($r in $runs) {
        $at = [DateTimeOffset]::FromUnixTimeMilliseconds([long]$r.at).UtcDateTime
        [pscustomobject][ordered]@{ ConnectorName = [string]$state.entraConnector; RunProfileName = [string]$r.profile; Result = [string]$r.result; StartDate = $at; EndDate = $at }
    }
}

function Invoke-ADSyncRunProfile {
    [CmdletBinding()]
    param([string]$ConnectorName, [string]$RunProfileName, [switch]$Resume)
    if ($RunProfileName -ne 'Export') { throw "Invoke-ADSyncRunProfile (ADSync simulation): only 'Export' is simulated." }
    $holder = @{ result = $null }
    $null = Invoke-SimEffect 'export' { param($s) $holder.result = Invoke-SimExport $s; $true } -Idempotent $false
    [pscustomobject]@{ Result = $holder.result }
}

function Start-ADSyncSyncCycle {
    [CmdletBinding()]
    param([string]$PolicyType = 'Delta', [Nullable[bool]]$InteractiveMode)
    $null = Invoke-SimEffect 'delta-sync' { param($s) $null = Invoke-SimExport $s; $true }
    [pscustomobject]@{ Result = 'Success' }
}

function Get-ADSyncScheduler {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncScheduler'
    [pscustomobject][ordered]@{ SyncCycleEnabled = $true; StagingModeEnabled = [bool]$state.server.stagingMode; SyncCycleInProgress = $false }
}

function Set-SimThreshold([bool]$Enabled, $Value) {
    $op = 'raise'
    if (-not $Enabled) { $op = 'disable' }
    elseif ([string]$global:RunbookStepId -like 'restore*') { $op = 'restore' }
    $null = Invoke-SimEffect $op {
        param($s)
        $s.threshold.enabled = $Enabled
        if ($null -ne $Value) { $s.threshold.value = [int]$Value }
        $true
    }
}

# The threshold cmdlets with the sign-in parameter of the scenario's build (family brief 0.7).
$script:SignInMode = 'AADUserName'
if ($env:RUNBOOK_SIM_STATE -and (Microsoft.PowerShell.Management\Test-Path -LiteralPath $env:RUNBOOK_SIM_STATE -PathType Leaf)) {
    try {
        $st = Read-SimState
        $script:SignInMode = [string]$st.signIn
        $env:COMPUTERNAME = [string]$st.server.name
    } catch { }
}
$signInParam = ''
if ($script:SignInMode -eq 'AADUserName') { $signInParam = '[Parameter(Mandatory = $true)][string]$AADUserName' }
elseif ($script:SignInMode -eq 'AADCredential') { $signInParam = '[Parameter(Mandatory = $true)][pscredential]$AADCredential' }
$sep = ''
if ($signInParam) { $sep = ', ' }
. ([scriptblock]::Create(@"
function Get-ADSyncExportDeletionThreshold {
    [CmdletBinding()]
    param($signInParam)
    `$s = Read-SimState
    [pscustomobject][ordered]@{ AlertThreshold = [int]`$s.threshold.value; Enabled = [bool]`$s.threshold.enabled }
}
function Enable-ADSyncExportDeletionThreshold {
    [CmdletBinding()]
    param([Parameter(Mandatory = `$true)][int]`$DeletionThreshold$sep$signInParam)
    Set-SimThreshold `$true `$DeletionThreshold
}
function Disable-ADSyncExportDeletionThreshold {
    [CmdletBinding()]
    param($signInParam)
    Set-SimThreshold `$false `$null
}
"@))

Export-ModuleMember -Function @('Get-Service', 'Get-WinEvent', 'Get-ItemProperty', 'Get-ADSyncConnector', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult', 'Invoke-ADSyncRunProfile', 'Start-ADSyncSyncCycle', 'Get-ADSyncScheduler', 'Get-ADSyncExportDeletionThreshold', 'Enable-ADSyncExportDeletionThreshold', 'Disable-ADSyncExportDeletionThreshold')
