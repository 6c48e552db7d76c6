// How the CLI is bundled into one file that runs with plain Node 18.20 (Debian 12's) and no
// node_modules: scripts/build.mjs builds dist/ with it, and benchmarks build variants of the same.
import Ajv, { _, Name } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/**
 * The JSON Schemas the program validates with, compiled here into ajv's standalone code that
 * replaces each module below in the bundle: no schema is compiled at start, and ajv itself is not
 * in the bundle. `formats` names a module whose `export` holds the schema's string formats.
 */
const precompiled = {
  'schema-validator.js': { schema: 'src/config/config.schema.json', options: 'src/config/ajv-options.json', as: 'validateSchema' },
  'topology-validator.js': {
    schema: 'src/generate/topology.schema.json',
    options: 'src/generate/topology-ajv-options.json',
    as: 'validateTopologySchema',
    formats: { module: './src/generate/topology-formats.ts', export: 'topologyFormats' },
  },
};

const precompiledSchemas = {
  name: 'precompiled-schemas',
  setup(build) {
    build.onResolve({ filter: /\/(schema|topology)-validator\.js$/ }, (args) => ({ path: args.path.split('/').pop(), namespace: 'precompiled' }));
    build.onLoad({ filter: /.*/, namespace: 'precompiled' }, ({ path }) => {
      const { schema, options, as, formats } = precompiled[path];
      const settings = readJson(options);
      if (formats) {
        // Compiled with stand-ins (a function each, or ajv would skip the check); the generated code
        // calls the real ones, from the module.
        settings.formats = Object.fromEntries(formatNames(readJson(schema)).map((name) => [name, () => true]));
        settings.code = { ...settings.code, formats: _`require(${formats.module}).${new Name(formats.export)}` };
      }
      const ajv = new Ajv(settings);
      const validate = ajv.compile(readJson(schema));
      return { contents: `${standaloneCode(ajv, validate)}\nexport { validate as ${as} };`, resolveDir: process.cwd(), loader: 'js' };
    });
  },
};

/** Every "format" a schema names. */
function formatNames(node, found = new Set()) {
  if (Array.isArray(node)) node.forEach((item) => formatNames(item, found));
  else if (node && typeof node === 'object') {
    if (typeof node.format === 'string') found.add(node.format);
    Object.values(node).forEach((value) => formatNames(value, found));
  }
  return [...found];
}

/**
 * esbuild's options for the bundle; `plugins` come before the schema plugin (a benchmark may stub a
 * module out). The first statement of the bundle holds the signals Node would otherwise act on
 * while the rest of the file loads (src/early-signals.ts says why).
 */
export async function bundleOptions({ outfile, plugins = [] }) {
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
  return {
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
    plugins: [...plugins, precompiledSchemas],
    logLevel: 'warning',
  };
}
