<#
.SYNOPSIS
    Step 'startNewKey': start ADSync (it creates a new key), then list the AD connectors.
.DESCRIPTION
    Start-Service ADSync (a running service is left alone), then
    Get-ADSyncConnector | Where-Object ConnectorTypeName -eq 'AD'.
    Failure categories: logon-failure (7038 / 1069), key-unreadable (6028), start-failed.
    Output: {"connectors":["<AD connector name>",...]}
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
        $svc = Get-ADSyncServiceState
        if ($svc.Status -eq 'Running') {
            Add-Evidence 'ADSync is already Running: not started again'
        } else {
            Write-StepProgress 'starting ADSync (creating a new key)'
            Invoke-ADSyncStart 'Start'
            Add-Evidence 'ADSync is Running with a new encryption key'
        }
        $connectors = Get-ADConnectors
        $described = @($connectors | ForEach-Object { Get-ConnectorDescription $_ })
        if ($described.Count -gt 0) { Add-Evidence ('AD connectors: ' + ($described -join ', ')) }
        else { Add-Evidence 'AD connectors: none' }
        Set-StepOutput ([ordered]@{ connectors = (ConvertTo-StringArray @($connectors | ForEach-Object { $_.Name })) })
    })
