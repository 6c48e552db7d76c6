import { isIPv4 } from 'node:net';
import { addressOfPrefix } from './address-of-prefix.js';
import { generatedHeader } from './generated-header.js';
import type { NvaPlacement } from './place-nvas.js';
import type { Topology, TopologyService } from './topology.js';

type BackendSettings = Omit<TopologyService['haproxy'], 'port'>;

/**
 * The haproxy.cfg of one NVA (HAProxy 2.6): the stats socket the plugin reads, one frontend per
 * service bound to its addresses, and every backend the services' health rules name, with checks.
 */
export function renderHaproxyCfg(topology: Topology, placement: NvaPlacement): string {
  const sections = [
    [
      'global',
      '    log /dev/log local0',
      `    ${statsSocketLine(topology.stats.source)}`,
      '    stats timeout 30s',
      '    user haproxy',
      '    group haproxy',
    ],
    ['defaults', '    log global', '    timeout connect 5s', '    timeout client 30s', '    timeout server 30s'],
    ...topology.services.map(frontendSection),
    ...backendSettings(topology.services).map(([backend, settings]) => backendSection(backend, settings, placement)),
  ];
  return [generatedHeader(placement), ...sections.map((lines) => lines.join('\n'))].join('\n\n') + '\n';
}

// --- internal ---

/**
 * `unix:` keeps Debian's admin socket, guarded by file permissions: group haproxy, which the
 * plugin's user joins (HAProxy would otherwise create it root:root); TCP gets read-only `user` level.
 */
function statsSocketLine(source: string): string {
  if (source.startsWith('unix:')) {
    return `stats socket ${source.slice('unix:'.length)} mode 660 level admin group haproxy`;
  }
  const url = new URL(source);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return `stats socket ${isIPv4(host) ? 'ipv4' : 'ipv6'}@${host}:${url.port} level user`;
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

function backendSection(backend: string, { mode, check }: BackendSettings, { nva, region }: NvaPlacement): string[] {
  const servers = nva.backendServers?.[backend] ?? region.backendServers?.[backend] ?? [];
  return [
    `backend ${backend}`,
    `    mode ${mode}`,
    '    balance roundrobin',
    ...(mode === 'http' ? ['    option httpchk GET /'] : []),
    `    default-server inter ${check.interMs}ms fall ${check.fall} rise ${check.rise}`,
    ...(servers.length === 0
      ? [`    # No servers: list them in the topology under backendServers."${backend}" of region ${region.name} or NVA ${nva.name}.`]
      : servers.map((server, i) => `    server backend${String(i + 1).padStart(2, '0')} ${server} check`)),
  ];
}
