# Shared helpers of the aadconnect-adds-password step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# Contract: a script prints exactly one stdout line,
#     RUNBOOK-RESULT {"ok":true,"output":<object|null>,"evidence":["..."]}              exit 0
#     RUNBOOK-RESULT {"ok":false,"error":"...","category":"...","evidence":["..."]}      exit 1
# as compact, ASCII-only JSON. Progress goes to stderr. Secrets (the optional password check) arrive on stdin only.

$ErrorActionPreference = 'Stop'
$WarningPreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$ProgressPreference = 'SilentlyContinue'
# pwsh 7.3+: a native command's non-zero exit code is judged by the script, never thrown.
$PSNativeCommandUseErrorActionPreference = $false

if ($PSVersionTable.PSVersion.Major -lt 6) {
    # Windows PowerShell 5.1 serializes PSObject-wrapped arrays as {"value":[...],"Count":n}.
    try { Remove-TypeData -TypeName System.Array -ErrorAction Stop } catch { }
}

$script:RunbookEvidence = New-Object 'System.Collections.Generic.List[string]'
$script:RunbookOutput = $null

# ---------------------------------------------------------------------------------------------
# Result line
# ---------------------------------------------------------------------------------------------

function Write-StepProgress([string]$Text) {
    [Console]::Error.WriteLine($Text)
}

function Add-Evidence([string]$Text) {
    $script:RunbookEvidence.Add($Text)
}

function Set-StepOutput($Output) {
    $script:RunbookOutput = $Output
}

# Ends the step with a structured failure of the given category.
function Stop-Step([string]$Message, [string]$Category = 'failed') {
    $ex = New-Object System.InvalidOperationException $Message
    $ex.Data['RunbookCategory'] = $Category
    throw $ex
}

function ConvertTo-StringArray($Items) {
    $list = New-Object 'System.Collections.Generic.List[string]'
    foreach ($i in @($Items)) {
        if ($null -ne $i) { $list.Add([string]$i) }
    }
    return , $list.ToArray()
}

function ConvertTo-CompactJson($Value) {
    $json = ConvertTo-Json -InputObject $Value -Compress -Depth 10
    # ASCII only, so that no console code page can damage the line.
    $sb = New-Object System.Text.StringBuilder
    foreach ($ch in $json.ToCharArray()) {
        $code = [int]$ch
        if ($code -gt 126) { [void]$sb.Append('\u' + $code.ToString('x4')) } else { [void]$sb.Append($ch) }
    }
    return $sb.ToString()
}

function Write-StepResultLine($Result) {
    [Console]::Out.WriteLine('RUNBOOK-RESULT ' + (ConvertTo-CompactJson $Result))
    [Console]::Out.Flush()
}

function Get-FailureCategory($ErrorRecord) {
    $e = $ErrorRecord.Exception
    while ($null -ne $e) {
        if ($null -ne $e.Data -and $e.Data.Contains('RunbookCategory')) { return [string]$e.Data['RunbookCategory'] }
        $e = $e.InnerException
    }
    return 'failed'
}

# Runs the script's body and prints the result line. Returns the exit code (0 ok, 1 failure).
function Invoke-Step {
    param(
        [scriptblock]$Body,
        [string]$AttemptId,
        [string]$StepId,
        [string]$ScriptPath,
        [object[]]$Arguments
    )
    try {
        if (-not $StepId) { $StepId = [System.IO.Path]::GetFileNameWithoutExtension($ScriptPath) }
        $extra = @($Arguments | Where-Object { $null -ne $_ })
        if ($extra.Count -gt 0) { Stop-Step ('unknown arguments: ' + ($extra -join ' ')) 'bad-arguments' }
        if (-not $AttemptId) { Stop-Step 'the parameter -AttemptId is required' 'bad-arguments' }
        # Read by the simulated ADSync host to record effects; real cmdlets ignore them.
        $global:RunbookAttemptId = $AttemptId
        $global:RunbookStepId = $StepId
        $null = & $Body
        Write-StepResultLine ([ordered]@{
                ok = $true
                output = $script:RunbookOutput
                evidence = (ConvertTo-StringArray $script:RunbookEvidence)
            })
        return 0
    } catch {
        $category = Get-FailureCategory $_
        $message = [string]$_.Exception.Message
        if ($category -eq 'failed' -and $null -ne $_.InvocationInfo -and $_.InvocationInfo.ScriptLineNumber -gt 0) {
            $where = [System.IO.Path]::GetFileName([string]$_.InvocationInfo.ScriptName)
            Add-Evidence ("error raised at ${where}:" + $_.InvocationInfo.ScriptLineNumber + ': ' + ([string]$_.InvocationInfo.Line).Trim())
        }
        try {
            Write-StepResultLine ([ordered]@{
                    ok = $false
                    error = $message
                    category = $category
                    evidence = (ConvertTo-StringArray $script:RunbookEvidence)
                })
        } catch {
            [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"the result could not be serialized","category":"script-error","evidence":[]}')
        }
        return 1
    }
}


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
