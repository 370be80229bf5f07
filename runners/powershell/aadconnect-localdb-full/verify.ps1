<#
.SYNOPSIS
    Step 'verify': a delta sync must end without stopped-database-disk-full and without a new 6323.
.DESCRIPTION
    Fails with 'service-stopped' when ADSync does not run. Waits for an idle engine,
    Start-ADSyncSyncCycle -PolicyType Delta, waits until idle again ('timeout'), then reads the
    newest result of every connector and the Events 6323 logged since the cycle started.
    Output: {"running":true,"new6323":<n>,"diskFull":["<connector>",...],"otherFailures":["<connector>: <result>",...]}
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
        Assert-ServiceRunning 'verify'
        Add-Evidence 'ADSync is Running'
        $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        $before = Get-NowMs
        Write-StepProgress 'running a delta sync cycle and waiting until it is idle'
        $null = Start-ADSyncSyncCycle -PolicyType Delta -ErrorAction Stop
        Add-Evidence 'Start-ADSyncSyncCycle -PolicyType Delta accepted'
        # Give the cycle time to show up as running before polling for idle.
        if ($PollIntervalSeconds -gt 0) { Start-Sleep -Milliseconds ([int]($PollIntervalSeconds * 1000)) }
        $null = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds

        $diskFull = New-Object 'System.Collections.Generic.List[string]'
        $other = New-Object 'System.Collections.Generic.List[string]'
        foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
            $r = @(Get-ConnectorRuns $c 1)
            $result = 'no-run'
            if ($r.Count -gt 0) { $result = [string]$r[0].Result }
            Add-Evidence "$($c.Name): $result"
            if ($result -eq $script:DiskFull) { $diskFull.Add([string]$c.Name) }
            elseif (-not (Test-RunResultOk $result)) { $other.Add("$($c.Name): $result") }
        }
        $new6323 = @(Get-EventsSince -LogName 'Application' -Id @(6323) -Since $before).Count
        Add-Evidence "new Event 6323 during the cycle: $new6323"
        if ($other.Count -gt 0) { Add-Evidence ('failures that are not about database space (see the matching runbook): ' + ($other.ToArray() -join ', ')) }
        $running = ((Get-ADSyncServiceState).Status -eq 'Running')
        Set-StepOutput ([ordered]@{
                running = $running
                new6323 = $new6323
                diskFull = (ConvertTo-StringArray $diskFull.ToArray())
                otherFailures = (ConvertTo-StringArray $other.ToArray())
            })
    })
