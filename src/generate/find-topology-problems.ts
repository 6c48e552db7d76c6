import { isIP } from 'node:net';
import { basename, dirname } from 'node:path';
import { asnProblem, azurePeerAs, ianaReservation, isAzure, peerName, routeCountCheck } from '../config/platform.js';
import { prefixProblem } from '../config/prefix.js';
import { redactUrlCredentials } from '../config/redact-url-credentials.js';
import type { BackendServers, Topology } from './topology.js';

/**
 * Checks a schema-valid topology for what a schema cannot express: names and addresses that must
 * be unique, address families that must match, references between objects, and the platform's BGP
 * rules (ASNs, both hub instances, route limits). Each problem names the JSON path, the bad value
 * and what to do. The other settings passed on to the plugin are left to loadConfig.
 *
 * The next hop needs no check: a topology cannot set one, and every route goes out with
 * `next-hop self`, the NVA's own peering address, as Azure requires.
 */
export function findTopologyProblems(topology: Topology): string[] {
  return [
    ...asnProblems(topology),
    ...holdTimeProblems(topology),
    ...statsProblems(topology),
    ...serviceProblems(topology),
    ...routeCountProblems(topology),
    ...regionProblems(topology),
  ];
}

// --- internal ---

function asnProblems({ localAs, peerAs, platform }: Topology): string[] {
  const local = asnProblem(localAs, platform);
  if (local !== undefined) return [`/localAs: ${local}`, ...peerAsProblems(peerAs, platform)];
  if (localAs === peerAs) {
    return [
      `/peerAs: ${peerAs} is also localAs; the NVAs peer with the hub over eBGP, so peerAs must be the hub's ASN ` +
        '(65515 for an Azure Virtual WAN hub) and localAs one of your own',
    ];
  }
  return peerAsProblems(peerAs, platform);
}

function peerAsProblems(peerAs: number, platform: Topology['platform']): string[] {
  if (isAzure(platform)) {
    return peerAs === azurePeerAs
      ? []
      : [`/peerAs: ${peerAs} is not ${peerName(platform)}'s ASN, which is always ${azurePeerAs}; set peerAs ${azurePeerAs}, or platform "generic" if the peers are not Azure`];
  }
  const reserved = ianaReservation(peerAs);
  return reserved === undefined ? [] : [`/peerAs: ${reserved}; set peerAs to the ASN the peers really use`];
}

function holdTimeProblems({ holdTime }: Topology): string[] {
  return holdTime === 1 || holdTime === 2
    ? [`/holdTime: ${holdTime} is not a BGP hold time, which is 0 (no keepalives) or at least 3 seconds (RFC 4271); use 3 or more`]
    : [];
}

/** Every NVA sends every service's prefixes to each of its peers. */
function routeCountProblems({ services, platform }: Topology): string[] {
  const count = services.reduce((sum, service) => sum + service.prefixes.length, 0);
  const { problem } = routeCountCheck(count, platform, '/services', 'each peer of every NVA');
  return problem === undefined ? [] : [problem];
}

function statsProblems({ stats }: Topology): string[] {
  if (stats.source.startsWith('unix:')) {
    const path = stats.source.slice('unix:'.length);
    return basename(path) === 'admin.sock'
      ? [
          `/stats/source: "${stats.source}" is HAProxy's admin socket; the plugin gets a socket of its own at level operator, ` +
            `and admin.sock stays for people: use e.g. "unix:${dirname(path)}/exabgp-anycast.sock"`,
        ]
      : [];
  }
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
    problems.push(...hubPeerProblems(topology, r));
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

/**
 * On Azure, the hub (or Route Server) runs two instances, and every NVA must peer with both and send
 * both the same routes (RS-FAQ; VW-BGP); the NVAs of one region peer with its one hub.
 */
function hubPeerProblems({ platform, regions }: Topology, r: number): string[] {
  if (!isAzure(platform)) return [];
  const region = regions[r];
  const first = region?.nvas[0];
  if (region === undefined || first === undefined) return [];
  const samePeers = (peers: string[]) => [...peers].sort().join(' ');
  return region.nvas.flatMap((nva, n) => {
    const at = `/regions/${r}/nvas/${n}/peers`;
    if (nva.peers.length < 2) {
      return [
        `${at}: lists ${nva.peers.length} address (${nva.peers.map((p) => `"${p}"`).join(', ')}), but ${peerName(platform)} runs two instances ` +
          'and each NVA must peer with both and send both the same routes; add the other router address ' +
          `(${platform === 'azure-vwan' ? 'az network vhub show --query virtualRouterIps' : 'az network routeserver show --query virtualRouterIps'})`,
      ];
    }
    return n > 0 && samePeers(nva.peers) !== samePeers(first.peers)
      ? [`${at}: differs from the peers of NVA ${first.name}; the NVAs of region ${region.name} peer with the same hub, so list the same two addresses`]
      : [];
  });
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
