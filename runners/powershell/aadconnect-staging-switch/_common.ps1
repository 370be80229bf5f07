# Shared helpers of the aadconnect-staging-switch step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# Contract: a script prints exactly one stdout line,
#     RUNBOOK-RESULT {"ok":true,"output":<object|null>,"evidence":["..."]}              exit 0
#     RUNBOOK-RESULT {"ok":false,"error":"...","category":"...","evidence":["..."]}      exit 1
# as compact, ASCII-only JSON. Progress goes to stderr. This runbook needs no secret. A script may set $script:RunbookProblems (what it found wrong).

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
$script:RunbookProblems = $null

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
        $result = [ordered]@{
            ok = $true
            output = $script:RunbookOutput
            evidence = (ConvertTo-StringArray $script:RunbookEvidence)
        }
        if ($null -ne $script:RunbookProblems -and @($script:RunbookProblems).Count -gt 0) { $result['problems'] = (ConvertTo-StringArray $script:RunbookProblems) }
        Write-StepResultLine $result
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
