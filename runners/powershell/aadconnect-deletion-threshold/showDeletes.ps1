<#
.SYNOPSIS
    Step 'showDeletes' (read-only): what would the export delete?
.DESCRIPTION
    -EntraConnector <name>. csexport <name> <temp file> /f:x, then counts the cs-objects whose
    unapplied export is a delete: per object type, a sample of ten DNs, and the OUs (parent of each
    DN) they come from, most first. The temporary file is removed.
    Output: {"deletes":n,"byType":{"user":n},"sample":[...],"ous":[{"ou","count"}]}
    Categories: csexport-missing, csexport-failed.
#>
param(
    [string]$AttemptId = '',
    [string]$StepId = '',
    [double]$PollIntervalSeconds = 10,
    [int]$TimeoutSeconds = 540,
    [string]$EntraConnector = ''
)
$ErrorActionPreference = 'Stop'
try { . (Join-Path $PSScriptRoot '_common.ps1') } catch {
    [Console]::Out.WriteLine('RUNBOOK-RESULT {"ok":false,"error":"_common.ps1 could not be loaded from the script folder","category":"script-error","evidence":[]}')
    exit 1
}

exit (Invoke-Step -AttemptId $AttemptId -StepId $StepId -ScriptPath $PSCommandPath -Arguments $args -Body {
        Import-ADSyncModule
        if (-not $EntraConnector) { $EntraConnector = [string](Get-EntraConnector).Name }
        Write-StepProgress "csexport $EntraConnector /f:x"
        $p = Read-PendingDeletes $EntraConnector
        $types = New-Object 'System.Collections.Generic.List[string]'
        foreach ($k in $p.ByType.Keys) { $types.Add(([string]$p.ByType[$k]) + ' ' + $k) }
        $typeText = 'none'
        if ($types.Count -gt 0) { $typeText = $types.ToArray() -join ', ' }
        Add-Evidence "pending deletions: $($p.Deletes) ($typeText)"
        $ous = [ordered]@{}
        foreach ($dn in $p.Dns) {
            $ou = ($dn -replace '^[^,]+,', '')
            if ($ous.Contains($ou)) { $ous[$ou] = $ous[$ou] + 1 } else { $ous[$ou] = 1 }
        }
        $ouList = @()
        foreach ($e in @($ous.GetEnumerator() | Sort-Object -Property Value -Descending)) {
            $ouList += [ordered]@{ ou = [string]$e.Key; count = [int]$e.Value }
            Add-Evidence "from $($e.Key): $($e.Value)"
        }
        $sample = @($p.Dns | Select-Object -First 10)
        Add-Evidence ('sample: ' + ($sample -join '; '))
        Set-StepOutput ([ordered]@{ deletes = $p.Deletes; byType = $p.ByType; sample = (ConvertTo-StringArray $sample); ous = @($ouList) })
    })
