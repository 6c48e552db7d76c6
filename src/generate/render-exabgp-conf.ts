import { isIPv4 } from 'node:net';
import { addressOfPrefix } from './address-of-prefix.js';
import { generatedHeader } from './generated-header.js';
import type { NvaPlacement } from './place-nvas.js';
import type { Topology } from './topology.js';

/** The name of the process block; every neighbor lists it in `api { processes [ … ]; }`. */
const processName = 'exabgp-anycast';

/**
 * The exabgp.conf of one NVA (valid for ExaBGP 4.2 and 5.0): the plugin as an API process and one
 * neighbor per hub peer. There is no static route: only the plugin announces the service prefixes.
 * Every neighbor offers route refresh, because Azure sends one to every NVA when a VNet peering is
 * created and hard-resets the sessions that do not support it; and the topology's hold time, which
 * is how long a frozen NVA keeps its routes at the hub.
 */
export function renderExabgpConf(topology: Topology, placement: NvaPlacement): string {
  const { nva } = placement;
  const routerId = nva.routerId ?? nva.address;
  const prefixes = topology.services.flatMap((service) => service.prefixes);
  const families = [
    ...(prefixes.some((prefix) => isIPv4(addressOfPrefix(prefix))) ? ['ipv4 unicast;'] : []),
    ...(prefixes.some((prefix) => !isIPv4(addressOfPrefix(prefix))) ? ['ipv6 unicast;'] : []),
  ];
  const neighbors = nva.peers.map((peer) =>
    [
      `neighbor ${peer} {`,
      `    router-id ${routerId};`,
      `    local-address ${nva.address};`,
      `    local-as ${topology.localAs};`,
      `    peer-as ${topology.peerAs};`,
      `    hold-time ${topology.holdTime};`,
      '    capability {',
      '        route-refresh;',
      '    }',
      '    family {',
      ...families.map((family) => `        ${family}`),
      '    }',
      '    api {',
      `        processes [ ${processName} ];`,
      '        neighbor-changes;',
      '    }',
      '}',
    ].join('\n'),
  );
  return [
    generatedHeader(placement),
    [
      `process ${processName} {`,
      `    run ${topology.nodePath} ${topology.pluginPath} run --config ${topology.pluginConfigPath};`,
      '    encoder json;',
      '}',
    ].join('\n'),
    `# No static routes: the ${processName} process announces ${prefixes.join(', ')} while HAProxy's backends are healthy.`,
    ...neighbors,
  ].join('\n\n') + '\n';
}
