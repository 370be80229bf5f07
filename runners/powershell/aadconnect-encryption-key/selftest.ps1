<#
.SYNOPSIS
    Self test of the runbook's PowerShell step scripts against the simulated ADSync host.
.DESCRIPTION
    pwsh -NoProfile -File runners/powershell/aadconnect-encryption-key/selftest.ps1

    1. Every .ps1/.psm1/.psd1 (and the miiskmu.exe stand-in) parses; the step scripts use no
       syntax or parameter that Windows PowerShell 5.1 lacks.
    2. Every scenario of runners/simulator/aadconnect-encryption-key/scenarios runs through the scripts in the
       order of machines/aadconnect-encryption-key.ts (manual steps by the sim-host/manual
       stand-ins), each script as its own pwsh process from a private copy of scripts/, as a
       runner would; the end state is checked (exact effect ops for one-connector and three-forests).
    3. Contract details: one result line, exit codes, arrays that stay arrays, deduplication per
       attempt, 'abandon' never deduplicated, abandonKey refuses while the service runs,
       failure categories, secrets never printed.
    Prints 'N passed, N failed' last; exit code 1 when anything failed.
    -Scenario a,b runs only those scenarios; -KeepStates <dir> keeps each scenario's end state.
    pwsh is found from $env:RUNBOOK_PWSH, else on PATH, else /tmp/pwsh/pwsh.
#>
param(
    # Only these scenarios (names, or one comma-separated string).
    [string[]]$Scenario = @(),
    # Copy each scenario's end state to <dir>/<scenario>.json (to compare with the TS simulator).
    [string]$KeepStates = ''
)

$ErrorActionPreference = 'Stop'
# -File passes "a,b" as one string.
$Scenario = @($Scenario | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$root = $PSScriptRoot
$repo = Split-Path -Parent (Split-Path -Parent (Split-Path -Parent $root))
$scriptsDir = $root
$simHost = Join-Path $root 'sim-host'
$manualDir = Join-Path $simHost 'manual'
$scenarioDir = Join-Path (Join-Path (Join-Path (Join-Path $repo 'runners') 'simulator') 'aadconnect-encryption-key') 'scenarios'
$miiskmu = Join-Path (Join-Path (Join-Path $simHost 'install') 'Bin') 'miiskmu.exe'

$pwshExe = $env:RUNBOOK_PWSH
if (-not $pwshExe) {
    $cmd = Get-Command -Name pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($cmd) { $pwshExe = $cmd.Source } else { $pwshExe = '/tmp/pwsh/pwsh' }
}

$SECRETS = @{ adds = 'Forest-Pass-2026!'; addsWrong = 'Wrong-Forest-Pass-1'; entra = 'Entra-Admin-Pa$$-9' }
$ADMIN = 'admin@contoso.onmicrosoft.com'

$script:Passed = 0
$script:Failed = 0
$script:AllOutput = New-Object System.Text.StringBuilder

function Check([string]$Name, [bool]$Condition, [string]$Detail = '') {
    if ($Condition) {
        $script:Passed++
        Write-Host "PASS  $Name"
    } else {
        $script:Failed++
        $extra = ''
        if ($Detail) { $extra = "`n      $Detail" }
        Write-Host "FAIL  $Name$extra"
    }
}

$work = Join-Path ([System.IO.Path]::GetTempPath()) ('runbook-ps-selftest-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $work
# A private copy of the scripts, as the runner does before running them.
$copy = Join-Path $work 'scripts'
$null = New-Item -ItemType Directory -Path $copy
Copy-Item -Path (Join-Path $scriptsDir '*.ps1') -Destination $copy
# and the runner kind's step contract, which the runner ships beside every script
Copy-Item -LiteralPath (Join-Path (Split-Path -Parent $scriptsDir) 'step-contract.ps1') -Destination $copy

Import-Module (Join-Path (Join-Path $simHost 'ADSync') 'ADSync.psd1') -DisableNameChecking -Force

function New-State([string]$Name) {
    $path = Join-Path $work "$Name-$([guid]::NewGuid().ToString('N').Substring(0, 8)).json"
    New-ADSyncSimState -ScenarioPath (Join-Path $scenarioDir "$Name.json") -StatePath $path
    return $path
}

function Read-State([string]$Path) { return (Get-Content -Raw -LiteralPath $Path | ConvertFrom-Json -DateKind String) }

function Get-Ops([string]$Path) { return @((Read-State $Path).effects | ForEach-Object { [string]$_.op }) }

# Runs one script as a separate pwsh process; returns exit code, parsed result, raw line, stderr.
function Invoke-Script {
    param([string]$Path, [string]$StatePath, [string[]]$Arguments = @(), [string]$Stdin = $null, [hashtable]$Env = @{})
    $psi = New-Object System.Diagnostics.ProcessStartInfo
    $psi.FileName = $pwshExe
    foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $Path) + $Arguments) { $psi.ArgumentList.Add([string]$a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.Environment['RUNBOOK_SIM_STATE'] = $StatePath
    $psi.Environment['PSModulePath'] = $simHost + [System.IO.Path]::PathSeparator + [string]$env:PSModulePath
    $psi.Environment['PATH'] = (Split-Path -Parent $pwshExe) + [System.IO.Path]::PathSeparator + [string]$env:PATH
    foreach ($k in $Env.Keys) { $psi.Environment[$k] = [string]$Env[$k] }
    $p = [System.Diagnostics.Process]::Start($psi)
    $outTask = $p.StandardOutput.ReadToEndAsync()
    $errTask = $p.StandardError.ReadToEndAsync()
    if ($null -ne $Stdin) { $p.StandardInput.WriteLine($Stdin) }
    $p.StandardInput.Close()
    if (-not $p.WaitForExit(120000)) { $p.Kill($true); throw "timeout running $Path" }
    $p.WaitForExit()
    $stdout = $outTask.Result
    $stderr = $errTask.Result
    [void]$script:AllOutput.AppendLine($stdout).AppendLine($stderr)
    $lines = @($stdout -split "`r?`n" | Where-Object { $_ -ne '' })
    $resultLines = @($lines | Where-Object { $_.StartsWith('RUNBOOK-RESULT ') })
    $result = $null
    $raw = $null
    if ($resultLines.Count -eq 1) {
        $raw = $resultLines[0].Substring('RUNBOOK-RESULT '.Length)
        try { $result = $raw | ConvertFrom-Json } catch { $result = $null }
    }
    return [pscustomobject]@{
        Code = $p.ExitCode; Result = $result; Raw = $raw; Stdout = $stdout; Stderr = $stderr
        OneLine = ($lines.Count -eq 1 -and $resultLines.Count -eq 1)
    }
}

function Invoke-Step([string]$Step, [string]$StatePath, [string]$AttemptId, [string[]]$Extra = @(), [string]$Stdin = $null, [hashtable]$Env = @{}) {
    $args2 = @('-AttemptId', $AttemptId, '-StepId', $Step, '-PollIntervalSeconds', '0', '-TimeoutSeconds', '60') + $Extra
    return Invoke-Script -Path (Join-Path $copy "$Step.ps1") -StatePath $StatePath -Arguments $args2 -Stdin $Stdin -Env $Env
}

function Invoke-Manual([string]$Step, [string]$StatePath, [string]$AttemptId, [string[]]$Extra = @(), [string]$Stdin = $null) {
    $args2 = @('-AttemptId', $AttemptId, '-StepId', $Step) + $Extra
    return Invoke-Script -Path (Join-Path $manualDir "$Step.ps1") -StatePath $StatePath -Arguments $args2 -Stdin $Stdin
}

function Test-Contract([string]$Label, $Run) {
    $ok = $Run.OneLine -and $null -ne $Run.Result
    $codeOk = $ok -and (($Run.Result.ok -and $Run.Code -eq 0) -or (-not $Run.Result.ok -and $Run.Code -eq 1))
    Check "$Label prints one RUNBOOK-RESULT line, exit code matches ok" ($ok -and $codeOk) ("exit $($Run.Code); stdout: $($Run.Stdout.Trim()); stderr: $($Run.Stderr.Trim())")
}

# ---------------------------------------------------------------------------------------------
# 1. Parsing and Windows PowerShell 5.1 compatibility
# ---------------------------------------------------------------------------------------------

Write-Host '--- parse and 5.1 compatibility'
$files = @(Get-ChildItem -LiteralPath $root -Recurse -File | Where-Object { $_.Extension -in @('.ps1', '.psm1', '.psd1') })
foreach ($f in $files) {
    $tokens = $null; $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseFile($f.FullName, [ref]$tokens, [ref]$errors)
    Check "parses: $($f.FullName.Substring($root.Length + 1))" ($errors.Count -eq 0) (($errors | ForEach-Object { "$($_.Extent.StartLineNumber): $($_.Message)" }) -join '; ')
}
$tokens = $null; $errors = $null
$null = [System.Management.Automation.Language.Parser]::ParseInput((Get-Content -Raw -LiteralPath $miiskmu), [ref]$tokens, [ref]$errors)
Check 'parses: sim-host/install/Bin/miiskmu.exe' ($errors.Count -eq 0)
Check 'miiskmu.exe stand-in is executable with a pwsh shebang' ((Get-Content -LiteralPath $miiskmu -TotalCount 1) -eq '#!/usr/bin/env pwsh' -and ((Get-Item -LiteralPath $miiskmu).UnixMode -match 'x'))

$lintFiles = @(Get-ChildItem -LiteralPath $scriptsDir -File -Filter '*.ps1') + @(Get-ChildItem -LiteralPath $manualDir -File -Filter '*.ps1')
foreach ($f in $lintFiles) {
    $report = & pwsh -NoProfile -File (Join-Path (Split-Path -Parent $PSScriptRoot) 'lint-ps51.ps1') $f.FullName | ConvertFrom-Json
    $problems = @($report.problems) + @($report.parseErrors)
    Check "Windows PowerShell 5.1 syntax: $($f.Name)" ($problems.Count -eq 0) ($problems -join '; ')
    $text = Get-Content -Raw -LiteralPath $f.FullName
    if ($f.Name -ne '_common.ps1') {
        Check "$($f.Name) dot-sources _common.ps1 and imports ADSync first" ($text -match "\. \(Join-Path" -and $text -match 'Invoke-Step' -and $text -match '-Body \{\s*Import-ADSyncModule')
    }
}
$commonText = Get-Content -Raw -LiteralPath (Join-Path $scriptsDir '_common.ps1')
Check '_common.ps1 imports the module with Import-Module ADSync -ErrorAction Stop' ($commonText -match 'Import-Module ADSync -ErrorAction Stop')

# ---------------------------------------------------------------------------------------------
# 2. Every scenario through the machine's order
# ---------------------------------------------------------------------------------------------

# The transitions of machines/aadconnect-encryption-key.ts, step by step through the scripts.
function Invoke-Runbook([string]$Name, [string]$StatePath, [string]$ServerName) {
    $ctx = @{ server = $null; facts = $null; pending = @(); entraDone = $false; verifyRounds = 0 }
    $passwords = New-Object System.Collections.Generic.Queue[string]
    if ($Name -eq 'wrong-password-first-try') { $passwords.Enqueue($SECRETS.addsWrong) }
    $trace = New-Object System.Collections.Generic.List[string]
    $runs = @{}
    $stateId = 'detect'
    $seq = 0
    while ($true) {
        $seq++
        if ($seq -gt 60) { return [pscustomobject]@{ Final = 'loop'; Trace = $trace; Runs = $runs } }
        $attempt = "$Name-$seq-$stateId"
        if (@('done', 'nothingToDo', 'localDbFull', 'unknownSymptom', 'verifyFailed', 'aborted') -contains $stateId) {
            return [pscustomobject]@{ Final = $stateId; Trace = $trace; Runs = $runs }
        }
        if ($stateId -eq 'confirmAbandon') {
            # The typed confirmation: the server name from detect.
            $trace.Add('confirmAbandon')
            if ([string]$ctx.server -ne $ServerName) { return [pscustomobject]@{ Final = 'aborted'; Trace = $trace; Runs = $runs } }
            $stateId = 'stopService'
            continue
        }
        $trace.Add($stateId)
        switch ($stateId) {
            'connectorPassword' {
                $pw = $SECRETS.adds
                if ($passwords.Count -gt 0) { $pw = $passwords.Dequeue() }
                $run = Invoke-Manual 'connectorPassword' $StatePath $attempt @('-Connector', $ctx.pending[0]) $pw
            }
            'fixServiceLogon' { $run = Invoke-Manual 'fixServiceLogon' $StatePath $attempt }
            'reinitEntraManual' { $run = Invoke-Manual 'reinitEntraManual' $StatePath $attempt }
            'reinitEntra' { $run = Invoke-Step 'reinitEntra' $StatePath $attempt @('-AdminUser', $ADMIN) $SECRETS.entra }
            default { $run = Invoke-Step $stateId $StatePath $attempt }
        }
        if (-not $runs.ContainsKey($stateId)) { $runs[$stateId] = New-Object System.Collections.Generic.List[object] }
        $runs[$stateId].Add($run)
        if (-not ($run.OneLine -and $null -ne $run.Result -and $run.Result.ok -and $run.Code -eq 0)) {
            $trace.Add("FAILED($stateId): $($run.Raw) $($run.Stderr)")
            return [pscustomobject]@{ Final = "failed:$stateId"; Trace = $trace; Runs = $runs }
        }
        $out = $run.Result.output
        switch ($stateId) {
            'detect' {
                $ctx.server = $out.server
                switch ($out.classification) {
                    'logon-failure' { $stateId = 'fixServiceLogon' }
                    'localdb-full' { $stateId = 'localDbFull' }
                    'healthy' { $stateId = 'nothingToDo' }
                    'key-unreadable' { $stateId = 'preChecks' }
                    default {
                        # staleConnectorsFound: the stale classification with a non-empty list.
                        if ($out.classification -eq 'stale-connector-credential' -and @($out.staleConnectors).Count -gt 0) {
                            $ctx.pending = @($out.staleConnectors); $ctx.entraDone = $true; $stateId = 'connectorPassword'
                        } else { $stateId = 'unknownSymptom' }
                    }
                }
            }
            'fixServiceLogon' { $stateId = 'detect' }
            'preChecks' { $ctx.facts = $out; $stateId = 'confirmAbandon' }
            'stopService' { $stateId = 'abandonKey' }
            'abandonKey' { $stateId = 'startNewKey' }
            'startNewKey' {
                $ctx.pending = @($out.connectors)
                if (@($out.connectors).Count -gt 0) { $stateId = 'connectorPassword' } else { $stateId = 'restartService' }
            }
            'connectorPassword' {
                $more = $ctx.pending.Count -gt 1
                $ctx.pending = @($ctx.pending | Select-Object -Skip 1)
                if ($more) { $stateId = 'connectorPassword' } else { $stateId = 'restartService' }
            }
            'restartService' {
                if (-not $ctx.entraDone -and ($null -eq $ctx.facts -or $ctx.facts.entraIdentity -ne 'Application')) { $stateId = 'reinitEntra' } else { $stateId = 'verify' }
            }
            'reinitEntra' {
                if ($null -ne $out -and $out.interactiveSignInRequired -eq $true) { $stateId = 'reinitEntraManual' }
                else { $ctx.entraDone = $true; $stateId = 'startAfterReinit' }
            }
            'reinitEntraManual' { $ctx.entraDone = $true; $stateId = 'startAfterReinit' }
            'startAfterReinit' { $stateId = 'verify' }
            'verify' {
                $failing = @($out.failingAdConnectors)
                if ($failing.Count -eq 0 -and $out.entraFailing -eq $false) { $stateId = 'done' }
                elseif ($ctx.verifyRounds -lt 3 -and $failing.Count -gt 0) { $ctx.pending = $failing; $ctx.verifyRounds++; $stateId = 'connectorPassword' }
                elseif ($ctx.verifyRounds -lt 3 -and $out.entraFailing -eq $true) { $ctx.entraDone = $false; $ctx.verifyRounds++; $stateId = 'reinitEntra' }
                else { $stateId = 'verifyFailed' }
            }
        }
    }
}

$expectedOps = @{
    'one-connector' = @('abandon', 'start', 'password:contoso.com', 'restart', 'entra', 'start-final', 'delta-sync')
    'three-forests' = @('abandon', 'start', 'password:contoso.com', 'password:fabrikam.com', 'password:corp.tailspin.net', 'restart', 'entra', 'start-final', 'delta-sync')
}

$scenarioFiles = @(Get-ChildItem -LiteralPath $scenarioDir -Filter '*.json' | Sort-Object Name)
foreach ($sf in $scenarioFiles) {
    $name = [System.IO.Path]::GetFileNameWithoutExtension($sf.Name)
    if ($Scenario.Count -gt 0 -and $Scenario -notcontains $name) { continue }
    Write-Host "--- scenario $name"
    $spec = Get-Content -Raw -LiteralPath $sf.FullName | ConvertFrom-Json
    $statePath = New-State $name
    $r = Invoke-Runbook $name $statePath ([string]$spec.server.name)
    $s = Read-State $statePath
    $ops = @($s.effects | ForEach-Object { [string]$_.op })
    if ($KeepStates) {
        $null = New-Item -ItemType Directory -Force -Path $KeepStates
        Copy-Item -LiteralPath $statePath -Destination (Join-Path $KeepStates "$name.json") -Force
    }
    Check "${name}: ends at $($spec.expect.final)" ($r.Final -eq $spec.expect.final) ("final $($r.Final); trace: $($r.Trace -join ' > ')")
    foreach ($k in $r.Runs.Keys) { foreach ($run in $r.Runs[$k]) { if (-not $run.OneLine) { Check "${name}: $k prints exactly one stdout line" $false $run.Stdout } } }
    $abandons = @($ops | Where-Object { $_ -eq 'abandon' }).Count
    $wantAbandons = 0
    if ($spec.expect.abandoned) { $wantAbandons = 1 }
    Check "${name}: 'abandon' recorded $wantAbandons time(s)" ($abandons -eq $wantAbandons) ($ops -join ', ')
    if ($spec.expect.final -eq 'done') {
        $lastRuns = @($s.runs | Select-Object -Last (@($s.connectors).Count + 1))
        $good = $s.service.status -eq 'Running' -and @($s.connectors | Where-Object { $_.password -ne 'valid' }).Count -eq 0 -and
            ($s.server.entraIdentity -ne 'ServiceAccount' -or $s.entraCredential -eq 'valid') -and
            @($lastRuns | Where-Object { $_.result -ne 'success' }).Count -eq 0 -and $s.key -eq 'readable'
        Check "${name}: service Running, key readable, every credential valid, last cycle all success" $good (ConvertTo-Json -InputObject $s -Depth 6 -Compress)
        $wantGeneration = 1
        if ($spec.expect.abandoned) { $wantGeneration = 2 }
        Check "${name}: key generation $wantGeneration" ([long]$s.keyGeneration -eq $wantGeneration) "keyGeneration $($s.keyGeneration)"
    }
    if ($spec.expect.final -eq 'nothingToDo' -or $spec.expect.final -eq 'localDbFull') {
        Check "${name}: nothing stopped, abandoned or re-entered" (@($ops | Where-Object { $_ -eq 'stop' -or $_ -eq 'abandon' -or $_.StartsWith('password:') }).Count -eq 0) ($ops -join ', ')
    }
    if ($expectedOps.ContainsKey($name)) {
        Check "${name}: effect ops in order = $($expectedOps[$name] -join ', ')" ((($ops -join '|') -eq ($expectedOps[$name] -join '|'))) ($ops -join ', ')
        $names = @($s.connectors | ForEach-Object { $_.name })
        $startRaw = $r.Runs['startNewKey'][0].Raw
        Check "${name}: startNewKey output lists the connectors as an array" ($startRaw -match ('"output":\{"connectors":\[' + (($names | ForEach-Object { '"' + [regex]::Escape($_) + '"' }) -join ',') + '\]\}')) $startRaw
        $passwordSteps = @($s.effects | Where-Object { $_.op -like 'password:*' })
        Check "${name}: one password attempt per connector, each with its own attempt id" (@($passwordSteps | ForEach-Object { $_.attemptId } | Sort-Object -Unique).Count -eq $names.Count)
        Check "${name}: effects carry step ids" (@($s.effects | Where-Object { -not $_.stepId -or -not $_.attemptId }).Count -eq 0)
    }
    switch ($name) {
        'one-connector' {
            $d = $r.Runs['detect'][0]
            Check 'one-connector: detect output is exactly {classification, server, staleConnectors:[]}' ($d.Raw -match '"output":\{"classification":"key-unreadable","server":"AADC01","staleConnectors":\[\]\}') $d.Raw
            $p = $r.Runs['preChecks'][0]
            Check 'one-connector: preChecks output' ($p.Raw -match '"output":\{"build":"1\.1\.443\.0","accountType":"domain","accountName":"CONTOSO\\\\svc-adsync","stagingMode":false,"entraIdentity":"ServiceAccount"\}') $p.Raw
            Check 'one-connector: preChecks evidence names the old build' ((@($p.Result.evidence) -join "`n") -match '1\.1\.443\.0 or older')
            $v = $r.Runs['verify'][0]
            Check 'one-connector: verify output {failingAdConnectors:[], entraFailing:false}' ($v.Raw -match '"output":\{"failingAdConnectors":\[\],"entraFailing":false\}') $v.Raw
            Check 'one-connector: the stop of a stopped service records nothing' (@($ops | Where-Object { $_ -eq 'stop' }).Count -eq 0)
        }
        'busy-sync' {
            $st = $r.Runs['stopService'][0]
            Check 'busy-sync: stopService waited for the sync run, then stopped (op stop)' ((@($st.Result.evidence) -join ' ') -match 'waited until idle \(2 busy polls\)' -and $ops[0] -eq 'stop' -and [long]$s.busyPolls -eq 0) ((@($st.Result.evidence) -join ' | ') + ' / ' + ($ops -join ','))
        }
        'wrong-password-first-try' {
            $vs = $r.Runs['verify']
            Check 'wrong-password-first-try: first verify fails the connector, the last is clean' ($vs[0].Raw -match '"failingAdConnectors":\["contoso.com"\]' -and $vs[$vs.Count - 1].Raw -match '"failingAdConnectors":\[\],"entraFailing":false') (($vs | ForEach-Object { $_.Raw }) -join ' / ')
            Check 'wrong-password-first-try: two password entries, one entra' (@($ops | Where-Object { $_ -eq 'password:contoso.com' }).Count -eq 2 -and @($ops | Where-Object { $_ -eq 'entra' }).Count -eq 1) ($ops -join ', ')
        }
        'entra-admin-mfa' {
            $re = $r.Runs['reinitEntra'][0]
            Check 'entra-admin-mfa: reinitEntra outputs {interactiveSignInRequired:true}, then the manual step' ($re.Raw -match '"output":\{"interactiveSignInRequired":true\}' -and $r.Trace -contains 'reinitEntraManual') $re.Raw
        }
        'new-build-virtual-account' {
            $p = $r.Runs['preChecks'][0]
            Check 'new-build-virtual-account: preChecks sees a virtual account and application identity' ($p.Raw -match '"accountType":"virtual"' -and $p.Raw -match '"entraIdentity":"Application"' -and (@($p.Result.evidence) -join ' ') -match 'application identity') $p.Raw
            Check 'new-build-virtual-account: the Entra step is not run, no entra op' ($r.Trace -notcontains 'reinitEntra' -and $ops -notcontains 'entra') ($ops -join ', ')
            $ne = Invoke-Step 'reinitEntra' $statePath 'x-entra' @('-AdminUser', $ADMIN) $SECRETS.entra
            Test-Contract 'reinitEntra (application identity)' $ne
            Check 'reinitEntra with application identity: ok, output null, nothing recorded' ($ne.Result.ok -and $null -eq $ne.Result.output -and (Get-Ops $statePath) -notcontains 'entra') $ne.Raw
        }
        'staging-server' {
            $p = $r.Runs['preChecks'][0]
            Check 'staging-server: preChecks reports staging mode with a warning' ($p.Raw -match '"stagingMode":true' -and (@($p.Result.evidence) -join ' ') -match 'STAGING') $p.Raw
        }
        'stale-connector' {
            $d = $r.Runs['detect'][0]
            Check 'stale-connector: detect names the stale connector only' ($d.Raw -match '"classification":"stale-connector-credential","server":"AADC01","staleConnectors":\["fabrikam.com"\]') $d.Raw
            Check 'stale-connector: ops password:fabrikam.com, restart, delta-sync' (($ops -join '|') -eq 'password:fabrikam.com|restart|delta-sync') ($ops -join ', ')
        }
        'logon-failure' {
            Check 'logon-failure: fix-logon, then healthy' ($r.Trace[0] -eq 'detect' -and $r.Trace[1] -eq 'fixServiceLogon' -and ($ops -join '|') -eq 'fix-logon') (($r.Trace -join ' > ') + ' / ' + ($ops -join ','))
        }
    }
}

# ---------------------------------------------------------------------------------------------
# 3. Contract details
# ---------------------------------------------------------------------------------------------

Write-Host '--- contract details'

# abandonKey refuses while the service runs.
$st = New-State 'healthy'
$before = Read-State $st
$ab = Invoke-Step 'abandonKey' $st 'k-running'
Test-Contract 'abandonKey (service running)' $ab
$after = Read-State $st
Check "abandonKey refuses while ADSync runs: category service-running" ($ab.Result.ok -eq $false -and $ab.Result.category -eq 'service-running' -and $ab.Code -eq 1) $ab.Raw
Check 'abandonKey refusal changes nothing (key, passwords, effects)' ($after.key -eq 'readable' -and @($after.effects).Count -eq 0 -and @($after.connectors | Where-Object { $_.password -ne 'valid' }).Count -eq 0 -and $after.entraCredential -eq 'valid')
Check 'abandonKey refusal evidence has the 80131600 text' ((@($ab.Result.evidence) -join ' ') -match 'server service was started\. Error Code: 80131600') $ab.Raw

# miiskmu.exe stand-in, directly.
$psi = New-Object System.Diagnostics.ProcessStartInfo $miiskmu
$psi.ArgumentList.Add('/a')
$psi.UseShellExecute = $false; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
$psi.Environment['RUNBOOK_SIM_STATE'] = $st
$psi.Environment['PATH'] = (Split-Path -Parent $pwshExe) + [System.IO.Path]::PathSeparator + [string]$env:PATH
$mp = [System.Diagnostics.Process]::Start($psi)
$mout = $mp.StandardOutput.ReadToEnd(); $null = $mp.StandardError.ReadToEnd(); $mp.WaitForExit()
Check 'miiskmu.exe /a while running: exit 1 with the 80131600 text' ($mp.ExitCode -eq 1 -and $mout -match 'The operation failed because server service was started\. Error Code: 80131600') "exit $($mp.ExitCode): $mout"

# Deduplication per (attempt, op); 'abandon' never deduplicated.
$r1 = Invoke-Step 'restartService' $st 'r-1'
$r2 = Invoke-Step 'restartService' $st 'r-1'
$r3 = Invoke-Step 'restartService' $st 'r-2'
Test-Contract 'restartService' $r1
Check 'restartService twice in one attempt records one restart; a new attempt another' ((@(Get-Ops $st | Where-Object { $_ -eq 'restart' }).Count -eq 2) -and $r2.Result.ok -and $r3.Result.ok) ((Get-Ops $st) -join ', ')
$n1 = Invoke-Step 'startNewKey' $st 'n-1'
Check 'startNewKey on a running service: ok, no start recorded' ($n1.Result.ok -and (Get-Ops $st) -notcontains 'start') ((Get-Ops $st) -join ', ')
$s1 = Invoke-Step 'stopService' $st 's-1'
$s2 = Invoke-Step 'stopService' $st 's-2'
Check 'stopService records stop once; stopping a stopped service records nothing' ($s1.Result.ok -and $s2.Result.ok -and @(Get-Ops $st | Where-Object { $_ -eq 'stop' }).Count -eq 1) ((Get-Ops $st) -join ', ')
$k1 = Invoke-Step 'abandonKey' $st 'k-1'
$k2 = Invoke-Step 'abandonKey' $st 'k-1'
$stNow = Read-State $st
Check "abandon is never deduplicated: two runs of one attempt, two 'abandon' effects" ($k1.Result.ok -and $k2.Result.ok -and @(Get-Ops $st | Where-Object { $_ -eq 'abandon' }).Count -eq 2 -and $stNow.key -eq 'abandoned' -and $stNow.entraCredential -eq 'none' -and @($stNow.connectors | Where-Object { $_.password -ne 'none' }).Count -eq 0) ((Get-Ops $st) -join ', ')
$abandonEffect = @($stNow.effects | Where-Object { $_.op -eq 'abandon' })[0]
Check 'the abandon effect carries the attempt and step id passed to miiskmu.exe' ($abandonEffect.attemptId -eq 'k-1' -and $abandonEffect.stepId -eq 'abandonKey') (ConvertTo-Json $abandonEffect -Compress)
$v0 = Invoke-Step 'verify' $st 'v-0'
Check 'verify on a stopped service: category service-stopped' ($v0.Result.ok -eq $false -and $v0.Result.category -eq 'service-stopped') $v0.Raw
$n2 = Invoke-Step 'startNewKey' $st 'n-2'
Check 'startNewKey after the abandon: new key generation, start recorded' ($n2.Result.ok -and (Read-State $st).keyGeneration -eq 2 -and (Get-Ops $st) -contains 'start') $n2.Raw
$cp0 = Invoke-Step 'connectorPassword.after' $st 'c-0' @('-Connector', 'contoso.com', '-ReportOnly')
Test-Contract 'connectorPassword.after' $cp0
Check 'connectorPassword.after -ReportOnly before the password: canRun false (no-start-credentials)' ($cp0.Result.ok -and $cp0.Result.output.canRun -eq $false -and $cp0.Result.output.lastResult -eq 'no-start-credentials') $cp0.Raw
$pw1 = Invoke-Manual 'connectorPassword' $st 'p-1' @('-Connector', 'contoso.com') $SECRETS.adds
$pw2 = Invoke-Manual 'connectorPassword' $st 'p-1' @('-Connector', 'contoso.com') $SECRETS.adds
Check 'the manual password stand-in records password:contoso.com once per attempt' ($pw1.Result.ok -and $pw2.Result.ok -and @(Get-Ops $st | Where-Object { $_ -eq 'password:contoso.com' }).Count -eq 1) ((Get-Ops $st) -join ', ')
$cp1 = Invoke-Step 'connectorPassword.after' $st 'c-1' @('-Connector', 'contoso.com')
Check 'connectorPassword.after after the password: canRun, succeeded' ($cp1.Result.ok -and $cp1.Result.output.canRun -eq $true -and $cp1.Result.output.succeeded -eq $true -and $cp1.Result.output.lastRunAt -gt 0) $cp1.Raw
$cpx = Invoke-Step 'connectorPassword.after' $st 'c-2' @('-Connector', 'nope.example', '-ReportOnly')
Check 'connectorPassword.after on an unknown connector: category unknown-connector' ($cpx.Result.ok -eq $false -and $cpx.Result.category -eq 'unknown-connector') $cpx.Raw
$ps = Invoke-Step 'pauseScheduler' $st 'sch-1'
$rs = Invoke-Step 'resumeScheduler' $st 'sch-2'
Check 'pauseScheduler / resumeScheduler: syncCycleEnabled false, then true' ($ps.Raw -match '"output":\{"syncCycleEnabled":false\}' -and $rs.Raw -match '"output":\{"syncCycleEnabled":true\}') ($ps.Raw + ' / ' + $rs.Raw)
$ne = Invoke-Step 'reinitEntra' $st 'e-0' @('-AdminUser', $ADMIN)
Check 'reinitEntra without a password on stdin: category secret-missing' ($ne.Result.ok -eq $false -and $ne.Result.category -eq 'secret-missing') $ne.Raw

# Start failures and their categories.
$lf = New-State 'logon-failure'
$sl = Invoke-Step 'startNewKey' $lf 'l-1'
Check 'startNewKey with a bad service logon: category logon-failure, Event 7038 logged, nothing recorded' ($sl.Result.ok -eq $false -and $sl.Result.category -eq 'logon-failure' -and @((Read-State $lf).events | Where-Object { $_.id -eq 7038 }).Count -eq 2 -and @(Get-Ops $lf).Count -eq 0) $sl.Raw
$ku = New-State 'one-connector'
$sk = Invoke-Step 'startNewKey' $ku 'u-1'
$kuState = Read-State $ku
Check 'startNewKey with an unreadable key: category key-unreadable, a new 6028 at the new lastStartAt' ($sk.Result.ok -eq $false -and $sk.Result.category -eq 'key-unreadable' -and @($kuState.events | Where-Object { $_.id -eq 6028 -and [long]$_.at -eq [long]$kuState.service.lastStartAt }).Count -eq 1) $sk.Raw

# Arguments.
$na = Invoke-Script -Path (Join-Path $copy 'detect.ps1') -StatePath $ku -Arguments @('-StepId', 'detect')
Test-Contract 'detect without -AttemptId' $na
Check 'detect without -AttemptId: category bad-arguments' ($na.Result.ok -eq $false -and $na.Result.category -eq 'bad-arguments') $na.Raw
$ua = Invoke-Step 'detect' $ku 'd-x' @('-Bogus', 'x')
Check 'an unknown argument: category bad-arguments' ($ua.Result.ok -eq $false -and $ua.Result.category -eq 'bad-arguments') $ua.Raw
$nm = Invoke-Step 'detect' $ku 'd-y' @() $null @{ PSModulePath = (Join-Path $work 'no-modules') }
Check 'no ADSync module: category module-missing' ($nm.Result.ok -eq $false -and $nm.Result.category -eq 'module-missing') $nm.Raw

# A real server answers no configuration query while the service is stopped.
$strict = New-State 'one-connector'
$pc = Invoke-Step 'preChecks' $strict 'pc-1' @() $null @{ RUNBOOK_SIM_STRICT = '1' }
Check 'preChecks with the service stopped (strict sim): ok, stagingMode null, entraIdentity unknown' ($pc.Result.ok -and $pc.Raw -match '"stagingMode":null,"entraIdentity":"unknown"') $pc.Raw
$dt = Invoke-Step 'detect' $strict 'dt-1' @() $null @{ RUNBOOK_SIM_STRICT = '1' }
Check 'detect with the service stopped (strict sim): key-unreadable all the same' ($dt.Result.ok -and $dt.Result.output.classification -eq 'key-unreadable') $dt.Raw

# The secrets never appear in any output or evidence.
$all = $script:AllOutput.ToString()
Check 'no secret appears on stdout or stderr of any script' (-not $all.Contains($SECRETS.adds) -and -not $all.Contains($SECRETS.addsWrong) -and -not $all.Contains($SECRETS.entra))

Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
Write-Host ''
Write-Host "$($script:Passed) passed, $($script:Failed) failed"
if ($script:Failed -gt 0) { exit 1 }
exit 0
