// Bundles the CLI into one file that runs with plain Node 18.20 (Debian 12's) and no node_modules.
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';

const outfile = 'dist/exabgp-anycast.js';
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Swaps src/config/schema-validator.ts for ajv's standalone code: no schema compile at start. */
const precompiledSchema = {
  name: 'precompiled-config-schema',
  setup(build) {
    build.onResolve({ filter: /\/schema-validator\.js$/ }, (args) => ({ path: args.path, namespace: 'precompiled' }));
    build.onLoad({ filter: /.*/, namespace: 'precompiled' }, () => {
      const ajv = new Ajv(readJson('src/config/ajv-options.json'));
      const validate = ajv.compile(readJson('src/config/config.schema.json'));
      return { contents: `${standaloneCode(ajv, validate)}\nexport { validate as validateSchema };`, resolveDir: process.cwd(), loader: 'js' };
    });
  },
};

// The first statement of the bundle holds the signals Node would otherwise act on while the rest
// of the file loads (src/early-signals.ts says why).
const earlySignals = await build({
  entryPoints: ['src/early-signals.ts'],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'node',
  target: 'node18',
  minify: true,
  logLevel: 'warning',
});

await build({
  entryPoints: ['src/main.ts'],
  outfile,
  bundle: true,
  // got is ESM-only, commander is CommonJS: CJS output needs no require() shim (build-notes.md).
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  minify: true,
  legalComments: 'none',
  banner: { js: `#!/usr/bin/env node\n${earlySignals.outputFiles[0].text}` },
  plugins: [precompiledSchema],
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
