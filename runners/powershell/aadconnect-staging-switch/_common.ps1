# Shared helpers of the aadconnect-staging-switch step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# This runbook needs no secret. A script reports what it found wrong with Add-Problem.

# The family's helpers (they load the step contract): the runner ships them beside this file.
$family = Join-Path $PSScriptRoot '_aadconnect.ps1'
if (-not (Test-Path -LiteralPath $family)) { $family = Join-Path (Split-Path -Parent $PSScriptRoot) 'families/aadconnect/_aadconnect.ps1' }
. $family

# ---------------------------------------------------------------------------------------------
# Host facts (each script runs on one server: the role its step names)
# ---------------------------------------------------------------------------------------------


function Get-InstallLocation {
    try {
        $p = (Get-ItemProperty -Path $script:ParametersKey -Name Path -ErrorAction Stop).Path
        if ($p) { return ([string]$p).Trim() }
    } catch { }
    return (Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync')
}

# The sync engine's build: the file version of miiserver.exe in <install>\Bin.
function Get-SyncBuild {
    $exe = Join-Path (Join-Path (Get-InstallLocation) 'Bin') 'miiserver.exe'
    try {
        $v = (Get-Item -LiteralPath $exe -ErrorAction Stop).VersionInfo.FileVersion
        if ($v) { return ([string]$v).Trim() }
    } catch { }
    try {
        $m = Get-Module ADSync
        if ($null -ne $m) { return [string]$m.Version }
    } catch { }
    return 'unknown'
}

function Format-Scheduler($Scheduler) {
    return ((Get-ServerName) + ': StagingModeEnabled ' + [string][bool]$Scheduler.StagingModeEnabled + ', SyncCycleEnabled ' + [string][bool]$Scheduler.SyncCycleEnabled)
}

# Sorted ordinally (as the engine compares it): sync rules 'name|precedence|enabled' and 'connector|name'.
function Get-ConfigFingerprint {
    $lines = New-Object 'System.Collections.Generic.List[string]'
    foreach ($r in @(Get-ADSyncRule -ErrorAction Stop)) {
        if ($null -eq $r) { continue }
        $state = 'enabled'
        if ([bool]$r.Disabled) { $state = 'disabled' }
        $lines.Add(([string]$r.Name + '|' + [string]$r.Precedence + '|' + $state))
    }
    $rules = $lines.ToArray()
    [Array]::Sort($rules, [StringComparer]::Ordinal)
    $names = @(Get-ADSyncConnector -ErrorAction Stop | ForEach-Object { 'connector|' + [string]$_.Name })
    [Array]::Sort($names, [StringComparer]::Ordinal)
    return (@($rules) + @($names)) -join "`n"
}

# The probe of a wizard step: StagingModeEnabled against what the step wanted.
function Invoke-StagingModeProbe([bool]$Wanted) {
    Import-ADSyncModule
    $s = Get-ADSyncScheduler -ErrorAction Stop
    Add-Evidence (Format-Scheduler $s)
    if ([bool]$s.StagingModeEnabled -eq $Wanted) {
        Add-Evidence 'the wizard took effect'
        Set-StepOutput ([ordered]@{ verdict = 'done'; stagingMode = [bool]$s.StagingModeEnabled })
    } else {
        Add-Evidence 'the wizard did not take effect'
        Set-StepOutput ([ordered]@{ verdict = 'not-done'; stagingMode = [bool]$s.StagingModeEnabled })
    }
}
