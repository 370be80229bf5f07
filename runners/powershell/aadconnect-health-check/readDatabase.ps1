<#
.SYNOPSIS
    Step 'readDatabase' of aadconnect-health-check (read-only): where the sync database lives and,
    for LocalDB, the sizes of ADSync.mdf and ADSync_log.ldf (Data\ADSync2019, else Data).
.DESCRIPTION
    Output: {"collected","reason"?,"kind":"LocalDB|SQL|unknown","server","instance","files":[{"path","bytes"}]}
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
        $null = Import-ADSyncModule
        if ($null -eq (Get-ADSyncServiceOrNull)) {
            Add-Evidence 'not collected: the ADSync service does not exist'
            Set-StepOutput ([ordered]@{ collected = $false; reason = 'the ADSync service does not exist'; kind = 'unknown'; server = $null; instance = $null; files = @() })
            return
        }
        $sqlServer = Get-RegistryValue $script:ParametersKey 'Server'
        $instance = Get-RegistryValue $script:ParametersKey 'SQLInstance'
        if ($null -eq $sqlServer) { $sqlServer = '' }
        if ($sqlServer -ne '' -and $sqlServer -notmatch '^(?i)\(localdb\)') {
            Add-Evidence "database on SQL Server $sqlServer (instance $instance)"
            Set-StepOutput ([ordered]@{ collected = $true; kind = 'SQL'; server = $sqlServer; instance = $instance; files = @() })
            return
        }
        $install = Get-InstallLocation
        $files = New-Object 'System.Collections.Generic.List[object]'
        if ($install) {
            foreach ($folder in @('Data\ADSync2019', 'Data')) {
                $mdf = $null
                try { $mdf = Get-Item -LiteralPath (Join-WinPath $install ($folder + '\ADSync.mdf')) -ErrorAction Stop } catch { }
                if ($null -eq $mdf) { continue }
                $files.Add([ordered]@{ path = (Join-WinPath $install ($folder + '\ADSync.mdf')); bytes = [long]$mdf.Length })
                try {
                    $ldf = Get-Item -LiteralPath (Join-WinPath $install ($folder + '\ADSync_log.ldf')) -ErrorAction Stop
                    $files.Add([ordered]@{ path = (Join-WinPath $install ($folder + '\ADSync_log.ldf')); bytes = [long]$ldf.Length })
                } catch { Add-Evidence "no ADSync_log.ldf beside ADSync.mdf in $folder" }
                break
            }
        }
        if ($files.Count -eq 0) {
            $reason = 'ADSync.mdf was found neither in Data\ADSync2019 nor in Data'
            Add-Evidence "not collected: $reason"
            Set-StepOutput ([ordered]@{ collected = $false; reason = $reason; kind = 'LocalDB'; server = $sqlServer; instance = $instance; files = @() })
            return
        }
        Add-Evidence "LocalDB $sqlServer instance $instance"
        foreach ($f in $files) { Add-Evidence ('{0}: {1:N2} GB' -f $f.path, ($f.bytes / 1GB)) }
        Set-StepOutput ([ordered]@{ collected = $true; kind = 'LocalDB'; server = $sqlServer; instance = $instance; files = $files.ToArray() })
    })
