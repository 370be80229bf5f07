<#
.SYNOPSIS
    Step 'abandonKey' (DESTRUCTIVE, not idempotent): miiskmu.exe /a abandons the encryption key.
.DESCRIPTION
    Runs <Location>\Bin\miiskmu.exe /a, Location from HKLM:\SOFTWARE\Microsoft\AD Sync (fallback
    $env:ProgramFiles\Microsoft Azure AD Sync\Bin). Success = exit code 0 and no "80131600" in
    its output (there is no documented success text). While the service runs it refuses with
    "The operation failed because server service was started. Error Code: 80131600": failure
    category 'service-running'. RUNBOOK_ATTEMPT_ID / RUNBOOK_STEP_ID are set for the child only
    (the simulated host records its effect with them). Output: null.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        $loc = Get-InstallLocation
        $bin = $null
        if ($loc) { $bin = Join-Path $loc 'Bin' }
        elseif ($env:ProgramFiles) { $bin = Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync\Bin' }
        if (-not $bin) { Stop-Step 'the sync engine install folder is unknown (no AD Sync Location in the registry, no ProgramFiles)' 'not-found' }
        $exe = Join-Path $bin 'miiskmu.exe'
        if (-not (Test-Path -LiteralPath $exe -PathType Leaf)) { Stop-Step "miiskmu.exe not found at $exe" 'not-found' }
        $svc = Get-ADSyncServiceState
        Add-Evidence "ADSync is $($svc.Status); running $exe /a"

        $oldAttempt = $env:RUNBOOK_ATTEMPT_ID
        $oldStep = $env:RUNBOOK_STEP_ID
        $oldPreference = $ErrorActionPreference
        $lines = @()
        $code = $null
        try {
            $env:RUNBOOK_ATTEMPT_ID = $global:RunbookAttemptId
            $env:RUNBOOK_STEP_ID = $global:RunbookStepId
            # Native stderr must not become a terminating error (Windows PowerShell 5.1 with 2>&1).
            $ErrorActionPreference = 'Continue'
            $lines = @(& $exe /a 2>&1 | ForEach-Object { [string]$_ })
            $code = $LASTEXITCODE
        } finally {
            $ErrorActionPreference = $oldPreference
            $env:RUNBOOK_ATTEMPT_ID = $oldAttempt
            $env:RUNBOOK_STEP_ID = $oldStep
        }
        $text = (($lines | Where-Object { $_.Trim() -ne '' }) -join ' | ')
        if ($text) { Add-Evidence "miiskmu.exe output: $text" }
        Add-Evidence "miiskmu.exe exit code: $code"
        if ($text -match '80131600') {
            Stop-Step 'miiskmu.exe /a refused: the operation failed because server service was started (Error Code: 80131600). Stop ADSync first.' 'service-running'
        }
        if ($code -ne 0) { Stop-Step "miiskmu.exe /a failed with exit code $code" 'abandon-failed' }
        Add-Evidence 'miiskmu.exe /a exited 0 without error text: the key is abandoned'
    })
