# Shared helpers of the aadconnect-adds-password step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# Secrets (the optional password check) arrive on stdin only.

# The family's helpers (they load the step contract): the runner ships them beside this file.
$family = Join-Path $PSScriptRoot '_aadconnect.ps1'
if (-not (Test-Path -LiteralPath $family)) { $family = Join-Path (Split-Path -Parent $PSScriptRoot) 'families/aadconnect/_aadconnect.ps1' }
. $family

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

function ConvertTo-IsoTime([datetime]$Time) {
    return $Time.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)
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

# The running ADSync process (miiserver.exe): @{ ProcessId; StartTime } or $null when stopped.
function Get-ADSyncProcess {
    $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='ADSync'" -ErrorAction Stop
    if ($null -eq $svc -or [int]$svc.ProcessId -le 0) { return $null }
    $p = Get-Process -Id ([int]$svc.ProcessId) -ErrorAction Stop
    return [pscustomobject]@{ ProcessId = [int]$svc.ProcessId; StartTime = [datetime]$p.StartTime }
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

function Get-ADConnectorByName([string]$Name) {
    $found = @(Get-ADConnectors | Where-Object { [string]$_.Name -eq $Name })
    if ($found.Count -eq 0) { Stop-Step "no AD connector named '$Name'" 'unknown-connector' }
    return $found[0]
}

# DOMAIN\user of an AD connector's account.
function Get-ConnectorAccount($Connector) {
    return ((Get-ConnectivityValue $Connector 'forest-login-domain') + '\' + (Get-ConnectivityValue $Connector 'forest-login-user'))
}
