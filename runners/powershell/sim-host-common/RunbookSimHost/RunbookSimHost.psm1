# What every package's simulated host (runners/powershell/<runbook>/sim-host/) shares: the state
# file named by $env:RUNBOOK_SIM_STATE (read whole, written back atomically), the simulated clock
# and the effects a change records ({op, stepId, attemptId, at}, with the attempt and step from
# $global:RunbookAttemptId / $global:RunbookStepId that step-contract.ps1 sets). Owned by the
# PowerShell runner kind, not by any runbook: what the state holds is each package's own.
#
# A package's stand-in module imports it by its path in the repository (a simulated host runs
# where the repository is) and names the arrays of its state:
#     Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))) 'sim-host-common/RunbookSimHost/RunbookSimHost.psm1')
#     Set-SimStateArrays @('connectors', 'runs', 'events', 'effects')
# (-Function <names> when the package keeps its own version of one of these.)

$ErrorActionPreference = 'Stop'

# Top-level properties of the state that stay arrays after JSON (ConvertFrom-Json makes a
# one-element array a scalar and an empty one $null).
$script:StateArrays = @('effects')

function Set-SimStateArrays([string[]]$Names) { $script:StateArrays = @($Names) }

function Get-SimStatePath {
    $path = $env:RUNBOOK_SIM_STATE
    if (-not $path) { throw 'ADSync simulation: the environment variable RUNBOOK_SIM_STATE (path of the state file) is not set.' }
    if (-not [System.IO.File]::Exists($path)) { throw "ADSync simulation: state file '$path' does not exist." }
    return $path
}

function ConvertFrom-SimJson([string]$Text) {
    $convert = Get-Command -Name ConvertFrom-Json -CommandType Cmdlet
    if ($convert.Parameters.ContainsKey('DateKind')) {
        # pwsh 7.5+: keep ISO strings (effects[].at) as strings instead of turning them into DateTime.
        $splat = @{ DateKind = 'String' }
        return ($Text | Microsoft.PowerShell.Utility\ConvertFrom-Json @splat)
    }
    return ($Text | Microsoft.PowerShell.Utility\ConvertFrom-Json)
}

function Read-SimState {
    $state = ConvertFrom-SimJson ([System.IO.File]::ReadAllText((Get-SimStatePath)))
    foreach ($name in $script:StateArrays) {
        $state.$name = @($state.$name | Where-Object { $null -ne $_ })
    }
    return $state
}

function Write-SimState($State) {
    $path = Get-SimStatePath
    $json = ConvertTo-Json -InputObject $State -Depth 20
    $dir = Split-Path -Parent ([System.IO.Path]::GetFullPath($path))
    $tmp = Join-Path $dir ('.' + [System.IO.Path]::GetFileName($path) + '.' + [guid]::NewGuid().ToString('N') + '.tmp')
    [System.IO.File]::WriteAllText($tmp, $json, (New-Object System.Text.UTF8Encoding $false))
    $moved = $false
    try {
        # .NET Core: File.Move(src, dst, overwrite) is an atomic rename on POSIX.
        [System.IO.File]::Move($tmp, $path, $true)
        $moved = $true
    } catch [System.Management.Automation.MethodException] {
        $moved = $false
    }
    if (-not $moved) { Move-Item -LiteralPath $tmp -Destination $path -Force }
}

function Get-SimNow { return [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() }

# The simulated server's clock: a time of the state (ms since the epoch) as this server's local time.
function ConvertFrom-SimMs([long]$Ms) { return [DateTimeOffset]::FromUnixTimeMilliseconds($Ms).LocalDateTime }

function ConvertTo-SimMs([datetime]$Time) {
    if ($Time.Kind -eq [System.DateTimeKind]::Unspecified) { $Time = [datetime]::SpecifyKind($Time, [System.DateTimeKind]::Local) }
    return ([DateTimeOffset]$Time).ToUnixTimeMilliseconds()
}

function Get-SimIsoNow { return [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [System.Globalization.CultureInfo]::InvariantCulture) }

function New-SimFault([string]$Message, [string]$Category) {
    $ex = New-Object System.InvalidOperationException $Message
    $ex.Data['AdsyncSimCategory'] = $Category
    return $ex
}

# A build 'a.b.c.d' (missing parts are 0) as a System.Version.
function ConvertTo-SimVersion([string]$Build) {
    $parts = @($Build.Split('.') | ForEach-Object { [int]$_ })
    while ($parts.Count -lt 4) { $parts += 0 }
    return (New-Object System.Version $parts[0], $parts[1], $parts[2], $parts[3])
}

function Test-SimBuildAtLeast([string]$Build, [string]$Minimum) {
    return ((ConvertTo-SimVersion $Build) -ge (ConvertTo-SimVersion $Minimum))
}

function Test-SimEffectRecorded($State, [string]$AttemptId, [string]$Op) {
    foreach ($e in @($State.effects)) {
        if ([string]$e.attemptId -eq $AttemptId -and [string]$e.op -eq $Op) { return $true }
    }
    return $false
}

# Runs $Change on the current state, once per (attempt, op) for idempotent ops, and records the
# effect unless the change returned $false. A failing change still saves what it did. Returns the
# change's last output ($null when an idempotent op had already been done in this attempt).
function Invoke-SimEffect {
    param([string]$Op, [scriptblock]$Change, [bool]$Idempotent = $true)
    $state = Read-SimState
    $attemptId = [string]$global:RunbookAttemptId
    $stepId = [string]$global:RunbookStepId
    if ($Idempotent -and $attemptId -and (Test-SimEffectRecorded $state $attemptId $Op)) { return $null }
    try {
        $result = @(& $Change $state)
    } catch {
        Write-SimState $state
        throw
    }
    $last = $null
    if ($result.Count -gt 0) { $last = $result[-1] }
    if (-not ($last -is [bool] -and $last -eq $false)) {
        $state.effects = @($state.effects) + @([pscustomobject][ordered]@{ op = $Op; stepId = $stepId; attemptId = $attemptId; at = (Get-SimIsoNow) })
    }
    Write-SimState $state
    return $last
}

Export-ModuleMember -Function @(
    'Set-SimStateArrays', 'Get-SimStatePath', 'ConvertFrom-SimJson', 'Read-SimState', 'Write-SimState',
    'Get-SimNow', 'ConvertFrom-SimMs', 'ConvertTo-SimMs', 'Get-SimIsoNow', 'New-SimFault',
    'Test-SimBuildAtLeast', 'Test-SimEffectRecorded', 'Invoke-SimEffect'
)
