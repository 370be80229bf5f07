<#
.SYNOPSIS
    Step 'preChecks' (read-only): the build and the kind of every AD connector's account.
.DESCRIPTION
    Looks every AD connector's account up with the ActiveDirectory module: a name ending in $ is
    read with Get-ADServiceAccount (a managed service account: a blocker); an ordinary user is
    read with Get-ADUser and Get-ADPrincipalGroupMembership (Domain Admins, RID 512, or
    Enterprise Admins, RID 519: a blocker from build 1.4.0.0 on, a warning before). Direct
    membership only: nested groups are not followed. Changes nothing.
    Output: {"build","accounts":[{"connector","account","kind":"user|gmsa|msa","privileged":bool}],"blockers":[...]}
    Categories: ad-module-missing, account-not-found.
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
        Import-ADSyncModule
        try { Import-Module ActiveDirectory -ErrorAction Stop -WarningAction SilentlyContinue } catch {
            Stop-Step 'the ActiveDirectory module is not installed: Install-WindowsFeature RSAT-AD-PowerShell, then retry (or check the accounts by hand and skip with the reason)' 'ad-module-missing'
        }
        $build = Get-SyncBuild
        $refusesAdmins = Test-BuildAtLeast $build '1.4.0.0'
        if (Test-BuildAtLeast $build '2.0.0.0') { Add-Evidence "build $build" }
        else { Add-Evidence "build ${build}: a 1.x build, out of support: plan an upgrade" }
        $blockers = New-Object 'System.Collections.Generic.List[string]'
        $accounts = @()
        foreach ($c in @(Get-ADConnectors)) {
            $name = [string]$c.Name
            $domain = Get-ConnectivityValue $c 'forest-login-domain'
            $user = Get-ConnectivityValue $c 'forest-login-user'
            $who = "$domain\$user"
            $kind = 'user'
            $privileged = New-Object 'System.Collections.Generic.List[string]'
            try {
                if ($user.EndsWith('$')) {
                    $sa = Get-ADServiceAccount -Identity $user.TrimEnd('$') -Server $domain -ErrorAction Stop
                    $kind = 'msa'
                    if ([string]$sa.ObjectClass -eq 'msDS-GroupManagedServiceAccount') { $kind = 'gmsa' }
                } else {
                    $u = Get-ADUser -Identity $user -Server $domain -ErrorAction Stop
                    if ([string]$u.ObjectClass -ne 'user') { $kind = [string]$u.ObjectClass }
                    foreach ($g in @(Get-ADPrincipalGroupMembership -Identity $user -Server $domain -ErrorAction Stop)) {
                        $sid = [string]$g.SID
                        if ($sid -match '-512$') { $privileged.Add('Domain Admins') }
                        elseif ($sid -match '-519$') { $privileged.Add('Enterprise Admins') }
                    }
                }
            } catch {
                Stop-Step ("looking up $who failed: " + $_.Exception.Message) 'account-not-found'
            }
            $what = 'an ordinary user'
            if ($kind -eq 'gmsa') { $what = 'a group managed service account' }
            elseif ($kind -eq 'msa') { $what = 'a standalone managed service account' }
            $groups = ''
            if ($privileged.Count -gt 0) { $groups = ', member of ' + ($privileged.ToArray() -join ' and ') }
            Add-Evidence "${name}: $who is $what$groups"
            if ($kind -ne 'user') { $blockers.Add("${name}: $who is a managed service account; an AD DS connector account must be an ordinary user") }
            if ($privileged.Count -gt 0 -and $refusesAdmins) { $blockers.Add("${name}: $who is in " + ($privileged.ToArray() -join ' and ') + "; build $build refuses such an account") }
            if ($privileged.Count -gt 0 -and -not $refusesAdmins) { Add-Evidence "${name}: a privileged account works on build $build but is refused from 1.4 on: replace it before upgrading" }
            $accounts += [ordered]@{ connector = $name; account = $who; kind = $kind; privileged = ($privileged.Count -gt 0) }
        }
        foreach ($b in $blockers) { Add-Evidence "BLOCKER $b" }
        Set-StepOutput ([ordered]@{ build = $build; accounts = @($accounts); blockers = (ConvertTo-StringArray $blockers.ToArray()) })
    })
