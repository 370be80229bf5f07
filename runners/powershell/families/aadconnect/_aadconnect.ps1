# Helpers of the Azure AD Connect (Entra Connect) Sync family: the same in every aadconnect-*
# package. The runner ships this file beside every script of a package whose runbook is of the
# family 'aadconnect' (after step-contract.ps1, before the package's _*.ps1); a package's
# _common.ps1 dot-sources it first, and it dot-sources the runner kind's step contract.
# Runs on Windows PowerShell 5.1 and pwsh 7 (runbook check lints it with each package).
#
# What differs between runbooks stays in the package: a package defines Get-InstallLocation (the
# sync engine's install folder, or $null) for Import-ADSyncModule, and may define its own version
# of any function here after dot-sourcing this file (the later definition wins).

# The runner ships it beside this file; in the repository it is two folders up.
$stepContract = Join-Path $PSScriptRoot 'step-contract.ps1'
if (-not (Test-Path -LiteralPath $stepContract)) { $stepContract = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'step-contract.ps1' }
. $stepContract

$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'
$script:ParametersKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters'

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

# Loads the ADSync module: from PSModulePath, else from the install folder's Bin\ADSync (it is not
# always on PSModulePath). Stop-Step 'module-missing' when neither loads.
function Import-ADSyncModule {
    try {
        Import-Module ADSync -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
        return
    } catch {
        $first = [string]$_.Exception.Message
    }
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

# Now, to the whole millisecond (event times are compared with it).
function Get-NowMs {
    return [DateTimeOffset]::FromUnixTimeMilliseconds([DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()).LocalDateTime
}

# A dotted build at least the minimum ('unknown' never is).
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

function Get-ADSyncServiceState {
    $svc = Get-Service -Name ADSync -ErrorAction Stop
    return [pscustomobject]@{ Status = [string]$svc.Status; DisplayName = [string]$svc.DisplayName }
}

# ---------------------------------------------------------------------------------------------
# Events and the service's last start
# ---------------------------------------------------------------------------------------------

# The events of a log with one of the ids since a time (-MaxEvents: at most that many, newest first).
function Get-EventsSince([string]$LogName, [int[]]$Id, [datetime]$Since, [int]$MaxEvents = 0) {
    $filter = @{ LogName = $LogName; Id = $Id; StartTime = $Since }
    try {
        if ($MaxEvents -gt 0) { $found = @(Get-WinEvent -FilterHashtable $filter -MaxEvents $MaxEvents -ErrorAction Stop) }
        else { $found = @(Get-WinEvent -FilterHashtable $filter -ErrorAction Stop) }
    } catch {
        # Get-WinEvent raises an error when nothing matches
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

# The service's last start since $Since: the newest System Event 7036 "ADSync entered the running
# state" (Source 'event'); else, while it runs, the start time of miiserver.exe (Source 'process');
# else $null. A package words the source for its own report.
function Find-ServiceLastStart([string]$DisplayName, [bool]$Running, [datetime]$Since) {
    foreach ($e in @(Get-EventsSince -LogName 'System' -Id @(7036) -Since $Since -MaxEvents 2000)) {
        if (Test-ADSyncRunningEvent $e $DisplayName) { return [pscustomobject]@{ Time = [datetime]$e.TimeCreated; Source = 'event' } }
    }
    if ($Running) {
        try {
            $p = Get-Process -Name miiserver -ErrorAction Stop | Select-Object -First 1
            if ($null -ne $p -and $null -ne $p.StartTime) { return [pscustomobject]@{ Time = [datetime]$p.StartTime; Source = 'process' } }
        } catch { }
    }
    return $null
}

# The service's last start in the last 30 days (Find-ServiceLastStart), else 30 days ago.
function Get-ServiceLastStart([string]$DisplayName, [bool]$Running) {
    $window = (Get-Date).AddDays(-30)
    $found = Find-ServiceLastStart $DisplayName $Running $window
    if ($null -eq $found) { return [pscustomobject]@{ Time = $window; Source = 'no start found: the last 30 days are searched' } }
    if ($found.Source -eq 'event') { return [pscustomobject]@{ Time = $found.Time; Source = 'System Event 7036, ADSync entered the running state' } }
    return [pscustomobject]@{ Time = $found.Time; Source = 'start time of miiserver.exe' }
}

# ---------------------------------------------------------------------------------------------
# Sync runs
# ---------------------------------------------------------------------------------------------

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

# Every run profile result of a connector, newest first (the order is not documented: sorted here).
function Get-ConnectorRuns($Connector, [int]$Number = 0) {
    if ($Number -gt 0) { $r = @(Get-ADSyncRunProfileResult -ConnectorId $Connector.Identifier -NumberRequested $Number -ErrorAction Stop) }
    else { $r = @(Get-ADSyncRunProfileResult -ConnectorId $Connector.Identifier -ErrorAction Stop) }
    return @($r | Where-Object { $null -ne $_ } | Sort-Object -Property StartDate -Descending)
}

function Get-ADConnectors {
    return @(Get-ADSyncConnector -ErrorAction Stop | Where-Object { [string]$_.ConnectorTypeName -eq 'AD' })
}
