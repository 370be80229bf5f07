<#
.SYNOPSIS
    SIMULATION ONLY: plays the operator's GUI step 'connectorPassword' on the simulated host
    (Synchronization Service Manager > Connectors > <connector> > Properties > Connect to Active
    Directory Forest > Password).
.DESCRIPTION
    -Connector <name>; the password is read from STDIN (one line), as the flagship's stand-in.
    Calls Set-ADSyncSimConnectorPassword: op 'password:<name>' (once per attempt). Output: null.
    Categories: bad-arguments, secret-missing, service-stopped, unknown-connector.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Server = '',
    [string]$Connector = '',
    [string]$Account = ''
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
        $plain = [Console]::In.ReadLine()
        if (-not $Connector) { Stop-Step 'the parameter -Connector is required' 'bad-arguments' }
        if ($null -eq $plain) { Stop-Step 'no password arrived on stdin (one line expected)' 'secret-missing' }
        Import-ADSyncModule
        try {
            Set-ADSyncSimConnectorPassword -Connector $Connector -Password $plain
        } catch {
            $category = 'failed'
            if ($_.Exception.Data.Contains('AdsyncSimCategory')) { $category = [string]$_.Exception.Data['AdsyncSimCategory'] }
            Stop-Step $_.Exception.Message $category
        } finally {
            $plain = $null
        }
        Add-Evidence "password typed for $Connector ($Account); the delta import after the restart checks it"
    })
