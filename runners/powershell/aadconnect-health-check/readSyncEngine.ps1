<#
.SYNOPSIS
    Step 'readSyncEngine' of aadconnect-health-check (read-only): the scheduler, the engine's busy
    state, every connector's newest run results (sorted by StartDate), the Entra connector identity
    and the auto-upgrade state. Needs the running service: otherwise "not collected", with the reason.
.DESCRIPTION
    Output: {"collected","reason"?,"scheduler":{...}|null,"busyConnectors":[..],"autoUpgrade","entraIdentity":{"type","userName","source"},
             "connectors":[{"name","type","runs":[{"profile","result","start"}]}]}
    Nothing is started, stopped or set: only Get-ADSync* cmdlets.
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
function New-NotCollected([string]$Reason) {
    Add-Evidence "not collected: $Reason"
    return [ordered]@{
        collected = $false; reason = $Reason; scheduler = $null; busyConnectors = @(); autoUpgrade = $null
        entraIdentity = [ordered]@{ type = 'unknown'; userName = $null; source = $Reason }; connectors = @()
    }
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        $loaded = Import-ADSyncModule
        $svc = Get-ADSyncServiceOrNull
        if ($null -eq $svc) { Set-StepOutput (New-NotCollected 'the ADSync service does not exist'); return }
        if ([string]$svc.Status -ne 'Running') { Set-StepOutput (New-NotCollected "the ADSync service is $([string]$svc.Status): the sync engine cannot be asked"); return }
        if (-not $loaded) { Set-StepOutput (New-NotCollected $script:ModuleProblem); return }

        $scheduler = $null
        try {
            $s = Get-ADSyncScheduler -ErrorAction Stop
            $interval = $null
            if ($null -ne $s.CurrentlyEffectiveSyncCycleInterval) { $interval = [int]([timespan]$s.CurrentlyEffectiveSyncCycleInterval).TotalMinutes }
            $purge = $null
            if ($null -ne $s.PurgeRunHistoryInterval) { $purge = [int]([timespan]$s.PurgeRunHistoryInterval).TotalDays }
            $next = $null
            if ($null -ne $s.NextSyncCycleStartTimeInUTC) { $next = Format-IsoUtc ([datetime]$s.NextSyncCycleStartTimeInUTC) -AssumeUtc }
            $scheduler = [ordered]@{
                syncCycleEnabled = [bool]$s.SyncCycleEnabled; schedulerSuspended = [bool]$s.SchedulerSuspended
                stagingModeEnabled = [bool]$s.StagingModeEnabled; syncCycleInProgress = [bool]$s.SyncCycleInProgress
                intervalMinutes = $interval; nextCycleAt = $next; purgeRunHistoryDays = $purge
            }
            Add-Evidence "scheduler: SyncCycleEnabled $($scheduler.syncCycleEnabled), SchedulerSuspended $($scheduler.schedulerSuspended), StagingModeEnabled $($scheduler.stagingModeEnabled)"
        } catch { Add-Evidence ('Get-ADSyncScheduler failed: ' + $_.Exception.Message) }

        $busy = New-Object 'System.Collections.Generic.List[string]'
        try {
            foreach ($r in @(Get-ADSyncConnectorRunStatus -ErrorAction Stop | Where-Object { $null -ne $_ })) { $busy.Add([string]$r.ConnectorName) }
        } catch { Add-Evidence ('Get-ADSyncConnectorRunStatus failed: ' + $_.Exception.Message) }

        $autoUpgrade = $null
        try {
            $au = Get-ADSyncAutoUpgrade -ErrorAction Stop
            if ($null -ne $au -and $au.PSObject.Properties['State']) { $autoUpgrade = [string]$au.State } elseif ($null -ne $au) { $autoUpgrade = [string]$au }
        } catch { Add-Evidence ('Get-ADSyncAutoUpgrade failed: ' + $_.Exception.Message) }

        $connectors = New-Object 'System.Collections.Generic.List[object]'
        $entraUser = $null
        foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
            if ([string]$c.Identifier -eq $script:EntraConnectorId) {
                try { $entraUser = [string]$c.ConnectivityParameters['UserName'].Value } catch { }
            }
            $runs = New-Object 'System.Collections.Generic.List[object]'
            $results = @(Get-ADSyncRunProfileResult -ConnectorId $c.Identifier -NumberRequested 10 -ErrorAction Stop | Where-Object { $null -ne $_ })
            # the order of the results is not documented: newest first by StartDate
            foreach ($r in @($results | Sort-Object -Property StartDate -Descending | Select-Object -First 10)) {
                $runs.Add([ordered]@{ profile = [string]$r.RunProfileName; result = [string]$r.Result; start = (Format-IsoUtc ([datetime]$r.StartDate) -AssumeUtc) })
            }
            $connectors.Add([ordered]@{ name = [string]$c.Name; type = [string]$c.ConnectorTypeName; runs = $runs.ToArray() })
            $newest = 'no runs'
            if ($runs.Count -gt 0) { $newest = $runs[0].profile + ' ' + $runs[0].result + ' at ' + $runs[0].start }
            Add-Evidence "$([string]$c.Name): $newest"
        }

        $identity = [ordered]@{ type = 'unknown'; userName = $entraUser; source = '' }
        if ($null -eq (Get-Command -Name Get-ADSyncEntraConnectorCredential -ErrorAction SilentlyContinue)) {
            $identity.type = 'ServiceAccount'
            $identity.source = 'Get-ADSyncEntraConnectorCredential does not exist on this build (before 2.5.3.0): a Sync_ service account'
        } else {
            try {
                $t = [string](Get-ADSyncEntraConnectorCredential -ErrorAction Stop | Select-Object -First 1).ConnectorIdentityType
                if ($t -eq 'ServiceAccount' -or $t -eq 'Application') { $identity.type = $t }
                $identity.source = "Get-ADSyncEntraConnectorCredential: ConnectorIdentityType $t"
            } catch { $identity.source = 'Get-ADSyncEntraConnectorCredential failed: ' + $_.Exception.Message }
        }
        Add-Evidence "Entra connector: $($identity.type) ($($identity.source))"
        Add-Evidence "auto-upgrade: $autoUpgrade"

        Set-StepOutput ([ordered]@{
                collected = $true; scheduler = $scheduler; busyConnectors = $busy.ToArray(); autoUpgrade = $autoUpgrade
                entraIdentity = $identity; connectors = $connectors.ToArray()
            })
    })
