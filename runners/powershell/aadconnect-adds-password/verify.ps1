<#
.SYNOPSIS
    Step 'verify': a Delta Import on each connector given a password.
.DESCRIPTION
    -Connectors 'a,b'. For each: waits for an idle engine, Invoke-ADSyncRunProfile -ConnectorName
    <name> -RunProfileName 'Delta Import' (synchronous; profile name as Synchronization Service
    Manager shows it: the default names are not documented), then reads the connector's newest
    result. The machine decides what a failure means.
    Output: {"failing":["<connector still no-start-credentials>",...],"results":{"<connector>":"<result>"}}
    Categories: bad-arguments, unknown-connector, service-stopped, timeout.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$Connectors = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        $names = @($Connectors.Split(',') | Where-Object { $_ })
        if ($names.Count -eq 0) { Stop-Step 'the parameter -Connectors is required' 'bad-arguments' }
        Import-ADSyncModule
        if ((Get-ADSyncServiceState).Status -ne 'Running') { Stop-Step 'ADSync is not running' 'service-stopped' }
        $failing = New-Object 'System.Collections.Generic.List[string]'
        $results = [ordered]@{}
        foreach ($name in $names) {
            $c = Get-ADConnectorByName $name
            $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
            Write-StepProgress "Delta Import on $name"
            $null = Invoke-ADSyncRunProfile -ConnectorName $name -RunProfileName 'Delta Import' -ErrorAction Stop
            $r = Get-NewestRunResult $c
            $result = 'no-run'
            if ($null -ne $r) { $result = [string]$r.Result }
            $results[$name] = $result
            Add-Evidence "${name}: Delta Import $result"
            if ($result -eq $script:NoStart) { $failing.Add($name) }
        }
        if ($failing.Count -gt 0) { Add-Evidence ('still no-start-credentials: ' + ($failing.ToArray() -join ', ') + ' (the password typed is not the one in AD)') }
        Set-StepOutput ([ordered]@{ failing = (ConvertTo-StringArray $failing.ToArray()); results = $results })
    })
