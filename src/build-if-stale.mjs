#!/usr/bin/env node
// Builds (tsc) only when the build is missing or older than a source: every .ts file of the
// compiled folders (see tsconfig.json "include") against its .js in dist/, and tsconfig.json and
// package.json against dist/src/cli/main.js. Nothing changed: a few milliseconds, no TypeScript
// loaded. `npm run build` always builds.
//
//   node scripts/build-if-stale.mjs [--then <module.js> [args...]]
//
// --then: afterwards, run that module in this same process with those arguments (npm start: one
// node process instead of two).
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// tsconfig.json "include": every .ts there has its .js; test helpers the bench imports are
// compiled too, and compared when they are
const sources = ['machines', 'src', 'runners', join('test', 'bench')];
const optional = [join('test', 'helpers')];

const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

function stale() {
  const main = mtime(join(dist, 'src', 'cli', 'main.js'));
  if (main < 0) return 'no build yet';
  for (const file of ['tsconfig.json', 'package.json']) if (mtime(join(root, file)) > main) return `${file} changed`;
  const walk = (dir, required = true) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path, required);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const out = mtime(join(dist, relative(root, path)).replace(/\.ts$/, '.js'));
        if ((required || out >= 0) && mtime(path) > out) return `${relative(root, path)} changed`;
      }
    }
    return null;
  };
  for (const dir of sources) {
    const found = walk(join(root, dir));
    if (found) return found;
  }
  for (const dir of optional) {
    const found = walk(join(root, dir), false);
    if (found) return found;
  }
  return null;
}

const reason = stale();
if (reason) {
  process.stderr.write(`runbook: building (${reason})\n`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
const then = process.argv.indexOf('--then');
if (then > 0 && process.argv[then + 1]) {
  const module = resolve(root, process.argv[then + 1]);
  process.argv = [process.argv[0], module, ...process.argv.slice(then + 2)];
  await import(pathToFileURL(module).href);
}
