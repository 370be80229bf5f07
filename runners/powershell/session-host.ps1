<#
.SYNOPSIS
    The warm PowerShell session of a run: one process serves every step of the run, each step in
    a fresh runspace. Runs on Windows PowerShell 5.1 and pwsh 7.
.DESCRIPTION
    Started as `pwsh -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -File <private
    dir>/session-host.ps1` on this machine, or as `powershell ... -EncodedCommand <this text>` over
    SSH. Its command line holds code only: every request, secrets included, comes on stdin.

    stdin, one line per step: base64 of UTF-8 JSON
        {"id":n,"files":[{"name":"...","text":"..."}],"script":"<name>.ps1","args":["..."],"stdin":"<secret lines>"}
    stdout, one frame line per step (other lines are stray output of a child process):
        #RUNBOOK-SESSION-READY# <base64 JSON {"pid":n,"version":"..."}>              once, at start
        #RUNBOOK-SESSION-RESULT# <base64 JSON {"id":n,"path":"...","exitCode":n,"stdout":"...","stderr":"..."}>

    A step: its files are written to a private folder and the script file runs there
    (`AddCommand(<path>)`, so $PSScriptRoot and dot-sourcing work) with its arguments bound as
    `-File` binds them, in a runspace of its own (no variable of one step is seen by the next).
    During the step [Console]::Out / Error / In are the step's own: what the script writes with
    [Console]::Out.WriteLine, its stderr, and the secret lines it reads with [Console]::In.ReadLine().
    Exit code: the script's `exit N` ($LASTEXITCODE of its runspace), 1 when it throws or its
    arguments do not bind, 0 when it ends without exit. Environment variables a step changes are
    put back after it. stdin at end of file ends the session (after the step in progress).

    Unlike a script run on its own, a native program a step starts inherits the session's stdin,
    which stays open between requests: a program that reads stdin waits (until the step's
    timeout, which kills the session) instead of reading end of file. Give such a program its
    input explicitly (`$null | & tool.exe`).
#>
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$hostIn = [Console]::In
$hostOut = [Console]::Out
$hostErr = [Console]::Error
$utf8 = New-Object System.Text.UTF8Encoding $false

function ConvertTo-Frame($Value) {
    $json = ConvertTo-Json -InputObject $Value -Compress -Depth 4
    return [Convert]::ToBase64String($utf8.GetBytes($json))
}

function Write-Frame([string]$Kind, $Value) {
    $hostOut.WriteLine('#RUNBOOK-SESSION-' + $Kind + '# ' + (ConvertTo-Frame $Value))
    $hostOut.Flush()
}

# A private folder for the steps' files: next to this script when it is a file (the runner made
# that folder private), else a new folder in the user's temp folder.
$base = $PSScriptRoot
if (-not $base) {
    $base = Join-Path ([IO.Path]::GetTempPath()) ('runbook-session-' + [guid]::NewGuid().ToString('N'))
    $null = [IO.Directory]::CreateDirectory($base)
    $ownBase = $true
    if ([Environment]::OSVersion.Platform -eq [PlatformID]::Unix) {
        try { [IO.File]::SetUnixFileMode($base, [IO.UnixFileMode]448) } catch { $null = & chmod 700 $base }
    }
} else {
    $ownBase = $false
}

# (the process's -ExecutionPolicy applies to every runspace in it)
$iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
$cleanup = $null

function New-StepRunspace {
    $rs = [System.Management.Automation.Runspaces.RunspaceFactory]::CreateRunspace($iss)
    # as `powershell -File` runs a script on Windows: single-threaded apartment (COM-based cmdlets)
    if ([Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT) {
        try { $rs.ApartmentState = [System.Threading.ApartmentState]::STA } catch { }
    }
    $rs.OpenAsync()
    return $rs
}

function Wait-Runspace($Runspace) {
    while ($Runspace.RunspaceStateInfo.State -eq 'Opening' -or $Runspace.RunspaceStateInfo.State -eq 'BeforeOpen') {
        Start-Sleep -Milliseconds 2
    }
    if ($Runspace.RunspaceStateInfo.State -ne 'Opened') {
        $reason = $Runspace.RunspaceStateInfo.Reason
        $Runspace.Dispose()
        throw "a runspace could not be opened: $reason"
    }
}

function Restore-Environment($Saved) {
    $now = [Environment]::GetEnvironmentVariables()
    foreach ($name in @($now.Keys)) {
        if (-not $Saved.Contains($name)) { [Environment]::SetEnvironmentVariable([string]$name, $null) }
    }
    foreach ($name in @($Saved.Keys)) {
        if ([string]$now[$name] -cne [string]$Saved[$name]) { [Environment]::SetEnvironmentVariable([string]$name, [string]$Saved[$name]) }
    }
}

function Format-ErrorRecord($Record) {
    $text = [string]$Record
    if ($null -ne $Record.InvocationInfo -and $Record.InvocationInfo.PositionMessage) {
        $text = $text + [Environment]::NewLine + [string]$Record.InvocationInfo.PositionMessage
    }
    return $text
}

function Invoke-SessionStep($Request, $Runspace) {
    $dir = Join-Path $base ([guid]::NewGuid().ToString('N'))
    $null = [IO.Directory]::CreateDirectory($dir)
    $out = New-Object System.IO.StringWriter
    $err = New-Object System.IO.StringWriter
    $exitCode = 0
    $path = ''
    $ps = $null
    $savedEnv = [Environment]::GetEnvironmentVariables()
    $savedCwd = [Environment]::CurrentDirectory
    try {
        foreach ($f in @($Request.files)) {
            if ([string]$f.name -match '[\\/]' -or [string]$f.name -eq '..') { throw "bad file name: $($f.name)" }
            [IO.File]::WriteAllText((Join-Path $dir ([string]$f.name)), [string]$f.text, $utf8)
        }
        $path = Join-Path $dir ([string]$Request.script)
        Wait-Runspace $Runspace
        $Runspace.SessionStateProxy.SetVariable('LASTEXITCODE', 0)
        $ps = [System.Management.Automation.PowerShell]::Create()
        $ps.Runspace = $Runspace
        $null = $ps.AddCommand($path)
        # as -File binds them: "-Name" is a parameter name, paired by the binder with the value that
        # follows unless the parameter is a switch; anything else is a value
        $command = $ps.Commands.Commands[$ps.Commands.Commands.Count - 1]
        foreach ($a in @($Request.args)) {
            $arg = [string]$a
            if ($arg -match '^-[A-Za-z_][A-Za-z0-9_]*$') {
                $command.Parameters.Add((New-Object System.Management.Automation.Runspaces.CommandParameter $arg))
            } else {
                $null = $ps.AddArgument($arg)
            }
        }
        $stdin = [string]$Request.stdin
        [Console]::SetOut($out)
        [Console]::SetError($err)
        [Console]::SetIn((New-Object System.IO.StringReader $stdin))
        $results = $null
        try {
            $results = $ps.Invoke()
            $code = $Runspace.SessionStateProxy.GetVariable('LASTEXITCODE')
            if ($null -ne $code) { $exitCode = [int]$code }
        } catch {
            $exitCode = 1
            $inner = $_.Exception
            if ($null -ne $inner.InnerException) { $inner = $inner.InnerException }
            if ($inner -is [System.Management.Automation.IContainsErrorRecord]) { $err.WriteLine((Format-ErrorRecord $inner.ErrorRecord)) }
            else { $err.WriteLine([string]$inner.Message) }
        } finally {
            [Console]::SetOut($hostOut)
            [Console]::SetError($hostErr)
            [Console]::SetIn($hostIn)
        }
        foreach ($r in @($results)) { if ($null -ne $r) { $out.WriteLine([string]$r) } }
        foreach ($i in @($ps.Streams.Information)) { $out.WriteLine([string]$i.MessageData) }
        foreach ($w in @($ps.Streams.Warning)) { $err.WriteLine('WARNING: ' + [string]$w.Message) }
        foreach ($e in @($ps.Streams.Error)) { $err.WriteLine((Format-ErrorRecord $e)) }
    } catch {
        $exitCode = 1
        $err.WriteLine('runbook session host: ' + [string]$_.Exception.Message)
    }
    $script:cleanup = @{ ps = $ps; runspace = $Runspace; env = $savedEnv; cwd = $savedCwd; dir = $dir }
    return [ordered]@{ id = $Request.id; path = $path; exitCode = $exitCode; stdout = $out.ToString(); stderr = $err.ToString() }
}

# After the result is sent (off the step's critical path): the step's runspace goes, the
# environment and the current directory are put back, the step's folder is removed.
function Clear-SessionStep {
    $c = $script:cleanup
    $script:cleanup = $null
    if ($null -eq $c) { return }
    try { if ($null -ne $c.ps) { $c.ps.Dispose() } } catch { }
    try { $c.runspace.Dispose() } catch { }
    Restore-Environment $c.env
    try { [Environment]::CurrentDirectory = $c.cwd } catch { }
    Remove-Item -LiteralPath $c.dir -Recurse -Force -ErrorAction SilentlyContinue
}

try {
    $next = New-StepRunspace
    Write-Frame 'READY' ([ordered]@{ pid = $PID; version = [string]$PSVersionTable.PSVersion })
    while ($true) {
        $line = $hostIn.ReadLine()
        if ($null -eq $line) { break }
        if ($line.Trim() -eq '') { continue }
        $request = $utf8.GetString([Convert]::FromBase64String($line.Trim())) | ConvertFrom-Json
        $runspace = $next
        $next = $null
        $result = Invoke-SessionStep $request $runspace
        Write-Frame 'RESULT' $result
        # while the runner journals this step, the next step's runspace opens
        Clear-SessionStep
        $next = New-StepRunspace
    }
} finally {
    Clear-SessionStep
    if ($ownBase) { Remove-Item -LiteralPath $base -Recurse -Force -ErrorAction SilentlyContinue }
}
# the process ends here, whatever runspace is still opening
[Environment]::Exit(0)
