<#
.SYNOPSIS
    Step 'pendingExports' (read-only, on the staging server): csexport of each connector's pending exports, counted per operation, with a sample. Output {add, update, delete, sample, threshold}.
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
        $polls = Wait-SyncIdle -PollIntervalSeconds $PollIntervalSeconds -TimeoutSeconds $TimeoutSeconds
        if ($polls -gt 0) { Add-Evidence "a sync run was in progress: waited until idle ($polls busy polls)" }
        $csexport = Join-Path (Join-Path (Get-InstallLocation) 'Bin') 'csexport.exe'
        if (-not (Test-Path -LiteralPath $csexport)) { Stop-Step "csexport.exe not found in $csexport" 'not-found' }
        $counts = @{ add = 0; update = 0; delete = 0 }
        $sample = New-Object 'System.Collections.Generic.List[string]'
        $folder = Join-Path ([System.IO.Path]::GetTempPath()) ('runbook-csexport-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $folder -Force
        try {
            $i = 0
            foreach ($c in @(Get-ADSyncConnector -ErrorAction Stop)) {
                $i++
                $file = Join-Path $folder ("export$i.xml")
                Write-StepProgress ('csexport "' + $c.Name + '"')
                $null = & $csexport ([string]$c.Name) $file '/f:x'
                if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $file)) { Stop-Step ('csexport "' + $c.Name + '" failed (exit ' + $LASTEXITCODE + ')') 'csexport-failed' }
                Add-Evidence ('csexport "' + $c.Name + '": exported')
                $settings = New-Object System.Xml.XmlReaderSettings
                $settings.DtdProcessing = [System.Xml.DtdProcessing]::Prohibit
                $reader = [System.Xml.XmlReader]::Create($file, $settings)
                try {
                    $dn = $null
                    $inUnapplied = $false
                    while ($reader.Read()) {
                        if ($reader.NodeType -eq [System.Xml.XmlNodeType]::Element) {
                            if ($reader.Name -eq 'cs-object') { $dn = $reader.GetAttribute('cs-dn') }
                            elseif ($reader.Name -eq 'unapplied-export' -and -not $reader.IsEmptyElement) { $inUnapplied = $true }
                            elseif ($reader.Name -eq 'delta' -and $inUnapplied) {
                                $op = [string]$reader.GetAttribute('operation')
                                if ($op -ne 'add' -and $op -ne 'delete') { $op = 'update' }
                                $counts[$op] = $counts[$op] + 1
                                if ($sample.Count -lt 5) { $sample.Add(($op + ' ' + $dn + ' (' + [string]$c.Name + ')')) }
                            }
                        } elseif ($reader.NodeType -eq [System.Xml.XmlNodeType]::EndElement -and $reader.Name -eq 'unapplied-export') { $inUnapplied = $false }
                    }
                } finally { $reader.Close() }
            }
        } finally { Remove-Item -LiteralPath $folder -Recurse -Force -ErrorAction SilentlyContinue }
        # the tenant's threshold: readable without a sign-in only where the cmdlet takes no credential (0.7)
        $threshold = 500
        $cmd = Get-Command Get-ADSyncExportDeletionThreshold -ErrorAction SilentlyContinue
        if ($null -ne $cmd -and -not $cmd.Parameters.ContainsKey('AADUserName') -and -not $cmd.Parameters.ContainsKey('AADCredential')) {
            $t = Get-ADSyncExportDeletionThreshold -ErrorAction Stop
            if ($null -ne $t -and $null -ne $t.ThresholdCount) { $threshold = [int]$t.ThresholdCount }
        } else { Add-Evidence 'the threshold needs an Entra sign-in here: the default of 500 is used' }
        Add-Evidence ('pending exports on ' + (Get-ServerName) + ': ' + $counts['add'] + ' add, ' + $counts['update'] + ' update, ' + $counts['delete'] + ' delete')
        Add-Evidence "accidental-delete threshold: $threshold"
        foreach ($line in $sample) { Add-Evidence "sample: $line" }
        Set-StepOutput ([ordered]@{ add = $counts['add']; update = $counts['update']; delete = $counts['delete']; sample = (ConvertTo-StringArray $sample.ToArray()); threshold = $threshold })
    })
