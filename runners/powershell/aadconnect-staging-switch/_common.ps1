# Shared helpers of the aadconnect-staging-switch step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# This runbook needs no secret. A script reports what it found wrong with Add-Problem.

# The runner ships it beside this file; a stand-in run from the repository finds it one folder up.
$stepContract = Join-Path $PSScriptRoot 'step-contract.ps1'
if (-not (Test-Path -LiteralPath $stepContract)) { $stepContract = Join-Path (Split-Path -Parent $PSScriptRoot) 'step-contract.ps1' }
. $stepContract

# ---------------------------------------------------------------------------------------------
# Host facts (each script runs on one server: the role its step names)
# ---------------------------------------------------------------------------------------------

$script:ParametersKey = 'HKLM:\SYSTEM\CurrentControlSet\Services\ADSync\Parameters'

function Get-InstallFolder {
    try {
        $p = (Get-ItemProperty -Path $script:ParametersKey -Name Path -ErrorAction Stop).Path
        if ($p) { return ([string]$p).Trim() }
    } catch { }
    return (Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync')
}

function Import-ADSyncModule {
    try {
        Import-Module ADSync -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
        return
    } catch {
        $first = [string]$_.Exception.Message
    }
    # The module ships in the sync engine's Bin folder; it is not always on PSModulePath.
    $psd = Join-Path (Join-Path (Join-Path (Get-InstallFolder) 'Bin') 'ADSync') 'ADSync.psd1'
    if (Test-Path -LiteralPath $psd) {
        Import-Module $psd -ErrorAction Stop -DisableNameChecking -WarningAction SilentlyContinue
        return
    }
    Stop-Step "the ADSync PowerShell module cannot be loaded: $first" 'module-missing'
}

function Get-ServerName {
    if ($env:COMPUTERNAME) { return [string]$env:COMPUTERNAME }
    return [System.Net.Dns]::GetHostName()
}

# The sync engine's build: the file version of miiserver.exe in <install>\Bin.
function Get-SyncBuild {
    $exe = Join-Path (Join-Path (Get-InstallFolder) 'Bin') 'miiserver.exe'
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

# Polls Get-ADSyncConnectorRunStatus until idle. Returns the number of busy polls.
function Wait-SyncIdle([double]$PollIntervalSeconds, [int]$TimeoutSeconds) {
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    $polls = 0
    while ($true) {
        $busy = @(Get-ADSyncConnectorRunStatus | Where-Object { $null -ne $_ })
        if ($busy.Count -eq 0) { return $polls }
        $polls++
        Write-StepProgress ('waiting for the sync run on ' + (@($busy | ForEach-Object { [string]$_.ConnectorName }) -join ', ') + ' to finish')
        if ((Get-Date) -ge $deadline) { Stop-Step "a sync run was still in progress after $TimeoutSeconds s" 'timeout' }
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
