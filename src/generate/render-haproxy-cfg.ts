import { isIPv4 } from 'node:net';
import { dirname } from 'node:path';
import { addressOfPrefix } from './address-of-prefix.js';
import { generatedHeader } from './generated-header.js';
import type { NvaPlacement } from './place-nvas.js';
import type { BackendServers, Topology, TopologyRegion, TopologyService } from './topology.js';

/** The log ring HAProxy writes its server state changes to, and the plugin follows (stats.events). */
export const eventRing = 'exabgp-anycast';

type BackendSettings = Omit<TopologyService['haproxy'], 'port'>;

/**
 * The haproxy.cfg of one NVA (HAProxy 2.6): a stats socket and an event ring for the plugin, one
 * frontend per service bound to its addresses, and every backend the services' health rules name,
 * with active checks, passive health and retries, and (with `bridge`) the other regions' servers
 * as backups.
 */
export function renderHaproxyCfg(topology: Topology, placement: NvaPlacement): string {
  const sections = [
    [
      'global',
      '    log /dev/log local0',
      '    # Server state changes (notice and above; traffic logs are info) for the plugin\'s stats.events.',
      `    log ring@${eventRing} local0 notice`,
      ...statsSocketLines(topology.stats.source),
      '    stats timeout 30s',
      '    user haproxy',
      '    group haproxy',
    ],
    [
      `ring ${eventRing}`,
      '    description "server state changes, followed by exabgp-anycast"',
      // The plugin reads the process ID from each line to notice a reload.
      '    format rfc3164',
      '    maxlen 1200',
      '    size 32764',
    ],
    [
      'defaults',
      '    log global',
      // Short: a server that does not answer is tried elsewhere (retries, redispatch) and marked down
      // by passive health after one timeout, instead of after inter × fall.
      '    timeout connect 500ms',
      '    timeout client 30s',
      '    timeout server 30s',
    ],
    ...topology.services.map(frontendSection),
    ...backendSettings(topology.services).map(([backend, settings]) => backendSection(backend, settings, topology, placement)),
  ];
  return [generatedHeader(placement), ...sections.map((lines) => lines.join('\n'))].join('\n\n') + '\n';
}

// --- internal ---

/**
 * The plugin's own socket at `level operator` (`show stat`, `show info` and `show events`, nothing
 * that changes a server), owned by the group ExaBGP runs the plugin as. A `unix:` source keeps
 * Debian's admin socket for people next to it, as admin.sock.
 */
function statsSocketLines(source: string): string[] {
  if (source.startsWith('unix:')) {
    const path = source.slice('unix:'.length);
    return [
      `    stats socket ${dirname(path)}/admin.sock mode 660 level admin group haproxy`,
      `    stats socket ${path} mode 660 level operator group exabgp`,
    ];
  }
  const url = new URL(source);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return [`    stats socket ${isIPv4(host) ? 'ipv4' : 'ipv6'}@${host}:${url.port} level operator`];
}

function frontendSection(service: TopologyService): string[] {
  const { port, mode } = service.haproxy;
  return [
    `frontend ${service.name}`,
    `    mode ${mode}`,
    `    option ${mode}log`,
    ...service.prefixes.map((prefix) => {
      const address = addressOfPrefix(prefix);
      return `    bind ${isIPv4(address) ? address : `[${address}]`}:${port}`;
    }),
    `    default_backend ${service.health.backends[0]}`,
  ];
}

/** Each backend the services name, once, in order, with the mode and checks of the first service using it. */
function backendSettings(services: TopologyService[]): [string, BackendSettings][] {
  const settings = new Map<string, BackendSettings>();
  for (const service of services) {
    for (const backend of service.health.backends) {
      if (!settings.has(backend)) settings.set(backend, service.haproxy);
    }
  }
  return [...settings];
}

function backendSection(backend: string, { mode, check }: BackendSettings, topology: Topology, { nva, region }: NvaPlacement): string[] {
  const servers = nva.backendServers?.[backend] ?? region.backendServers?.[backend] ?? [];
  const bridge = topology.bridge ? topology.regions.filter((other) => other !== region).map((other) => [other, regionServers(other, backend)] as const) : [];
  return [
    `backend ${backend}`,
    `    mode ${mode}`,
    '    balance roundrobin',
    ...(mode === 'http' ? ['    option httpchk GET /'] : []),
    // A request whose server fails is sent to another one; HTTP also retries one the server dropped.
    // Not response-timeout: it would replay a slow request (a POST, too) after timeout server, and it
    // lets a client's first request reuse an idle connection, which into a hung server waits that long.
    '    retries 3',
    '    option redispatch 1',
    ...(mode === 'http' ? ['    retry-on conn-failure empty-response'] : []),
    `    default-server inter ${check.interMs}ms fall ${check.fall} rise ${check.rise} observe layer4 error-limit 1 on-error mark-down`,
    ...(servers.length === 0
      ? [`    # No servers: list them in the topology under backendServers."${backend}" of region ${region.name} or NVA ${nva.name}.`]
      : servers.map((server, i) => `    server backend${serial(i)} ${server} check`)),
    ...(bridge.some(([, others]) => others.length > 0)
      ? ['    # The bridge: used only while no server above is up, the first one up in this order.']
      : []),
    ...bridge.flatMap(([other, others]) => others.map((server, i) => `    server ${other.name}-${serial(i)} ${server} check backup`)),
  ];
}

/** A region's servers of a backend: the region's own list, or else its NVAs' lists, each server once. */
function regionServers(region: TopologyRegion, backend: string): string[] {
  const lists: Array<BackendServers | undefined> = region.backendServers?.[backend] ? [region.backendServers] : region.nvas.map((nva) => nva.backendServers);
  return [...new Set(lists.flatMap((servers) => servers?.[backend] ?? []))];
}

function serial(index: number): string {
  return String(index + 1).padStart(2, '0');
}
