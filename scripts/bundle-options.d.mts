import type { BuildOptions, Plugin } from 'esbuild';

/** esbuild's options for the bundle (scripts/bundle-options.mjs). */
export declare function bundleOptions(options: { outfile: string; plugins?: Plugin[] }): Promise<BuildOptions>;
