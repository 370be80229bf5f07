<#
.SYNOPSIS
    Parses PowerShell files with PowerShell's own parser and walks their AST for syntax, variables
    and parameters that Windows PowerShell 5.1 cannot run. One JSON line per file:
    {"file":"...","parseErrors":["..."],"problems":["<line>: <what>"]}
#>
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]]$Path)
$ErrorActionPreference = 'Stop'
# Parameters that Windows PowerShell 5.1 does not have, per command.
$notIn51 = @{
    'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
    'ConvertTo-Json' = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
    'ForEach-Object' = @('Parallel', 'ThrottleLimit', 'AsJob')
    'Join-Path' = @('AdditionalChildPath')
    'Get-Date' = @('AsUTC', 'UnixTimeSeconds')
    'Split-Path' = @('LeafBase', 'Extension')
    'Get-Content' = @('AsByteStream')
    'Set-Content' = @('AsByteStream')
    'Out-String' = @('NoNewline')
    'Test-Json' = @()
    'Get-Error' = @()
    'Start-ThreadJob' = @()
}
foreach ($file in $Path) {
    $f = Get-Item -LiteralPath $file
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($f.FullName, [ref]$tokens, [ref]$errors)
    $problems = New-Object System.Collections.Generic.List[string]
    $nodes = $ast.FindAll({ $true }, $true)
    foreach ($n in $nodes) {
        $line = $n.Extent.StartLineNumber
        $type = $n.GetType().Name
        if ($type -eq 'PipelineChainAst') { $problems.Add("${line}: && / ||") }
        if ($type -eq 'TernaryExpressionAst') { $problems.Add("${line}: ternary") }
        if ($type -eq 'BinaryExpressionAst' -and [string]$n.Operator -eq 'QuestionQuestion') { $problems.Add("${line}: ??") }
        if ($type -eq 'AssignmentStatementAst' -and [string]$n.Operator -eq 'QuestionQuestionEquals') { $problems.Add("${line}: ??=") }
        if (($type -eq 'MemberExpressionAst' -or $type -eq 'InvokeMemberExpressionAst' -or $type -eq 'IndexExpressionAst') -and $n.PSObject.Properties['NullConditional'] -and $n.NullConditional) { $problems.Add("${line}: ?. or ?[]") }
        if ($type -eq 'ScriptBlockAst' -and $n.PSObject.Properties['CleanBlock'] -and $null -ne $n.CleanBlock) { $problems.Add("${line}: clean block") }
        if ($type -eq 'VariableExpressionAst' -and @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle') -contains $n.VariablePath.UserPath) { $problems.Add("${line}: `$$($n.VariablePath.UserPath)") }
        if ($type -eq 'CommandAst') {
            $name = $n.GetCommandName()
            if ($name -and $notIn51.ContainsKey($name)) {
                if ($notIn51[$name].Count -eq 0) { $problems.Add("${line}: $name") }
                foreach ($el in $n.CommandElements) {
                    if ($el -is [System.Management.Automation.Language.CommandParameterAst]) {
                        foreach ($bad in $notIn51[$name]) { if ($bad -like "$($el.ParameterName)*" -and $el.ParameterName.Length -ge 2) { $problems.Add("${line}: $name -$($el.ParameterName)") } }
                    }
                }
                if ($name -eq 'Join-Path') {
                    $positional = @($n.CommandElements | Select-Object -Skip 1 | Where-Object { $_ -isnot [System.Management.Automation.Language.CommandParameterAst] })
                    if ($positional.Count -gt 2) { $problems.Add("${line}: Join-Path with more than two paths") }
                }
            }
        }
    }
    foreach ($t in $tokens) {
        if ($t.Kind -eq 'Clean') { $problems.Add("$($t.Extent.StartLineNumber): clean keyword") }
    }
    $out = [ordered]@{ file = $f.FullName; parseErrors = @($errors | ForEach-Object { [string]$_.Message }); problems = @($problems) }
    [Console]::Out.WriteLine((ConvertTo-Json -InputObject $out -Compress -Depth 4))
}
