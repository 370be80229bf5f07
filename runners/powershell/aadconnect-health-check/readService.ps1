<#
.SYNOPSIS
    Step 'readService' of aadconnect-health-check (read-only): the ADSync service, its start type
    and logon account, the install folder and the build (file version of miiserver.exe).
.DESCRIPTION
    Output: {"server","evaluatedAt","installed","status","startType","account","installPath","build","buildSource"}
    evaluatedAt is this server's date and time (UTC): every deadline is judged against it.
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
        $now = Get-UtcNow
        $server = Get-ServerName
        $svc = Get-ADSyncServiceOrNull
        if ($null -eq $svc) {
            Add-Evidence "${server}: the ADSync service does not exist"
            Set-StepOutput ([ordered]@{
                    server = $server; evaluatedAt = (Format-IsoUtc $now); installed = $false; status = $null; startType = $null
                    account = $null; installPath = $null; build = $null; buildSource = 'the ADSync service does not exist'
                })
            return
        }
        $account = $null
        try {
            $cim = Get-CimInstance -ClassName Win32_Service -Filter "Name='ADSync'" -ErrorAction Stop | Select-Object -First 1
            if ($null -ne $cim) { $account = [string]$cim.StartName }
        } catch { Add-Evidence ('logon account unknown: ' + $_.Exception.Message) }
        $install = Get-InstallLocation
        $build = $null
        $source = 'no miiserver.exe in the install folder'
        if ($install) {
            try {
                $vi = (Get-Item -LiteralPath (Join-WinPath $install 'Bin\miiserver.exe') -ErrorAction Stop).VersionInfo
                if ($vi.FileMajorPart -gt 0) {
                    $build = ('{0}.{1}.{2}.{3}' -f $vi.FileMajorPart, $vi.FileMinorPart, $vi.FileBuildPart, $vi.FilePrivatePart)
                    $source = 'file version of miiserver.exe'
                }
            } catch { }
        }
        $status = [string]$svc.Status
        $startType = [string]$svc.StartType
        Add-Evidence "ADSync $status, start type $startType, logon $account"
        Add-Evidence "build $build ($source)"
        Add-Evidence ("run date on ${server}: " + (Format-IsoUtc $now))
        Set-StepOutput ([ordered]@{
                server = $server; evaluatedAt = (Format-IsoUtc $now); installed = $true; status = $status; startType = $startType
                account = $account; installPath = $install; build = $build; buildSource = $source
            })
    })
