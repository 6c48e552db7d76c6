import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { PluginError, errorMessage } from '../errors.js';
import { parseTopology } from '../generate/parse-topology.js';
import type { Topology } from '../generate/topology.js';
import { fleetExitCode, formatFleet, preferences, type NvaAnswer } from '../status/fleet.js';
import { formatStatus, statusExitCode, type StatusExitCode } from '../status/format-status.js';
import { defaultPluginUrl, pluginUrlFromConfig, readStatus, urlOfAddress } from '../status/plugin-client.js';

interface StatusFlags {
  url?: string;
  config?: string;
  json?: boolean;
  topology?: string;
  port?: number;
}

/** One plugin answers within this, or it counts as unreachable (a monitoring check must not hang). */
const timeoutMs = 3000;
/** Shorter for the fleet: the NVAs are asked in parallel and one dead NVA must not hold up the view. */
const fleetTimeoutMs = 2000;
const defaultPort = 9834;

export function statusCommand(): Command {
  return new Command('status')
    .description('Ask a running plugin (GET /status) what it announces and why; with --topology, every NVA of the fleet.')
    .addOption(new Option('--url <url>', `the plugin's address (default: --config's metrics.listen, else ${defaultPluginUrl})`).conflicts('topology'))
    .addOption(new Option('-c, --config <file>', 'the plugin config; its metrics.listen says where the plugin listens').conflicts('topology'))
    .option('--json', 'print the status as JSON instead of a table')
    .option('--topology <file>', 'ask every NVA of this topology (generate\'s input) at its address')
    .option('--port <n>', `with --topology: the port every NVA serves /status on (default: the topology's metrics.port, else ${defaultPort})`, port)
    .addHelpText(
      'after',
      `
Exit codes (as monitoring plugins): 0 every service up and every route acknowledged by ExaBGP,
1 a service not up or a route not announced (or, with --topology, an NVA unreachable),
2 the plugin cannot be reached (with --topology: no NVA answered); the reason goes to stderr.
The plugin serves /status only when run has metrics.listen (or --metrics-listen).

Examples:
  exabgp-anycast status --config /etc/exabgp-anycast/exabgp-anycast.json
  exabgp-anycast status --url http://127.0.0.1:9834 --json
  exabgp-anycast status --topology topology.json --port 9834`,
    )
    .action(async (flags: StatusFlags) => {
      if (flags.port !== undefined && flags.topology === undefined) throw new PluginError('ERR_USAGE', '--port goes with --topology; for one plugin give --url');
      const code = flags.topology === undefined ? await showPlugin(flags) : await showFleet(flags.topology, flags);
      process.exitCode = code;
    });
}

async function showPlugin(flags: StatusFlags): Promise<StatusExitCode> {
  const url = flags.url !== undefined ? { ok: true as const, value: flags.url } : flags.config !== undefined ? pluginUrlFromConfig(flags.config) : { ok: true as const, value: defaultPluginUrl };
  const reply = url.ok ? await readStatus(url.value, timeoutMs) : url;
  if (!reply.ok) return unreachable(reply.reason);
  process.stdout.write(flags.json ? `${JSON.stringify(reply.value, null, 2)}\n` : formatStatus(reply.value));
  return statusExitCode(reply.value);
}

async function showFleet(topologyFile: string, flags: StatusFlags): Promise<StatusExitCode> {
  let text: string;
  try {
    text = readFileSync(topologyFile, 'utf8');
  } catch (error) {
    return unreachable(`cannot read ${topologyFile}: ${errorMessage(error)}`);
  }
  let topology: Topology;
  try {
    topology = parseTopology(text, topologyFile);
  } catch (error) {
    if (!(error instanceof PluginError)) throw error;
    return unreachable(error.message);
  }
  const nvaPort = flags.port ?? topology.metrics?.port ?? defaultPort;
  const answers: NvaAnswer[] = await Promise.all(
    topology.regions.flatMap((region) =>
      region.nvas.map(async (nva) => ({
        region: region.name,
        nva: nva.name,
        address: nva.address,
        answer: await readStatus(urlOfAddress(nva.address, nvaPort), fleetTimeoutMs).then((reply) =>
          reply.ok ? { ok: true as const, status: reply.value } : { ok: false as const, reason: reply.reason },
        ),
      })),
    ),
  );
  const services = topology.services.map(({ name, prefixes }) => ({ name, prefixes }));
  if (flags.json) {
    const json = {
      services: services.map(({ name, prefixes }) => ({ name, preferences: preferences(name, prefixes, answers) })),
      nvas: answers.map(({ region, nva, address, answer }) => ({ region, nva, address, ...(answer.ok ? { status: answer.status } : { unreachable: answer.reason }) })),
    };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    process.stdout.write(formatFleet(services, answers));
  }
  const code = fleetExitCode(answers);
  if (code === 2) process.stderr.write(`exabgp-anycast: no NVA of ${topologyFile} answered on port ${nvaPort}\n`);
  return code;
}

function unreachable(reason: string): 2 {
  process.stderr.write(`exabgp-anycast: ${reason}\n`);
  return 2;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new PluginError('ERR_USAGE', `--port takes a port number 1-65535, got "${value}"`);
  return n;
}
