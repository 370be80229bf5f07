# Simulated ADSync host for the aadconnect-entra-credential scripts: the ADSync cmdlets the runbook
# calls, the Windows cmdlets it reads the server with (Get-Service, Get-WinEvent, Get-ItemProperty of
# the ADSync Parameters key, Get-Item of miiserver.exe) and the two Microsoft Graph cmdlets of the
# reset's probe (Get-MgContext, Get-MgUser), all backed by one JSON state file: $env:RUNBOOK_SIM_STATE.
#
# The state file has the format of HostState in runners/simulator/aadconnect-entra-credential/host.ts
# and the operations follow `host` there and `apply` / `change` in its world.ts:
#   - every call reads the whole file and, when it changes something, writes it back atomically;
#   - a credential change is recorded in `effects` ({op, stepId, attemptId, at}) with the attempt
#     and step from $global:RunbookAttemptId / $global:RunbookStepId; the scheduler switch is not;
#   - cmdlets follow the build: Get-ADSyncEntraConnectorCredential exists from 2.5.3.0 on, and
#     Invoke-ADSyncApplicationCredentialRotation only when the scenario says so (rotationCmdlet).
# Add-ADSyncAADServiceAccount on an Application server does what the real one does there: it rolls
# the server back to a Sync_ account.

$ErrorActionPreference = 'Stop'

# The runner kind's simulated-host helpers (state file, clock, effects): runners/powershell/sim-host-common.
Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1')
Set-SimStateArrays @('connectors', 'runs', 'events', 'effects')

$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'
$script:ParametersKey = 'SYSTEM\CurrentControlSet\Services\ADSync\Parameters'
$script:InstallFolder = 'C:\Program Files\Microsoft Azure AD Sync'
$script:AbaMinBuild = '2.5.3.0'
$script:DayMs = [long]24 * 60 * 60000
$script:CertDays = 90
$script:SwitchAppId = '7c2d9e41-3b6a-4f08-9d15-6a0e2b8c4f37'
$script:SwitchThumbprint = 'C3A1F0D29B4E87A65C10D3E2F4B9A8C7D6E5F401'
$script:ExtensionFailure = 'stopped-extension-dll-exception'

# ---------------------------------------------------------------------------------------------
# State file
# ---------------------------------------------------------------------------------------------

function Add-SimEvent($State, [int]$Id, [long]$At, [string]$Message) {
    $State.events = @($State.events) + @([pscustomobject][ordered]@{ id = $Id; at = $At; message = $Message })
}

function Compare-SimBuild([string]$A, [string]$B) {
    $pa = @($A.Split('.') | ForEach-Object { [int]$_ })
    $pb = @($B.Split('.') | ForEach-Object { [int]$_ })
    for ($i = 0; $i -lt [Math]::Max($pa.Count, $pb.Count); $i++) {
        $x = 0; if ($i -lt $pa.Count) { $x = $pa[$i] }
        $y = 0; if ($i -lt $pb.Count) { $y = $pb[$i] }
        if ($x -ne $y) { if ($x -lt $y) { return -1 } else { return 1 } }
    }
    return 0
}

function Assert-SimRunning($State, [string]$Command) {
    if ([string]$State.service.status -ne 'Running') {
        throw (New-SimFault "${Command}: unable to connect to the Synchronization Service: the ADSync service is not running" 'service-stopped')
    }
}

function Get-SimEntraName($State) { return [string](@($State.connectors | Where-Object { $_.type -eq 'Entra' })[0].name) }

# ---------------------------------------------------------------------------------------------
# host.ts operations (changes of a state object)
# ---------------------------------------------------------------------------------------------

function Invoke-SimResetPassword($State, [bool]$Interactive) {
    Assert-SimRunning $State 'Add-ADSyncAADServiceAccount'
    if (-not $Interactive -and [bool]$State.admin.mfa) {
        throw (New-SimFault "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '$($State.tenant)' (interactive sign-in required)" 'mfa-required')
    }
    $id = $State.identity
    if ([string]$id.type -eq 'Application') {
        $id.type = 'ServiceAccount'
        if ($State.legacyAccount) { $id.account = [string]$State.legacyAccount } else { $id.account = 'Sync_' + [string]$State.server.name + '_rollback@' + [string]$State.tenant }
        $id.application = $null
    }
    $id.passwordValid = $true
    $id.passwordLastSetAt = (Get-SimNow)
}

function Invoke-SimRotate($State) {
    $app = $State.identity.application
    $State.rotations = [int]$State.rotations + 1
    $app.thumbprint = ([string]$app.thumbprint).Substring(0, 32) + ([int]$State.rotations).ToString('X8')
    $app.notAfter = (Get-SimNow) + $script:CertDays * $script:DayMs
    $app.paramsLost = $false
    return [string]$app.thumbprint
}

function Invoke-SimRotateWithCmdlet($State) {
    Assert-SimRunning $State 'Invoke-ADSyncApplicationCredentialRotation'
    $app = $State.identity.application
    if ([string]$State.identity.type -ne 'Application' -or $null -eq $app) { throw (New-SimFault 'Invoke-ADSyncApplicationCredentialRotation: the Entra connector does not use application-based authentication' 'not-application') }
    if ([string]$app.managedBy -ne 'Connect') { throw (New-SimFault "Invoke-ADSyncApplicationCredentialRotation: the certificate is managed by $($app.managedBy): give -CertificateSHA256Hash" 'own-certificate') }
    if ([bool]$app.paramsLost) { throw (New-SimFault "Invoke-ADSyncApplicationCredentialRotation: ApplicationManagedBy isn't set on the Entra connector" 'params-lost') }
    if ([long]$app.notAfter -lt (Get-SimNow)) { throw (New-SimFault "Invoke-ADSyncApplicationCredentialRotation: the current certificate $($app.thumbprint) expired; the application cannot sign in to register a new one" 'certificate-expired') }
    return (Invoke-SimRotate $State)
}

function Invoke-SimDeltaSync($State) {
    Assert-SimRunning $State 'Start-ADSyncSyncCycle'
    if ([bool]$State.scheduler.suspended) { throw (New-SimFault 'Start-ADSyncSyncCycle: the scheduler is suspended (a configuration wizard is open)' 'scheduler-suspended') }
    $now = Get-SimNow
    $id = $State.identity
    $entra = 'success'
    if ([string]$id.type -eq 'ServiceAccount') {
        if ([bool]$id.blockedByPolicy) {
            $entra = $script:ExtensionFailure
            Add-SimEvent $State 6900 $now "The ADSync service is not allowed to interact with the desktop to authenticate $($id.account): multi-factor authentication or Conditional Access applies to the account."
        } elseif (-not [bool]$id.passwordValid) {
            $entra = $script:ExtensionFailure
            Add-SimEvent $State 6900 $now "Password change notification failed for $($id.account): AADSTS50054: Old password is used for authentication. (AADSTS70002: error validating credentials)"
        }
    } elseif ($null -ne $id.application) {
        if ([bool]$id.application.sharedWithOtherServer) {
            $entra = $script:ExtensionFailure
            Add-SimEvent $State 906 $now "[MSAL] AcquireTokenWithCertificate failed: AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application $($id.application.appId)."
        } elseif ([long]$id.application.notAfter -lt $now) {
            $entra = $script:ExtensionFailure
            Add-SimEvent $State 1012 $now 'The application certificate of the Entra connector expired: the sync engine cannot sign in to Microsoft Entra ID.'
        }
    }
    $runs = @()
    foreach ($c in @($State.connectors)) {
        $r = 'success'
        if ([string]$c.type -eq 'Entra') { $r = $entra }
        $runs += [pscustomobject][ordered]@{ connector = [string]$c.name; result = $r; at = $now }
    }
    $State.runs = @($State.runs) + $runs
}

# ---------------------------------------------------------------------------------------------
# Windows cmdlets (simulated for the ADSync service, its Parameters key and miiserver.exe only)
# ---------------------------------------------------------------------------------------------

function Get-Service {
    [CmdletBinding()]
    param([Parameter(Position = 0)][Alias('ServiceName')][string[]]$Name)
    $state = Read-SimState
    foreach ($n in @($Name)) {
        if ($n -and $n -ne 'ADSync') { throw "Cannot find any service with service name '$n'." }
    }
    [pscustomobject][ordered]@{ Name = 'ADSync'; ServiceName = 'ADSync'; DisplayName = 'Microsoft Entra ID Sync'; Status = [string]$state.service.status; StartType = 'Automatic' }
}

function Get-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [Parameter(Position = 1)][string[]]$Name, [string[]]$LiteralPath)
    $p = @($Path) + @($LiteralPath) | Where-Object { $_ } | Select-Object -First 1
    if ([string]$p -like ('*' + $script:ParametersKey)) {
        return [pscustomobject][ordered]@{ Path = $script:InstallFolder; Server = '(localdb)'; SQLInstance = '.\ADSync2019'; DBName = 'ADSync' }
    }
    Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters
}

function Get-Item {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [switch]$Force)
    $p = [string](@($Path) + @($LiteralPath) | Where-Object { $_ } | Select-Object -First 1)
    if ($p -ieq ($script:InstallFolder + '\Bin\miiserver.exe')) {
        $state = Read-SimState
        return [pscustomobject][ordered]@{ FullName = $p; Name = 'miiserver.exe'; VersionInfo = [pscustomobject]@{ FileVersion = [string]$state.server.build } }
    }
    Microsoft.PowerShell.Management\Get-Item @PSBoundParameters
}

function Get-WinEvent {
    [CmdletBinding()]
    param([hashtable]$FilterHashtable, [long]$MaxEvents = -1)
    $state = Read-SimState
    $ids = @($FilterHashtable['Id'] | ForEach-Object { [int]$_ })
    $since = [long]0
    if ($FilterHashtable.ContainsKey('StartTime')) { $since = ConvertTo-SimMs ([datetime]$FilterHashtable['StartTime']) }
    $out = @()
    if ([string]$FilterHashtable['LogName'] -eq 'Application') {
        foreach ($e in @($state.events | Sort-Object -Property at -Descending)) {
            if ($ids -contains [int]$e.id -and [long]$e.at -ge $since) {
                $out += [pscustomobject][ordered]@{ Id = [int]$e.id; LogName = 'Application'; TimeCreated = (ConvertFrom-SimMs ([long]$e.at)); Message = [string]$e.message }
            }
        }
    }
    if ($MaxEvents -gt 0 -and $out.Count -gt $MaxEvents) { $out = @($out[0..($MaxEvents - 1)]) }
    if ($out.Count -eq 0) {
        $er = New-Object System.Management.Automation.ErrorRecord ((New-Object System.Exception 'No events were found that match the specified selection criteria.')), 'NoMatchingEventsFound', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $null
        $PSCmdlet.WriteError($er)
        return
    }
    $out
}

# ---------------------------------------------------------------------------------------------
# ADSync cmdlets
# ---------------------------------------------------------------------------------------------

function New-SimParameter([string]$Name, $Value) { return [pscustomobject][ordered]@{ Name = $Name; Value = $Value; Scope = 'Connectivity' } }

function Get-SimConnectorId([string]$Name) {
    $md5 = [System.Security.Cryptography.MD5]::Create()
    try { $bytes = $md5.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Name.ToLowerInvariant())) } finally { $md5.Dispose() }
    return New-Object System.Guid (, $bytes)
}

function New-SimConnector($State, $Connector) {
    $params = @{}
    if ([string]$Connector.type -eq 'Entra') {
        $identifier = [guid]$script:EntraConnectorId
        $params['UserName'] = New-SimParameter 'UserName' ([string]$State.identity.account)
        $app = $State.identity.application
        if ($null -ne $app -and -not [bool]$app.paramsLost) {
            $params['ApplicationManagedBy'] = New-SimParameter 'ApplicationManagedBy' ([string]$app.managedBy)
            $params['CertificateManagedBy'] = New-SimParameter 'CertificateManagedBy' ([string]$app.managedBy)
            $params['CertificateId'] = New-SimParameter 'CertificateId' ([string]$app.thumbprint)
        }
        $type = 'Extensible2'
    } else {
        $identifier = Get-SimConnectorId ([string]$Connector.name)
        $params['forest-name'] = New-SimParameter 'forest-name' ([string]$Connector.name)
        $type = 'AD'
    }
    [pscustomobject][ordered]@{ Name = [string]$Connector.name; Identifier = $identifier; ConnectorTypeName = $type; ConnectivityParameters = $params }
}

function Get-ADSyncConnector {
    [CmdletBinding()]
    param([string]$Name, [guid]$Identifier)
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncConnector'
    foreach ($c in @($state.connectors)) {
        $o = New-SimConnector $state $c
        if ($PSBoundParameters.ContainsKey('Identifier') -and $o.Identifier -ne $Identifier) { continue }
        if ($Name -and $o.Name -ne $Name) { continue }
        $o
    }
}

function Get-ADSyncEntraConnectorCredential {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncEntraConnectorCredential'
    $app = $state.identity.application
    $o = [ordered]@{
        ConnectorName = (Get-SimEntraName $state)
        ConnectorIdentityType = [string]$state.identity.type
        UserName = [string]$state.identity.account
    }
    if ($null -ne $app) {
        $o['ApplicationId'] = [string]$app.appId
        $o['CertificateManagedBy'] = [string]$app.managedBy
        $o['CertificateThumbprint'] = [string]$app.thumbprint
        $o['CertificateNotAfter'] = (ConvertFrom-SimMs ([long]$app.notAfter))
    }
    [pscustomobject]$o
}

function Get-ADSyncScheduler {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncScheduler'
    [pscustomobject][ordered]@{
        AllowedSyncCycleInterval = '00:30:00'
        CurrentlyEffectiveSyncCycleInterval = '00:30:00'
        CustomizedSyncCycleInterval = $null
        NextSyncCyclePolicyType = 'Delta'
        NextSyncCycleStartTimeInUTC = [DateTime]::UtcNow.AddMinutes(20)
        PurgeRunHistoryInterval = '7.00:00:00'
        SyncCycleEnabled = [bool]$state.scheduler.syncCycleEnabled
        MaintenanceEnabled = $true
        StagingModeEnabled = [bool]$state.server.stagingMode
        SchedulerSuspended = [bool]$state.scheduler.suspended
        SyncCycleInProgress = $false
    }
}

function Set-ADSyncScheduler {
    [CmdletBinding()]
    param([bool]$SyncCycleEnabled, [switch]$Force)
    # not a credential effect: saved, not recorded (as `change` in world.ts)
    $state = Read-SimState
    Assert-SimRunning $state 'Set-ADSyncScheduler'
    if ($PSBoundParameters.ContainsKey('SyncCycleEnabled')) { $state.scheduler.syncCycleEnabled = $SyncCycleEnabled }
    Write-SimState $state
}

function Get-ADSyncConnectorRunStatus {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncConnectorRunStatus'
}

function Get-ADSyncRunProfileResult {
    [CmdletBinding()]
    param([guid]$ConnectorId, [int]$NumberRequested = 0)
    $state = Read-SimState
    Assert-SimRunning $state 'Get-ADSyncRunProfileResult'
    $name = $null
    foreach ($c in @($state.connectors)) { $o = New-SimConnector $state $c; if ($o.Identifier -eq $ConnectorId) { $name = $o.Name } }
    $runs = @($state.runs | Where-Object { [string]$_.connector -eq $name } | Sort-Object -Property at -Descending)
    if ($NumberRequested -gt 0 -and $runs.Count -gt $NumberRequested) { $runs = @($runs[0..($NumberRequested - 1)]) }
    foreach ($r in $runs) {
        [pscustomobject][ordered]@{ ConnectorName = $name; RunProfileName = 'Delta Synchronization'; Result = [string]$r.result; StartDate = (ConvertFrom-SimMs ([long]$r.at)).ToUniversalTime(); EndDate = (ConvertFrom-SimMs ([long]$r.at)).ToUniversalTime() }
    }
}

function Start-ADSyncSyncCycle {
    [CmdletBinding()]
    param([string]$PolicyType = 'Delta', [bool]$InteractiveMode)
    $null = Invoke-SimEffect 'delta-sync' { param($s) Invoke-SimDeltaSync $s }
    [pscustomobject]@{ Result = 'Success' }
}

function Add-ADSyncAADServiceAccount {
    [CmdletBinding()]
    param([pscredential]$AADCredential, [string]$Name)
    if ($null -eq $AADCredential) { throw (New-SimFault 'Parameter set cannot be resolved using the specified named parameters.' 'bad-arguments') }
    if ($Name) { throw 'ADSync simulation: -Name (a new Sync_ account) is not simulated; the runbook never passes it.' }
    $null = Invoke-SimEffect 'reset-password' { param($s) Invoke-SimResetPassword $s $false } -Idempotent $false
}

function Invoke-ADSyncApplicationCredentialRotation {
    [CmdletBinding()]
    param([string]$CertificateSHA256Hash)
    $null = Invoke-SimEffect 'rotate' { param($s) Invoke-SimRotateWithCmdlet $s } -Idempotent $false
}

# ---------------------------------------------------------------------------------------------
# Microsoft Graph (the reset's probe)
# ---------------------------------------------------------------------------------------------

function Get-MgContext {
    [CmdletBinding()]
    param()
    $state = Read-SimState
    if (-not [bool]$state.graphSignedIn) { return }
    [pscustomobject][ordered]@{ TenantId = [string]$state.tenant; Account = [string]$state.admin.upn; Scopes = @('User.Read.All') }
}

function Get-MgUser {
    [CmdletBinding()]
    param([string]$UserId, [string[]]$Property)
    $state = Read-SimState
    if (-not [bool]$state.graphSignedIn) { throw 'Authentication needed. Please call Connect-MgGraph.' }
    if ([string]$state.identity.account -ne $UserId) { throw "Resource '$UserId' does not exist or one of its queried reference-property objects are not present." }
    [pscustomobject][ordered]@{ UserPrincipalName = $UserId; LastPasswordChangeDateTime = (ConvertFrom-SimMs ([long]$state.identity.passwordLastSetAt)).ToUniversalTime() }
}

# ---------------------------------------------------------------------------------------------
# Stand-ins for the guided steps and ADSyncTools (simulation only)
# ---------------------------------------------------------------------------------------------

function Complete-ADSyncSimInteractiveReset {
    $null = Invoke-SimEffect 'reset-password' { param($s) Invoke-SimResetPassword $s $true } -Idempotent $false
}

function Complete-ADSyncSimWizardRotation {
    $null = Invoke-SimEffect 'rotate' { param($s) Assert-SimRunning $s 'the configuration wizard'; Invoke-SimRotate $s } -Idempotent $false
}

function Complete-ADSyncSimWizardSwitch {
    $null = Invoke-SimEffect 'switch' {
        param($s)
        Assert-SimRunning $s 'the configuration wizard'
        if ((Compare-SimBuild ([string]$s.server.build) $script:AbaMinBuild) -lt 0) { throw (New-SimFault "the wizard of build $($s.server.build) has no application-based authentication" 'build-too-old') }
        if ([string]$s.identity.type -ne 'Application') {
            $s.legacyAccount = [string]$s.identity.account
            $s.identity.type = 'Application'
            $s.identity.account = $script:SwitchAppId + '@' + [string]$s.tenant
            $s.identity.application = [pscustomobject][ordered]@{ appId = $script:SwitchAppId; managedBy = 'Connect'; thumbprint = $script:SwitchThumbprint; notAfter = ((Get-SimNow) + $script:CertDays * $script:DayMs); paramsLost = $false; sharedWithOtherServer = $false }
        }
    } -Idempotent $false
}

function Invoke-ADSyncSimRepairParameters {
    return (Invoke-SimEffect 'repair-parameters' {
            param($s)
            Assert-SimRunning $s 'Repair-ADSyncToolsEntraAppParameters'
            if ($null -eq $s.identity.application) { throw (New-SimFault 'Repair-ADSyncToolsEntraAppParameters: the Entra connector does not use application-based authentication' 'not-application') }
            if (-not [bool]$s.identity.application.paramsLost) { return $false }
            $s.identity.application.paramsLost = $false
            return $true
        })
}

# Cmdlets follow the simulated build (parameter drift, 0.7 of the family brief).
$exported = @(
    'Get-Service', 'Get-ItemProperty', 'Get-Item', 'Get-WinEvent',
    'Get-ADSyncConnector', 'Get-ADSyncScheduler', 'Set-ADSyncScheduler', 'Get-ADSyncConnectorRunStatus',
    'Get-ADSyncRunProfileResult', 'Start-ADSyncSyncCycle', 'Add-ADSyncAADServiceAccount',
    'Get-MgContext', 'Get-MgUser',
    'Complete-ADSyncSimInteractiveReset', 'Complete-ADSyncSimWizardRotation', 'Complete-ADSyncSimWizardSwitch', 'Invoke-ADSyncSimRepairParameters'
)
try {
    $initial = Read-SimState
    # the simulated host's computer name is the scenario's server name (what the scripts read)
    $env:COMPUTERNAME = [string]$initial.server.name
    if ((Compare-SimBuild ([string]$initial.server.build) $script:AbaMinBuild) -ge 0) { $exported += 'Get-ADSyncEntraConnectorCredential' }
    if ([bool]$initial.rotationCmdlet) { $exported += 'Invoke-ADSyncApplicationCredentialRotation' }
} catch { }
Export-ModuleMember -Function $exported
