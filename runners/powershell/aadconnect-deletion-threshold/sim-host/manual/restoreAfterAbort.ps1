<#
.SYNOPSIS
    SIMULATION ONLY: plays the operator's guided step 'restoreAfterAbort' at the simulated server's console
    (the Entra sign-in of the threshold cmdlet always succeeds here).
.DESCRIPTION
    -ThresholdBefore <n>: Enable-ADSyncExportDeletionThreshold -DeletionThreshold <n>, the value recorded at detect (op restore).
    Same result-line contract as the step scripts. Output: null.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Server = '',
    [string]$RaiseTo = '',
    [string]$ThresholdBefore = '',
    [string]$SignInArgs = ''
)
$ErrorActionPreference = 'Stop'
$common = Join-Path $PSScriptRoot '_common.ps1'
if (-not (Test-Path -LiteralPath $common)) { $common = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) '_common.ps1' }
try { . $common } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        # the operator signs in with the parameter this build has (detected with Get-Command)
        $keys = @((Get-Command -Name Enable-ADSyncExportDeletionThreshold).Parameters.Keys)
        $signIn = @{}
        if ($keys -contains 'AADUserName') { $signIn['AADUserName'] = 'admin@contoso.onmicrosoft.com' }
        elseif ($keys -contains 'AADCredential') { $signIn['AADCredential'] = New-Object System.Management.Automation.PSCredential ('admin@contoso.onmicrosoft.com', (New-Object System.Security.SecureString)) }
        Enable-ADSyncExportDeletionThreshold -DeletionThreshold ([int]$ThresholdBefore) @signIn
        Add-Evidence "Enable-ADSyncExportDeletionThreshold -DeletionThreshold ${ThresholdBefore}: the threshold is enabled at ${ThresholdBefore} again (signed in as the operator)"
    })
