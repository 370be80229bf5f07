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

# The family's helpers (they load the step contract): the runner ships them beside this file.
$family = Join-Path $PSScriptRoot '_aadconnect.ps1'
if (-not (Test-Path -LiteralPath $family)) { $family = Join-Path (Split-Path -Parent $PSScriptRoot) 'families/aadconnect/_aadconnect.ps1' }
. $family

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

# The ADSync service, or $null when it does not exist.
function Get-ADSyncServiceOrNull {
    try { return (Get-Service -Name ADSync -ErrorAction Stop) } catch { return $null }
}

# ---------------------------------------------------------------------------------------------
# Events and the service's last start
# ---------------------------------------------------------------------------------------------

# The service's last start in the 30 days before $Now (Find-ServiceLastStart), else none.
function Get-ServiceLastStart([string]$DisplayName, [bool]$Running, [datetime]$Now) {
    $found = Find-ServiceLastStart $DisplayName $Running $Now.AddDays(-30)
    if ($null -eq $found) { return [pscustomobject]@{ Time = $null; Source = 'no start found in the last 30 days' } }
    if ($found.Source -eq 'event') { return [pscustomobject]@{ Time = $found.Time; Source = 'System Event 7036' } }
    return [pscustomobject]@{ Time = $found.Time; Source = 'start time of miiserver.exe' }
}
