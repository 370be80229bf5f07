# Shared helpers of the aadconnect-entra-credential step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# Secrets arrive on stdin only (see Read-SecretLine).

# The family's helpers (they load the step contract): the runner ships them beside this file.
$family = Join-Path $PSScriptRoot '_aadconnect.ps1'
if (-not (Test-Path -LiteralPath $family)) { $family = Join-Path (Split-Path -Parent $PSScriptRoot) 'families/aadconnect/_aadconnect.ps1' }
. $family

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

$script:AbaMinBuild = '2.5.3.0'
# The credential events this runbook reads (Application log, filtered on Id, not on provider).
$script:CredentialEvents = @(6900, 659, 1012, 906)

function Format-Iso([datetime]$Time) {
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

function ConvertFrom-Iso([string]$Text) {
    return [datetime]::Parse($Text, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime()
}

# The sync engine's install folder (the ADSync service's Parameters Path), for Import-ADSyncModule.
function Get-InstallLocation {
    $path = $null
    try { $path = [string](Get-ItemProperty -Path $script:ParametersKey -Name Path -ErrorAction Stop).Path } catch { }
    if (-not $path -and $env:ProgramFiles) { $path = Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync' }
    return $path
}

# -1, 0, 1 comparing dotted builds.
function Compare-Build([string]$A, [string]$B) {
    $pa = @($A.Split('.') | ForEach-Object { [int]0 + ($_ -replace '\D', '') })
    $pb = @($B.Split('.') | ForEach-Object { [int]0 + ($_ -replace '\D', '') })
    $n = [Math]::Max($pa.Count, $pb.Count)
    for ($i = 0; $i -lt $n; $i++) {
        $x = 0; if ($i -lt $pa.Count) { $x = $pa[$i] }
        $y = 0; if ($i -lt $pb.Count) { $y = $pb[$i] }
        if ($x -lt $y) { return -1 }
        if ($x -gt $y) { return 1 }
    }
    return 0
}

# The build: the file version of miiserver.exe in the install folder, else the module's version.
function Get-SyncBuild {
    $path = $null
    try { $path = [string](Get-ItemProperty -Path $script:ParametersKey -Name Path -ErrorAction Stop).Path } catch { }
    if (-not $path -and $env:ProgramFiles) { $path = $env:ProgramFiles + '\Microsoft Azure AD Sync' }
    if ($path) {
        try { return [string](Get-Item -LiteralPath ($path.TrimEnd('\') + '\Bin\miiserver.exe') -ErrorAction Stop).VersionInfo.FileVersion } catch { }
    }
    $m = Get-Module -Name ADSync | Select-Object -First 1
    if ($null -ne $m) { return [string]$m.Version }
    return '0.0.0.0'
}

function Get-EntraConnector {
    return (Get-ADSyncConnector -Identifier $script:EntraConnectorId -ErrorAction Stop)
}

function Get-ConnectorParameter($Connector, [string]$Name) {
    try {
        $p = $Connector.ConnectivityParameters[$Name]
        if ($null -eq $p) { return $null }
        $v = $p.Value
        if ($null -eq $v -or [string]$v -eq '') { return $null }
        return [string]$v
    } catch { return $null }
}

# The first of the named properties the object has with a value (property names beyond
# ConnectorIdentityType are not documented: several spellings are tried).
function Get-FirstProperty($Object, [string[]]$Names) {
    if ($null -eq $Object) { return $null }
    foreach ($n in $Names) {
        $p = $Object.PSObject.Properties[$n]
        if ($null -ne $p -and $null -ne $p.Value -and [string]$p.Value -ne '') { return $p.Value }
    }
    return $null
}

# How the Entra connector signs in: Get-ADSyncEntraConnectorCredential (2.5.3.0 and later), else
# the connector's UserName (Sync_... = ServiceAccount, <appId>@... = Application).
# Returns @{ Type = 'ServiceAccount'|'Application'|$null; Source; Note; Credential; UserName }.
function Get-EntraIdentity {
    $userName = $null
    try { $userName = Get-ConnectorParameter (Get-EntraConnector) 'UserName' } catch { }
    $cmd = Get-Command -Name Get-ADSyncEntraConnectorCredential -ErrorAction SilentlyContinue
    if ($null -ne $cmd) {
        $cred = Get-ADSyncEntraConnectorCredential -ErrorAction Stop | Select-Object -First 1
        $t = [string]$cred.ConnectorIdentityType
        if ($t -ne 'ServiceAccount' -and $t -ne 'Application') { $t = $null }
        return [pscustomobject]@{ Type = $t; Source = 'cmdlet'; Note = "Get-ADSyncEntraConnectorCredential: ConnectorIdentityType $($cred.ConnectorIdentityType)"; Credential = $cred; UserName = $userName }
    }
    $t = $null
    if ($userName -match '^(?i)Sync_') { $t = 'ServiceAccount' }
    elseif ($userName -match '^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@') { $t = 'Application' }
    $says = 'nothing'
    if ($t) { $says = $t }
    $build = Get-SyncBuild
    return [pscustomobject]@{ Type = $t; Source = 'username-pattern'; Note = "Get-ADSyncEntraConnectorCredential is not on build ${build}: the UserName $userName says $says"; Credential = $null; UserName = $userName }
}

# The application certificate as Get-ADSyncEntraConnectorCredential shows it.
function Get-AppCertificate($Credential) {
    $tp = Get-FirstProperty $Credential @('CertificateThumbprint', 'Thumbprint')
    $na = Get-FirstProperty $Credential @('CertificateNotAfter', 'NotAfter', 'CertificateExpiry')
    $by = Get-FirstProperty $Credential @('CertificateManagedBy', 'ApplicationManagedBy')
    $id = Get-FirstProperty $Credential @('ApplicationId', 'ClientId', 'AppId')
    $notAfter = $null
    if ($null -ne $na) { $notAfter = ([datetime]$na).ToUniversalTime() }
    $tpText = $null
    if ($null -ne $tp) { $tpText = ([string]$tp).ToUpperInvariant() }
    return [pscustomobject]@{ Thumbprint = $tpText; NotAfter = $notAfter; ManagedBy = [string]$by; AppId = [string]$id }
}

# Set-ADSyncScheduler -SyncCycleEnabled; returns $true when it changed something.
function Set-SyncCycle([bool]$Enabled) {
    $now = [bool](Get-ADSyncScheduler -ErrorAction Stop).SyncCycleEnabled
    if ($now -eq $Enabled) { return $false }
    $null = Set-ADSyncScheduler -SyncCycleEnabled $Enabled -ErrorAction Stop
    return $true
}

# One line of stdin (a secret). Always read first, so the runner's write never meets a closed pipe.
function Read-SecretLine {
    $secure = New-Object System.Security.SecureString
    $plain = $null
    try { $plain = [Console]::In.ReadLine() } catch { $plain = $null }
    if ($null -ne $plain) { foreach ($ch in $plain.ToCharArray()) { $secure.AppendChar($ch) } }
    $has = ($null -ne $plain -and $plain.Length -gt 0)
    $plain = $null
    $secure.MakeReadOnly()
    return [pscustomobject]@{ Secure = $secure; Present = $has }
}

# ---------------------------------------------------------------------------------------------
# Verify (three steps share it) and the probes
# ---------------------------------------------------------------------------------------------

# Scheduler back on (when it was), a delta cycle run to the end, the Entra connector's newest run
# and the credential events since the cycle started. Output {healthy, identityType, failures}.
function Invoke-Verify([string]$ExpectedType, [string]$SchedulerWasEnabled, [string]$CertThumbprintBefore, [double]$PollIntervalSeconds, [int]$TimeoutSeconds) {
    $svc = Get-ADSyncServiceState
    if ($svc.Status -ne 'Running') { Stop-Step "verify: the ADSync service is not running ($($svc.Status))" 'service-stopped' }
    if ([bool](Get-ADSyncScheduler -ErrorAction Stop).SchedulerSuspended) {
        Stop-Step 'the scheduler is suspended: a configuration wizard is still open on the server. Close it (Exit), then retry' 'scheduler-suspended'
    }
    $failures = New-Object 'System.Collections.Generic.List[string]'
    $id = Get-EntraIdentity
    Add-Evidence $id.Note
    if ([string]$id.Type -ne $ExpectedType) { $failures.Add("the identity type is $($id.Type), expected $ExpectedType") }
    if ($SchedulerWasEnabled -eq 'true') {
        if (Set-SyncCycle $true) { Add-Evidence 'scheduler turned back on (SyncCycleEnabled True)' }
    }
    if ($CertThumbprintBefore -and $id.Type -eq 'Application') {
        $cert = Get-AppCertificate $id.Credential
        Add-Evidence "certificate thumbprint: $CertThumbprintBefore before the run, $($cert.Thumbprint) now"
        if ($cert.Thumbprint -eq $CertThumbprintBefore) { $failures.Add('the certificate thumbprint did not change') }
    }
    $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
    $start = Get-NowMs
    Write-StepProgress 'Start-ADSyncSyncCycle -PolicyType Delta'
    try {
        $null = Start-ADSyncSyncCycle -PolicyType Delta -ErrorAction Stop
    } catch {
        Stop-Step ('Start-ADSyncSyncCycle failed: ' + [string]$_.Exception.Message) 'sync-failed'
    }
    $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
    Add-Evidence 'Start-ADSyncSyncCycle -PolicyType Delta accepted; the cycle ended'
    foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
        $newest = @(Get-ADSyncRunProfileResult -ConnectorId $c.Identifier -NumberRequested 5 -ErrorAction Stop | Where-Object { $null -ne $_ } | Sort-Object -Property StartDate -Descending) | Select-Object -First 1
        $result = 'no-run'
        if ($null -ne $newest) { $result = [string]$newest.Result }
        Add-Evidence "$($c.Name): $result"
        if ([string]$c.Identifier -eq $script:EntraConnectorId -and -not (Test-RunResultOk $result)) { $failures.Add("the Entra connector ended $result") }
    }
    foreach ($e in @(Get-EventsSince -LogName 'Application' -Id $script:CredentialEvents -Since $start)) {
        Add-Evidence "new Event $($e.Id): $($e.Message)"
        $failures.Add("new Event $($e.Id)")
    }
    if ($failures.Count -gt 0) { Add-Evidence ('still failing: ' + ($failures.ToArray() -join '; ')) }
    Set-StepOutput ([ordered]@{ healthy = ($failures.Count -eq 0); identityType = $id.Type; failures = (ConvertTo-StringArray $failures.ToArray()) })
}

# Probe of a password reset: the Sync_ account's password last set (Entra ID, Microsoft Graph)
# against the time the step started. Needs a Graph session already signed in on the server.
function Invoke-PasswordProbe([string]$StepStartedAt) {
    $verdict = 'unknown'
    $id = Get-EntraIdentity
    Add-Evidence $id.Note
    $account = $id.UserName
    if ($id.Type -ne 'ServiceAccount') {
        Add-Evidence "the Entra connector signs in as $($id.Type) now: not the account the step reset"
    } elseif (-not $StepStartedAt) {
        Add-Evidence 'the time the step started is not known'
    } else {
        if (-not (Get-Command -Name Get-MgContext -ErrorAction SilentlyContinue)) {
            try { Import-Module Microsoft.Graph.Users -ErrorAction Stop -WarningAction SilentlyContinue } catch { }
        }
        $context = $null
        if (Get-Command -Name Get-MgContext -ErrorAction SilentlyContinue) { $context = Get-MgContext }
        if ($null -eq $context) {
            Add-Evidence 'no Microsoft Graph session is signed in on the server (Get-MgContext is empty): Entra ID cannot be read'
        } else {
            $user = Get-MgUser -UserId $account -Property 'LastPasswordChangeDateTime' -ErrorAction Stop
            $set = ([datetime]$user.LastPasswordChangeDateTime).ToUniversalTime()
            $started = ConvertFrom-Iso $StepStartedAt
            if ($set -ge $started) {
                $verdict = 'done'
                Add-Evidence "${account}: password last set $(Format-Iso $set), after the step started ($(Format-Iso $started)): the reset happened"
            } else {
                $verdict = 'not-done'
                Add-Evidence "${account}: password last set $(Format-Iso $set), before the step started ($(Format-Iso $started)): the reset did not happen"
            }
        }
    }
    Set-StepOutput ([ordered]@{ verdict = $verdict })
}

# Probe of a certificate rotation: the thumbprint now against the one read before the step.
function Invoke-ThumbprintProbe([string]$CertThumbprintBefore) {
    $verdict = 'unknown'
    if ([bool](Get-ADSyncScheduler -ErrorAction Stop).SchedulerSuspended) {
        Add-Evidence 'the scheduler is suspended: the wizard is still open. Close it, then probe again'
    } else {
        $id = Get-EntraIdentity
        Add-Evidence $id.Note
        if ($id.Type -ne 'Application') {
            Add-Evidence "the Entra connector signs in as $($id.Type): no certificate to compare"
        } else {
            $tp = (Get-AppCertificate $id.Credential).Thumbprint
            if (-not $tp) {
                Add-Evidence 'Get-ADSyncEntraConnectorCredential shows no certificate thumbprint'
            } elseif ($tp -ne $CertThumbprintBefore) {
                $verdict = 'done'
                Add-Evidence "certificate thumbprint $tp now, $CertThumbprintBefore before the step: the rotation happened"
            } else {
                $verdict = 'not-done'
                Add-Evidence "certificate thumbprint still ${CertThumbprintBefore}: the rotation did not happen"
            }
        }
    }
    Set-StepOutput ([ordered]@{ verdict = $verdict })
}
