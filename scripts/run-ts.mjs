#!/usr/bin/env node
// Runs a TypeScript entry point: bundles it with esbuild into a temp file, then runs that with Node.
// Usage: node scripts/run-ts.mjs lab/demo.ts [args…]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  console.error('esbuild is missing: run `npm ci` in the repository first.');
  process.exit(1);
}

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args…]');
  process.exit(2);
}
// Inside node_modules/.cache so the bundle still resolves the project's packages (esbuild, got…).
const cache = fileURLToPath(new URL('../node_modules/.cache', import.meta.url));
mkdirSync(cache, { recursive: true });
const dir = mkdtempSync(join(cache, 'run-ts-'));
const outfile = join(dir, 'main.mjs');
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  format: 'esm',
  // Top-level await needs ESM; a require() shim keeps CommonJS dependencies working.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
const child = spawn(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
// The child handles Ctrl-C itself (it cleans up); this wrapper only waits for it.
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
child.on('exit', (code, signal) => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1));
});
