# The step contract of the PowerShell runner kind: what every step script (and probe, after
# check, simulated stand-in) of every runbook package uses to report to the engine. Owned by the
# runner kind, not by any runbook. The runner ships this file beside every script it runs, with
# the package's _*.ps1 files (locally and over SSH alike); a package's _common.ps1 dot-sources it
# first (see runners/powershell/README.md).
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# Contract: a script prints exactly one stdout line,
#     RUNBOOK-RESULT {"ok":true,"output":<object|null>,"evidence":["..."],"problems":["..."]}  exit 0
#     RUNBOOK-RESULT {"ok":false,"error":"...","category":"...","evidence":["..."]}             exit 1
# as compact, ASCII-only JSON ("problems" only when there are some). Progress goes to stderr.
# Secrets arrive on stdin only. A script's body runs inside Invoke-Step:
#     exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body { ... })

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
$script:RunbookProblems = New-Object 'System.Collections.Generic.List[string]'

function Write-StepProgress([string]$Text) {
    [Console]::Error.WriteLine($Text)
}

function Add-Evidence([string]$Text) {
    $script:RunbookEvidence.Add($Text)
}

function Set-StepOutput($Output) {
    $script:RunbookOutput = $Output
}

# The step ran, and what it checked is not right (a verify that finds a failing connector).
function Add-Problem([string]$Text) {
    $script:RunbookProblems.Add($Text)
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
        # Read by a simulated host to record effects; real cmdlets ignore them.
        $global:RunbookAttemptId = $AttemptId
        $global:RunbookStepId = $StepId
        $null = & $Body
        $result = [ordered]@{
            ok = $true
            output = $script:RunbookOutput
            evidence = (ConvertTo-StringArray $script:RunbookEvidence)
        }
        $problems = ConvertTo-StringArray $script:RunbookProblems
        if ($problems.Count -gt 0) { $result['problems'] = $problems }
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
