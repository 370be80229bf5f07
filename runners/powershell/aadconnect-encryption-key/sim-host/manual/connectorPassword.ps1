<#
.SYNOPSIS
    SIMULATION ONLY: carries out the manual step 'connectorPassword' on the simulated host, as an
    operator would in Synchronization Service Manager (Connectors > <connector> > Properties >
    Connect to Active Directory Forest).
.DESCRIPTION
    -Connector <name>; the AD DS password is read from STDIN (one line). Calls
    Set-ADSyncSimConnectorPassword: op 'password:<name>' (once per attempt). Same result-line
    contract as the step scripts. Output: null. Categories: service-stopped, unknown-connector,
    secret-missing, bad-arguments.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Connector = ''
)
$ErrorActionPreference = 'Stop'
# run from a runner's temp folder, _common.ps1 sits beside it; from the repository, two folders up
$common = Join-Path $PSScriptRoot '_common.ps1'
if (-not (Test-Path -LiteralPath $common)) { $common = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) '_common.ps1' }
try { . $common } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        $plain = [Console]::In.ReadLine()
        if (-not $Connector) { Stop-Step 'the parameter -Connector is required' 'bad-arguments' }
        if ($null -eq $plain) { Stop-Step 'no AD DS password arrived on stdin (one line expected)' 'secret-missing' }
        try {
            $r = Set-ADSyncSimConnectorPassword -Connector $Connector -Password $plain
        } catch {
            $category = 'failed'
            if ($_.Exception.Data.Contains('AdsyncSimCategory')) { $category = [string]$_.Exception.Data['AdsyncSimCategory'] }
            Stop-Step $_.Exception.Message $category
        } finally {
            $plain = $null
        }
        Add-Evidence "password entered for $Connector; it is checked by the verify sync"
    })
