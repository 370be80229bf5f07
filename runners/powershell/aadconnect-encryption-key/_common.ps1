# Shared helpers of the aadconnect-encryption-key step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# Secrets arrive on stdin only.

# The family's helpers (they load the step contract): the runner ships them beside this file.
$family = Join-Path $PSScriptRoot '_aadconnect.ps1'
if (-not (Test-Path -LiteralPath $family)) { $family = Join-Path (Split-Path -Parent $PSScriptRoot) 'families/aadconnect/_aadconnect.ps1' }
. $family


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

function ConvertTo-EpochMs([datetime]$Time) {
    if ($Time.Kind -eq [System.DateTimeKind]::Unspecified) { $Time = [datetime]::SpecifyKind($Time, [System.DateTimeKind]::Local) }
    return ([DateTimeOffset]$Time).ToUnixTimeMilliseconds()
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

# ---------------------------------------------------------------------------------------------
# Service and sync helpers
# ---------------------------------------------------------------------------------------------

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

# The newest run profile result of a connector object, or $null.
function Get-NewestRunResult($Connector) {
    $results = @(Get-ADSyncRunProfileResult -ConnectorId $Connector.Identifier -NumberRequested 1 -ErrorAction Stop | Where-Object { $null -ne $_ })
    if ($results.Count -eq 0) { return $null }
    return ($results | Sort-Object -Property StartDate -Descending | Select-Object -First 1)
}

function Get-ConnectorDescription($Connector) {
    $p = $Connector.ConnectivityParameters
    $forest = ''; $user = ''; $domain = ''
    try { $forest = [string]$p['forest-name'].Value } catch { }
    try { $user = [string]$p['forest-login-user'].Value } catch { }
    try { $domain = [string]$p['forest-login-domain'].Value } catch { }
    return "$($Connector.Name) (forest $forest, account $domain\$user)"
}
