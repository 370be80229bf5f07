<#
.SYNOPSIS
    Step 'reinitEntra': Add-ADSyncAADServiceAccount -AADCredential with an Entra administrator.
.DESCRIPTION
    -AdminUser <UPN> is the administrator's user name; the PASSWORD IS READ FROM STDIN, one line
    ([Console]::In.ReadLine()), and never appears as a parameter, in output or in evidence.
    - Get-ADSyncEntraConnectorCredential says ConnectorIdentityType 'Application': the step does
      not apply; ok, output null.
    - The cmdlet fails with an MFA error (AADSTS50076, AADSTS50079, or "interactive"): ok with
      output {"interactiveSignInRequired":true} (the runbook continues with a guided manual step).
    - Otherwise success: ok, output null. Failure categories: secret-missing, bad-arguments,
      bad-credential (AADSTS50126), service-stopped, not-applicable, entra-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$AdminUser = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        # Read stdin first, always, so that the runner's write to stdin never meets a closed pipe.
        $secure = New-Object System.Security.SecureString
        $plain = $null
        try { $plain = [Console]::In.ReadLine() } catch { $plain = $null }
        if ($null -ne $plain) {
            foreach ($ch in $plain.ToCharArray()) { $secure.AppendChar($ch) }
        }
        $havePassword = ($null -ne $plain -and $plain.Length -gt 0)
        $plain = $null
        $secure.MakeReadOnly()

        $identity = Get-EntraIdentity
        Add-Evidence $identity.Note
        if ($identity.Type -eq 'Application') {
            Add-Evidence 'the Entra connector uses application identity: there is no Sync_ account to reinitialize'
            return
        }
        if (-not $AdminUser) { Stop-Step 'the parameter -AdminUser (Entra administrator user name) is required' 'bad-arguments' }
        if (-not $havePassword) { Stop-Step 'no administrator password arrived on stdin (one line expected)' 'secret-missing' }
        $credential = New-Object System.Management.Automation.PSCredential ($AdminUser, $secure)

        $account = $null
        try {
            $account = [string](Get-ADSyncConnector -Identifier $script:EntraConnectorId -ErrorAction Stop).ConnectivityParameters['UserName'].Value
        } catch { }
        Write-StepProgress "Add-ADSyncAADServiceAccount as $AdminUser"
        try {
            Add-ADSyncAADServiceAccount -AADCredential $credential -ErrorAction Stop
        } catch {
            $message = [string]$_.Exception.Message
            if ($message -match 'AADSTS50076|AADSTS50079|interactive') {
                Add-Evidence "$AdminUser needs multi-factor authentication: a credential cannot be passed; continue with an interactive sign-in on the server"
                Set-StepOutput ([ordered]@{ interactiveSignInRequired = $true })
                return
            }
            if ($message -match 'AADSTS50126') { Stop-Step "the Entra administrator credential was rejected: $message" 'bad-credential' }
            if ($message -match '(?i)application identity') { Stop-Step "Add-ADSyncAADServiceAccount does not apply: $message" 'not-applicable' }
            $status = $null
            try { $status = (Get-ADSyncServiceState).Status } catch { }
            if ($null -ne $status -and $status -ne 'Running') { Stop-Step "Add-ADSyncAADServiceAccount failed, ADSync is ${status}: $message" 'service-stopped' }
            Stop-Step "Add-ADSyncAADServiceAccount failed: $message" 'entra-failed'
        }
        $shown = $account
        if (-not $shown) { $shown = '(Sync_ account)' }
        Add-Evidence "Entra connector account $shown reinitialized by $AdminUser"
    })
