# Shared helpers of the aadconnect-deletion-threshold step scripts. Dot-sourced by every script:
#     . (Join-Path $PSScriptRoot '_common.ps1')
# Runs on Windows PowerShell 5.1 and pwsh 7: no &&, ||, ??, ?., ternary, clean blocks,
# ForEach-Object -Parallel, ConvertFrom-Json -AsHashtable.
#
# The step contract (Invoke-Step, Add-Evidence, Set-StepOutput, Add-Problem, Stop-Step, the
# RUNBOOK-RESULT line) is the runner kind's, not this package's: runners/powershell/step-contract.ps1.
# This runbook passes no secret: the Entra sign-ins are guided steps.

# The family's helpers (they load the step contract): the runner ships them beside this file.
$family = Join-Path $PSScriptRoot '_aadconnect.ps1'
if (-not (Test-Path -LiteralPath $family)) { $family = Join-Path (Split-Path -Parent $PSScriptRoot) 'families/aadconnect/_aadconnect.ps1' }
. $family

# ---------------------------------------------------------------------------------------------
# Host facts
# ---------------------------------------------------------------------------------------------

$script:Stopped = 'stopped-deletion-threshold-exceeded'
$script:EntraId = 'b891884f-051e-4a83-95af-2544101c9083'

function Get-InstallLocation {
    try {
        $loc = [string](Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\AD Sync' -Name Location -ErrorAction Stop).Location
        if ($loc) { return $loc }
    } catch { }
    if ($env:ProgramFiles) { return (Join-Path $env:ProgramFiles 'Microsoft Azure AD Sync') }
    return $null
}

function ConvertTo-IsoTime([datetime]$Time) {
    return $Time.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [System.Globalization.CultureInfo]::InvariantCulture)
}

function Get-EntraConnector {
    $c = @(Get-ADSyncConnector -ErrorAction Stop | Where-Object { ([string]$_.Identifier).Trim('{', '}') -eq $script:EntraId })
    if ($c.Count -eq 0) { Stop-Step 'no Entra connector (identifier b891884f-051e-4a83-95af-2544101c9083) on this server' 'no-entra-connector' }
    return $c[0]
}

# The Entra connector's Export results, newest first (the order is not documented: sorted here).
function Get-ExportRuns {
    $r = @(Get-ADSyncRunProfileResult -ConnectorId $script:EntraId -NumberRequested 20 -ErrorAction Stop | Where-Object { $null -ne $_ -and [string]$_.RunProfileName -eq 'Export' })
    return @($r | Sort-Object -Property StartDate -Descending)
}

# Runs csexport on the Entra connector and reads its pending deletions with a streaming reader:
# cs-object elements holding unapplied-export/delta operation="delete". The DN shown is the
# onPremisesDistinguishedName attribute when the object carries one, else cs-dn.
# Returns @{ Deletes; ByType (ordered); Dns (list) }.
function Read-PendingDeletes([string]$ConnectorName) {
    $bin = Join-Path (Get-InstallLocation) 'Bin'
    $exe = Join-Path $bin 'csexport.exe'
    if (-not (Test-Path -LiteralPath $exe)) { Stop-Step "csexport.exe not found in $bin" 'csexport-missing' }
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ('runbook-pending-' + [guid]::NewGuid().ToString('N') + '.xml')
    try {
        $out = & $exe $ConnectorName $file '/f:x' 2>&1
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $file)) { Stop-Step ("csexport failed (exit $LASTEXITCODE): " + (@($out) -join ' ')) 'csexport-failed' }
        $byType = [ordered]@{}
        $dns = New-Object 'System.Collections.Generic.List[string]'
        $settings = New-Object System.Xml.XmlReaderSettings
        $settings.IgnoreWhitespace = $true
        $reader = [System.Xml.XmlReader]::Create($file, $settings)
        try {
            while ($reader.ReadToFollowing('cs-object')) {
                $doc = New-Object System.Xml.XmlDocument
                $node = $doc.ReadNode($reader.ReadSubtree())
                if ($null -eq $node.SelectSingleNode("unapplied-export/delta[@operation='delete']")) { continue }
                $type = [string]$node.GetAttribute('object-type')
                if ($byType.Contains($type)) { $byType[$type] = $byType[$type] + 1 } else { $byType[$type] = 1 }
                $dn = [string]$node.GetAttribute('cs-dn')
                $attr = $node.SelectSingleNode(".//attr[@name='onPremisesDistinguishedName']/value")
                if ($null -ne $attr -and $attr.InnerText) { $dn = [string]$attr.InnerText }
                $dns.Add($dn)
            }
        } finally { $reader.Dispose() }
        $n = 0
        foreach ($k in $byType.Keys) { $n += $byType[$k] }
        return [pscustomobject]@{ Deletes = $n; ByType = $byType; Dns = $dns }
    } finally {
        if (Test-Path -LiteralPath $file) { Remove-Item -LiteralPath $file -Force }
    }
}
