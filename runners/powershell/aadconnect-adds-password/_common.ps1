# Shared helpers of the aadconnect-adds-password step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# Secrets (the optional password check) arrive on stdin only.

# The runner ships it beside this file; a stand-in run from the repository finds it one folder up.
$stepContract = Join-Path $PSScriptRoot 'step-contract.ps1'
if (-not (Test-Path -LiteralPath $stepContract)) { $stepContract = Join-Path (Split-Path -Parent $PSScriptRoot) 'step-contract.ps1' }
. $stepContract

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

$script:NoStart = 'no-start-credentials'
$script:DllException = 'stopped-extension-dll-exception'

function Get-InstallLocation {
    try {
        $loc = [string](Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\AD Sync' -Name Location -ErrorAction Stop).Location
        if ($loc) { return $loc }
    } catch { }
    if ($env:ProgramFiles) { return (Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync') }
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

function ConvertTo-IsoTime([datetime]$Time) {
    return $Time.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)
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

# The Connect build: the Version value of HKLM:\SOFTWARE\Microsoft\Azure AD Connect (inference:
# the same number as the sync engine's miiserver.exe file version), 'unknown' when absent.
function Get-SyncBuild {
    try {
        $v = [string](Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Azure AD Connect' -Name Version -ErrorAction Stop).Version
        if ($v) { return $v.Trim() }
    } catch { }
    return 'unknown'
}

function Get-ADSyncServiceState {
    $svc = Get-Service -Name ADSync -ErrorAction Stop
    return [pscustomobject]@{ Status = [string]$svc.Status; DisplayName = [string]$svc.DisplayName }
}

# The running ADSync process (miiserver.exe): @{ ProcessId; StartTime } or $null when stopped.
function Get-ADSyncProcess {
    $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='ADSync'" -ErrorAction Stop
    if ($null -eq $svc -or [int]$svc.ProcessId -le 0) { return $null }
    $p = Get-Process -Id ([int]$svc.ProcessId) -ErrorAction Stop
    return [pscustomobject]@{ ProcessId = [int]$svc.ProcessId; StartTime = [datetime]$p.StartTime }
}

function Get-EventsSince([string]$LogName, [int[]]$Id, [datetime]$Since) {
    $filter = @{ LogName = $LogName; Id = $Id; StartTime = $Since }
    try {
        $found = @(Get-WinEvent -FilterHashtable $filter -ErrorAction Stop)
    } catch {
        if ([string]$_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*' -or [string]$_.Exception.Message -like 'No events were found*') { return }
        throw
    }
    $found
}

# Polls Get-ADSyncConnectorRunStatus until idle. Returns the number of busy polls.
function Wait-SyncIdle([double]$PollIntervalSeconds, [int]$TimeoutSeconds) {
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    $polls = 0
    while ($true) {
        $busy = @(Get-ADSyncConnectorRunStatus | Where-Object { $null -ne $_ })
        if ($busy.Count -eq 0) { return $polls }
        $polls++
        $names = (@($busy | ForEach-Object { [string]$_.ConnectorName }) -join ', ')
        Write-StepProgress "waiting for the sync run on $names to finish"
        if ((Get-Date) -ge $deadline) { Stop-Step "a sync run was still in progress after $TimeoutSeconds s ($names)" 'timeout' }
        if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
    }
}

# The newest run profile result of a connector, or $null (the order is not documented: sorted here).
function Get-NewestRunResult($Connector) {
    $r = @(Get-ADSyncRunProfileResult -ConnectorId $Connector.Identifier -NumberRequested 5 -ErrorAction Stop | Where-Object { $null -ne $_ })
    if ($r.Count -eq 0) { return $null }
    return ($r | Sort-Object -Property StartDate -Descending | Select-Object -First 1)
}

function Get-ConnectivityValue($Connector, [string]$Name) {
    try { return [string]$Connector.ConnectivityParameters[$Name].Value } catch { return '' }
}

function Get-ADConnectors {
    return @(Get-ADSyncConnector -ErrorAction Stop | Where-Object { [string]$_.ConnectorTypeName -eq 'AD' })
}

function Get-ADConnectorByName([string]$Name) {
    $found = @(Get-ADConnectors | Where-Object { [string]$_.Name -eq $Name })
    if ($found.Count -eq 0) { Stop-Step "no AD connector named '$Name'" 'unknown-connector' }
    return $found[0]
}

# DOMAIN\user of an AD connector's account.
function Get-ConnectorAccount($Connector) {
    return ((Get-ConnectivityValue $Connector 'forest-login-domain') + '\' + (Get-ConnectivityValue $Connector 'forest-login-user'))
}
