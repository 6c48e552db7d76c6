import { Command } from 'commander';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PluginError, errorMessage } from '../errors.js';
import { generateFiles, type GeneratedFile } from '../generate/generate-files.js';
import { parseTopology } from '../generate/parse-topology.js';
import { topologyWarnings } from '../generate/topology-warnings.js';

interface GenerateOptions {
  topology: string;
  out: string;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description("Write every NVA's exabgp.conf, plugin config, haproxy.cfg, loopback script and bootstrap (install.sh, cloud-init.yaml, azure.sh) from one topology file.")
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
    exabgp/nva-ne-1/install.sh           sets up an existing Debian 12 VM with all of the above
    exabgp/nva-ne-1/cloud-init.yaml      the same for a new VM, as Azure custom data
    exabgp/nva-ne-1/azure.sh             the az command for the NVA's BGP peering (not for platform "generic")

An invalid topology writes nothing and exits 1, naming the JSON path of each problem.
Warnings (as validate would print them for each plugin config) go to stderr.`,
    )
    .action(async (options: GenerateOptions) => {
      const topology = parseTopology(await readTopology(options.topology), options.topology);
      const files = generateFiles(topology);
      for (const file of files) await writeGenerated(options.out, file);
      process.stdout.write(files.map((file) => `${join(options.out, file.path)}\n`).join(''));
      // What validate would say of each generated plugin config, at the topology's own paths.
      for (const warning of topologyWarnings(topology)) process.stderr.write(`warning: ${warning}\n`);
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
