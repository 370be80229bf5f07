import { fileURLToPath } from 'node:url';

/**
 * The project root, whether this code runs compiled (dist/runners/...) or from source: data
 * files (scenarios, PowerShell scripts) ship as source and are not compiled.
 */
export const sourceRoot = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
