# Shared helpers of the aadconnect-health-check step scripts (read-only). Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# These scripts read facts only; the engine judges them (machines/lib/aadconnect-health-assess.ts).
# A read that cannot be done is reported in the facts ("not collected" and why), not as a failed step.
#
# Wording that reaches the report must match runners/simulator/aadconnect-health-check/host.ts (WORDING).

# The runner ships it beside this file; a stand-in run from the repository finds it one folder up.
$stepContract = Join-Path $PSScriptRoot 'step-contract.ps1'
if (-not (Test-Path -LiteralPath $stepContract)) { $stepContract = Join-Path (Split-Path -Parent $PSScriptRoot) 'step-contract.ps1' }
. $stepContract

$script:EntraConnectorId = 'b891884f-051e-4a83-95af-2544101c9083'
$script:ParametersKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters'
$script:ModuleProblem = $null

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

# Reads one registry value, or $null.
function Get-RegistryValue([string]$Path, [string]$Name) {
    try {
        $v = (Get-ItemProperty -Path $Path -Name $Name -ErrorAction Stop).$Name
        if ($null -ne $v) { return [string]$v }
    } catch { }
    return $null
}

# The sync engine's install folder: ...\Services\ADSync\Parameters Path, else SOFTWARE\Microsoft\AD Sync Location.
function Get-InstallLocation {
    $loc = Get-RegistryValue $script:ParametersKey 'Path'
    if (-not $loc) { $loc = Get-RegistryValue 'HKLM:\SOFTWARE\Microsoft\AD Sync' 'Location' }
    if ($loc) { return $loc.TrimEnd('\') }
    return $null
}

# A Windows path under a folder. Join-Path would resolve the drive, which a remote or simulated
# host's path may not have here.
function Join-WinPath([string]$Folder, [string]$Child) {
    return ($Folder.TrimEnd('\') + '\' + $Child.TrimStart('\'))
}

# Loads the ADSync module (from PSModulePath, else the install folder's Bin\ADSync). Never fails:
# the reason is kept in $script:ModuleProblem for the checks that need the module.
function Import-ADSyncModule {
    try {
        Import-Module ADSync -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
        return $true
    } catch {
        $script:ModuleProblem = 'the ADSync PowerShell module cannot be loaded: ' + $_.Exception.Message
    }
    $loc = Get-InstallLocation
    if ($loc) {
        $psd = Join-WinPath $loc 'Bin\ADSync\ADSync.psd1'
        try {
            Import-Module $psd -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
            $script:ModuleProblem = $null
            return $true
        } catch { }
    }
    return $false
}

function Get-ServerName {
    if ($env:COMPUTERNAME) { return [string]$env:COMPUTERNAME }
    return [System.Net.Dns]::GetHostName()
}

# The run's date and time on this server, UTC.
function Get-UtcNow { return (Get-Date).ToUniversalTime() }

# ISO 8601 UTC with milliseconds, as JavaScript's toISOString() writes it. -AssumeUtc: a time
# without a kind is UTC (ADSync's StartDate and NextSyncCycleStartTimeInUTC), else local.
function Format-IsoUtc([datetime]$Time, [switch]$AssumeUtc) {
    if ($Time.Kind -eq [System.DateTimeKind]::Unspecified) {
        if ($AssumeUtc) { $Time = [datetime]::SpecifyKind($Time, [System.DateTimeKind]::Utc) }
        else { $Time = [datetime]::SpecifyKind($Time, [System.DateTimeKind]::Local) }
    }
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
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

# The ADSync service, or $null when it does not exist.
function Get-ADSyncServiceOrNull {
    try { return (Get-Service -Name ADSync -ErrorAction Stop) } catch { return $null }
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

# The service's last start in the 30 days before $Now: the newest System Event 7036 "ADSync entered
# the running state"; else, while it runs, the start time of miiserver.exe; else none.
function Get-ServiceLastStart([string]$DisplayName, [bool]$Running, [datetime]$Now) {
    $window = $Now.AddDays(-30)
    foreach ($e in @(Get-EventsSince -LogName 'System' -Id @(7036) -Since $window -MaxEvents 2000)) {
        if (Test-ADSyncRunningEvent $e $DisplayName) {
            return [pscustomobject]@{ Time = [datetime]$e.TimeCreated; Source = 'System Event 7036' }
        }
    }
    if ($Running) {
        try {
            $p = Get-Process -Name miiserver -ErrorAction Stop | Select-Object -First 1
            if ($null -ne $p -and $null -ne $p.StartTime) { return [pscustomobject]@{ Time = [datetime]$p.StartTime; Source = 'start time of miiserver.exe' } }
        } catch { }
    }
    return [pscustomobject]@{ Time = $null; Source = 'no start found in the last 30 days' }
}
