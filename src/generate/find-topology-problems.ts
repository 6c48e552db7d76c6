import { isIP } from 'node:net';
import { prefixProblem } from '../config/prefix.js';
import { redactUrlCredentials } from '../config/redact-url-credentials.js';
import type { BackendServers, Topology } from './topology.js';

/**
 * Checks a schema-valid topology for what a schema cannot express: names and addresses that must
 * be unique, address families that must match, and references between objects. Each problem names
 * the JSON path, the bad value and what to do. The other settings passed on to the plugin are left
 * to loadConfig.
 */
export function findTopologyProblems(topology: Topology): string[] {
  return [...asnProblems(topology), ...statsProblems(topology), ...serviceProblems(topology), ...regionProblems(topology)];
}

// --- internal ---

function asnProblems({ localAs, peerAs }: Topology): string[] {
  return localAs === peerAs
    ? [
        `/peerAs: ${peerAs} is also localAs; the NVAs peer with the hub over eBGP, so peerAs must be the hub's ASN ` +
          '(65515 for an Azure Virtual WAN hub) and localAs one of your own',
      ]
    : [];
}

function statsProblems({ stats }: Topology): string[] {
  if (!stats.source.startsWith('tcp://')) return [];
  const url = URL.canParse(stats.source) ? new URL(stats.source) : undefined;
  const host = url?.hostname.replace(/^\[|\]$/g, '') ?? '';
  return isIP(host) === 0 || url?.port === ''
    ? [`/stats/source: "${redactUrlCredentials(stats.source)}" must be tcp://<IP address>:<port>, e.g. tcp://127.0.0.1:9999, for HAProxy to listen on it`]
    : [];
}

function serviceProblems({ services }: Topology): string[] {
  const problems: string[] = [];
  const modeOfBackend = new Map<string, { mode: string; service: string }>();
  services.forEach((service, i) => {
    service.prefixes.forEach((prefix, j) => {
      const problem = prefixProblem(prefix);
      if (problem !== undefined) problems.push(`/services/${i}/prefixes/${j}: ${problem}`);
    });
    for (const backend of service.health.backends) {
      const first = modeOfBackend.get(backend);
      if (first === undefined) {
        modeOfBackend.set(backend, { mode: service.haproxy.mode, service: service.name });
      } else if (first.mode !== service.haproxy.mode) {
        problems.push(
          `/services/${i}/haproxy/mode: "${service.haproxy.mode}" differs from "${first.mode}" of service "${first.service}", ` +
            `which shares backend "${backend}"; give both services the same mode or separate backends`,
        );
      }
    }
  });
  return problems;
}

function regionProblems(topology: Topology): string[] {
  const backends = new Set(topology.services.flatMap((service) => service.health.backends));
  const problems: string[] = [];
  const regionNames = new Map<string, string>();
  const nvaNames = new Map<string, string>();
  const nvaAddresses = new Map<string, string>();
  topology.regions.forEach((region, r) => {
    const at = `/regions/${r}`;
    problems.push(...firstUse(regionNames, region.name, `${at}/name`, 'region name'));
    problems.push(...backendServerProblems(region.backendServers, `${at}/backendServers`, backends));
    region.nvas.forEach((nva, n) => {
      const nvaAt = `${at}/nvas/${n}`;
      problems.push(...firstUse(nvaNames, nva.name, `${nvaAt}/name`, 'NVA name (it names the output directory)'));
      problems.push(...firstUse(nvaAddresses, nva.address, `${nvaAt}/address`, 'NVA address'));
      problems.push(...backendServerProblems(nva.backendServers, `${nvaAt}/backendServers`, backends));
      const family = isIP(nva.address);
      if (family === 6 && nva.routerId === undefined) {
        problems.push(`${nvaAt}/routerId: is missing; NVA address "${nva.address}" is IPv6, so set an IPv4 router-id, e.g. "192.0.2.1"`);
      }
      nva.peers.forEach((peer, p) => {
        if (peer === nva.address) {
          problems.push(`${nvaAt}/peers/${p}: "${peer}" is the NVA's own address; list the hub's BGP peer addresses`);
        } else if (isIP(peer) !== family) {
          problems.push(
            `${nvaAt}/peers/${p}: "${peer}" is IPv${isIP(peer)} but the NVA address "${nva.address}" is IPv${family}; ` +
              'a session needs both ends in the same family (ExaBGP uses address as local-address)',
          );
        }
      });
    });
  });
  return problems;
}

/** Records the first path where `value` is used; reports any later use. */
function firstUse(seen: Map<string, string>, value: string, path: string, what: string): string[] {
  const first = seen.get(value);
  if (first === undefined) {
    seen.set(value, path);
    return [];
  }
  return [`${path}: "${value}" is already used at ${first}; each ${what} must be unique`];
}

function backendServerProblems(servers: BackendServers | undefined, at: string, backends: Set<string>): string[] {
  const known = [...backends].map((name) => `"${name}"`).join(', ');
  return Object.keys(servers ?? {})
    .filter((backend) => !backends.has(backend))
    .map((backend) => `${at}/${backend}: no service's health.backends names "${backend}"; expected one of ${known}`);
}
