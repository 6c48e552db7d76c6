// Bundles the CLI into dist/exabgp-anycast.js (scripts/bundle-options.mjs says how).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { bundleOptions } from './bundle-options.mjs';

const outfile = 'dist/exabgp-anycast.js';
await build(await bundleOptions({ outfile }));
chmodSync(outfile, 0o755);
