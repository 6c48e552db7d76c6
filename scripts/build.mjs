// Bundles the CLI into one file that runs with plain Node 20 and no node_modules.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const outfile = 'dist/exabgp-anycast.js';

await build({
  entryPoints: ['src/main.ts'],
  outfile,
  bundle: true,
  // got is ESM-only, commander is CommonJS: CJS output needs no require() shim (build-notes.md).
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
