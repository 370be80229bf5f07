<#
.SYNOPSIS
    Step 'precheckPassword' (optional, changes nothing): does the new password sign in to the forest?
.DESCRIPTION
    -Connector <AD connector> -Account <DOMAIN\user>; the new password arrives on STDIN (one line).
    Calls Test-AdSyncUserHasPermissions with a credential built from it (documented to check the
    connector account's permissions with a given credential; using it as a password test is an
    inference): a sign-in refusal fails with 'password-refused'. A sign-in that works but a
    permission read that says no is reported, not failed (permissions are another procedure).
    Output: null. Categories: bad-arguments, secret-missing, unknown-connector, password-refused, check-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Connector = '',
    [string]$Account = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        $plain = [Console]::In.ReadLine()
        if (-not $Connector) { Stop-Step 'the parameter -Connector is required' 'bad-arguments' }
        if ($null -eq $plain) { Stop-Step 'no password arrived on stdin (one line expected)' 'secret-missing' }
        Import-ADSyncModule
        $c = Get-ADConnectorByName $Connector
        $who = Get-ConnectorAccount $c
        $forest = Get-ConnectivityValue $c 'forest-name'
        $baseDn = 'DC=' + (($forest.Split('.') | Where-Object { $_ }) -join ',DC=')
        $secure = New-Object System.Security.SecureString
        foreach ($ch in $plain.ToCharArray()) { $secure.AppendChar($ch) }
        $plain = $null
        $secure.MakeReadOnly()
        $cred = New-Object System.Management.Automation.PSCredential ($who, $secure)
        Write-StepProgress "signing in to $forest as $who"
        try {
            $ok = Test-AdSyncUserHasPermissions -ForestFqdn $forest -AdConnectorId $c.Identifier -AdConnectorCredential $cred -BaseDn $baseDn -PropertyType 'Allowed-Attributes' -PropertyValue 'pwdLastSet' -ErrorAction Stop
        } catch {
            $m = [string]$_.Exception.Message
            if ($m -match '(?i)password|credential|logon failure|1326|invalid') { Stop-Step "the forest $forest refused $who with this password: $m" 'password-refused' }
            Stop-Step "Test-AdSyncUserHasPermissions failed: $m" 'check-failed'
        }
        Add-Evidence "$who signed in to $forest with the new password; nothing stored"
        if ($ok -eq $false) { Add-Evidence 'the account could not read pwdLastSet under the domain root: check its permissions separately' }
    })
