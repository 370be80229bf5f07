<#
.SYNOPSIS
    After the guided step 'connectorPassword' (run once the operator confirms): is the connector
    still set up with the same account?
.DESCRIPTION
    -Connector <AD connector> -Account <DOMAIN\user the runbook showed>. The stored password cannot
    be read back (it is encrypted), so this checks what can go wrong by mistake in the same dialog:
    the user name or domain changed ('account-changed'). Whether the password works is told by the
    delta import after the restart. Read-only. Output: {"connector","account"}.
    Categories: bad-arguments, unknown-connector, account-changed.
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
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        if (-not $Connector) { Stop-Step 'the parameter -Connector is required' 'bad-arguments' }
        Import-ADSyncModule
        $c = Get-ADConnectorByName $Connector
        $now = Get-ConnectorAccount $c
        Add-Evidence "$Connector now signs in as $now"
        if ($Account -and $now -ne $Account) { Stop-Step "$Connector now uses $now instead of ${Account}: the user name was changed in the dialog; open it again and put $Account back" 'account-changed' }
        Set-StepOutput ([ordered]@{ connector = $Connector; account = $now })
    })
