# Shared helpers of the aadconnect-encryption-key step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# Secrets arrive on stdin only.

# The runner ships it beside this file; a stand-in run from the repository finds it one folder up.
$stepContract = Join-Path $PSScriptRoot 'step-contract.ps1'
if (-not (Test-Path -LiteralPath $stepContract)) { $stepContract = Join-Path (Split-Path -Parent $PSScriptRoot) 'step-contract.ps1' }
. $stepContract

$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

function Get-InstallLocation {
    try {
        $loc = [string](Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\AD Sync' -Name Location -ErrorAction Stop).Location
        if ($loc) { return $loc }
    } catch { }
    return $null
}

function Import-ADSyncModule {
    try {
        Import-Module ADSync -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
        return
    } catch {
        $first = [string]$_.Exception.Message
    }
    # The module ships in the sync engine's Bin folder; it is not always on PSModulePath.
    $loc = Get-InstallLocation
    if ($loc) {
        $psd = Join-Path (Join-Path (Join-Path $loc 'Bin') 'ADSync') 'ADSync.psd1'
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

function ConvertTo-EpochMs([datetime]$Time) {
    if ($Time.Kind -eq [System.DateTimeKind]::Unspecified) { $Time = [datetime]::SpecifyKind($Time, [System.DateTimeKind]::Local) }
    return ([DateTimeOffset]$Time).ToUnixTimeMilliseconds()
}

function Test-BuildAtLeast([string]$Build, [string]$Minimum) {
    if ($Build -notmatch '^\d+(\.\d+)*$') { return $false }
    $a = @($Build.Split('.') | ForEach-Object { [long]$_ })
    $b = @($Minimum.Split('.') | ForEach-Object { [long]$_ })
    $n = [Math]::Max($a.Count, $b.Count)
    for ($i = 0; $i -lt $n; $i++) {
        $x = 0; if ($i -lt $a.Count) { $x = $a[$i] }
        $y = 0; if ($i -lt $b.Count) { $y = $b[$i] }
        if ($x -ne $y) { return ($x -gt $y) }
    }
    return $true
}

# The build: the file version of <Location>\Bin\miiserver.exe, else the Version value of
# HKLM:\SOFTWARE\Microsoft\Azure AD Connect (an inference: both carry the Connect build).
function Get-SyncBuild {
    $loc = Get-InstallLocation
    if ($loc) {
        $exe = Join-Path (Join-Path $loc 'Bin') 'miiserver.exe'
        if (Test-Path -LiteralPath $exe) {
            try {
                $vi = (Get-Item -LiteralPath $exe).VersionInfo
                if ($vi.FileMajorPart -gt 0) { return ('{0}.{1}.{2}.{3}' -f $vi.FileMajorPart, $vi.FileMinorPart, $vi.FileBuildPart, $vi.FilePrivatePart) }
            } catch { }
        }
    }
    try {
        $v = [string](Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Azure AD Connect' -Name Version -ErrorAction Stop).Version
        if ($v) { return $v.Trim() }
    } catch { }
    return 'unknown'
}

# The service account type from Win32_Service.StartName.
function Get-AccountType([string]$StartName) {
    if (-not $StartName) { return 'unknown' }
    $n = $StartName.Trim()
    if ($n -match '^(?i)NT SERVICE\\') { return 'virtual' }
    if ($n.EndsWith('$')) { return 'gmsa' }
    if ($n -ieq 'LocalSystem' -or $n.StartsWith('.\') -or $n -match '^(?i)NT AUTHORITY\\') { return 'local' }
    if ($n -match '^([^\\]+)\\[^\\]+$') {
        if ($env:COMPUTERNAME -and $Matches[1] -ieq $env:COMPUTERNAME) { return 'local' }
        return 'domain'
    }
    if ($n -match '^[^@\\]+@[^@\\]+$') { return 'domain' }
    return 'unknown'
}

# 'ServiceAccount' | 'Application' | 'unknown'. Builds before 2.5.3.0 have no
# Get-ADSyncEntraConnectorCredential and only know the Sync_ service account.
function Get-EntraIdentity {
    $cmd = Get-Command -Name Get-ADSyncEntraConnectorCredential -ErrorAction SilentlyContinue
    if ($null -eq $cmd) {
        return [pscustomobject]@{ Type = 'ServiceAccount'; Note = 'Get-ADSyncEntraConnectorCredential does not exist (build before 2.5.3.0): a Sync_ service account' }
    }
    try {
        $t = [string](Get-ADSyncEntraConnectorCredential -ErrorAction Stop | Select-Object -First 1).ConnectorIdentityType
        if ($t -eq 'ServiceAccount' -or $t -eq 'Application') {
            return [pscustomobject]@{ Type = $t; Note = "Get-ADSyncEntraConnectorCredential: ConnectorIdentityType $t" }
        }
        return [pscustomobject]@{ Type = 'unknown'; Note = "Get-ADSyncEntraConnectorCredential: unexpected ConnectorIdentityType '$t'" }
    } catch {
        return [pscustomobject]@{ Type = 'unknown'; Note = 'Get-ADSyncEntraConnectorCredential failed: ' + $_.Exception.Message }
    }
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

# The service's last start: the newest System Event 7036 "ADSync entered the running state" of
# the last 30 days; else, while it runs, the start time of miiserver.exe; else 30 days ago.
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

function Get-StartFailureCategory([datetime]$Since, [string]$Message) {
    if (@(Get-EventsSince -LogName 'System' -Id @(7038) -Since $Since).Count -gt 0) { return 'logon-failure' }
    if (@(Get-EventsSince -LogName 'Application' -Id @(6028) -Since $Since).Count -gt 0) { return 'key-unreadable' }
    if ($Message -match '\b1069\b') { return 'logon-failure' }
    return 'start-failed'
}

# Start-Service or Restart-Service ADSync, then make sure it runs and logged no 6028.
function Invoke-ADSyncStart([string]$Action) {
    $before = (Get-Date).AddSeconds(-1)
    try {
        if ($Action -eq 'Restart') { Restart-Service -Name ADSync -Force -ErrorAction Stop }
        else { Start-Service -Name ADSync -ErrorAction Stop }
    } catch {
        $message = [string]$_.Exception.Message
        $category = Get-StartFailureCategory $before $message
        if ($category -eq 'logon-failure') { Add-Evidence 'System Event 7038 / error 1069: the service account cannot log on' }
        if ($category -eq 'key-unreadable') { Add-Evidence 'Application Event 6028: the encryption key cannot be accessed' }
        Stop-Step "$Action-Service ADSync failed ($category): $message" $category
    }
    $svc = Get-ADSyncServiceState
    if ($svc.Status -ne 'Running') {
        $category = Get-StartFailureCategory $before ''
        Stop-Step "ADSync is $($svc.Status) after $Action-Service" $category
    }
    if (@(Get-EventsSince -LogName 'Application' -Id @(6028) -Since $before).Count -gt 0) {
        Stop-Step 'Event 6028 was logged by this start: the encryption key cannot be accessed' 'key-unreadable'
    }
}

# Polls Get-ADSyncConnectorRunStatus (and, with -CheckScheduler, SyncCycleInProgress) until idle.
# Returns the number of busy polls.
function Wait-SyncIdle([double]$PollIntervalSeconds, [int]$TimeoutSeconds, [switch]$CheckScheduler) {
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    $polls = 0
    while ($true) {
        $busy = @(Get-ADSyncConnectorRunStatus | Where-Object { $null -ne $_ })
        $inProgress = $false
        if ($CheckScheduler) {
            try { $inProgress = [bool](Get-ADSyncScheduler).SyncCycleInProgress } catch { $inProgress = $false }
        }
        if ($busy.Count -eq 0 -and -not $inProgress) { return $polls }
        $polls++
        $names = (@($busy | ForEach-Object { [string]$_.ConnectorName }) -join ', ')
        if (-not $names) { $names = 'the sync cycle' }
        Write-StepProgress "waiting for the sync run on $names to finish"
        if ((Get-Date) -ge $deadline) { Stop-Step "a sync run was still in progress after $TimeoutSeconds s ($names)" 'timeout' }
        if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
    }
}

function Test-RunResultOk([string]$Result) {
    return ($Result -eq 'success' -or ($Result.StartsWith('completed-') -and $Result.EndsWith('-warnings')))
}

# The newest run profile result of a connector object, or $null.
function Get-NewestRunResult($Connector) {
    $results = @(Get-ADSyncRunProfileResult -ConnectorId $Connector.Identifier -NumberRequested 1 -ErrorAction Stop | Where-Object { $null -ne $_ })
    if ($results.Count -eq 0) { return $null }
    return ($results | Sort-Object -Property StartDate -Descending | Select-Object -First 1)
}

function Get-ADConnectors {
    return @(Get-ADSyncConnector -ErrorAction Stop | Where-Object ConnectorTypeName -eq 'AD')
}

function Get-ConnectorDescription($Connector) {
    $p = $Connector.ConnectivityParameters
    $forest = ''; $user = ''; $domain = ''
    try { $forest = [string]$p['forest-name'].Value } catch { }
    try { $user = [string]$p['forest-login-user'].Value } catch { }
    try { $domain = [string]$p['forest-login-domain'].Value } catch { }
    return "$($Connector.Name) (forest $forest, account $domain\$user)"
}
