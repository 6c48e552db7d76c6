import { Command } from 'commander';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PluginError, errorMessage } from '../errors.js';
import { generateFiles, type GeneratedFile } from '../generate/generate-files.js';
import { parseTopology } from '../generate/parse-topology.js';

interface GenerateOptions {
  topology: string;
  out: string;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description("Write every NVA's exabgp.conf, plugin config, haproxy.cfg and loopback script from one topology file.")
    .requiredOption('--topology <file>', 'the deployment topology (JSON, see src/generate/topology.schema.json)')
    .requiredOption('--out <dir>', 'where to write one directory per NVA (created if missing; files are overwritten)')
    .addHelpText(
      'after',
      `
Example:
  $ exabgp-anycast generate --topology examples/topology.json --out exabgp

  writes, for each NVA of each region (regions in order of preference):
    exabgp/nva-ne-1/exabgp.conf          neighbors + the plugin as API process, no static routes
    exabgp/nva-ne-1/exabgp-anycast.json  plugin config; as-path [ 65010 ] in the first region,
                                         two more 65010 per later region ("prependStep")
    exabgp/nva-ne-1/haproxy.cfg          stats socket, one frontend per service, checked backends
    exabgp/nva-ne-1/setup-loopback.sh    ip address replace 9.9.9.9/32 dev lo

An invalid topology writes nothing and exits 1, naming the JSON path of each problem.`,
    )
    .action(async (options: GenerateOptions) => {
      const files = generateFiles(parseTopology(await readTopology(options.topology), options.topology));
      for (const file of files) await writeGenerated(options.out, file);
      process.stdout.write(files.map((file) => `${join(options.out, file.path)}\n`).join(''));
    });
}

// --- internal ---

async function readTopology(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PluginError('ERR_CONFIG_READ', `cannot read topology ${path}: ${errorMessage(error)}`, { path }, { cause: error });
  }
}

async function writeGenerated(out: string, file: GeneratedFile): Promise<void> {
  const path = join(out, file.path);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    // chmod too: writeFile's mode only applies when it creates the file.
    await chmod(path, file.executable ? 0o755 : 0o644);
  } catch (error) {
    throw new PluginError(
      'ERR_USAGE',
      `cannot write ${path}: ${errorMessage(error)}; choose a writable --out directory`,
      { path },
      { cause: error },
    );
  }
}
