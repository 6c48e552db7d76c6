import { configWarnings } from '../config/config-warnings.js';
import { loadConfig } from '../config/load-config.js';
import { isLoopback } from '../config/listen-address.js';
import { serverAddressHost } from './is-server-address.js';
import { placeNvas } from './place-nvas.js';
import { renderPluginConfig } from './render-plugin-config.js';
import type { BackendServers, Topology } from './topology.js';

/**
 * What `validate` will warn about in the generated plugin configs (a public resolver's address,
 * routes near the platform's limit, slow rise or fall…), at the same JSON paths as in the
 * topology, each once, and what would defeat the bridge. The configs differ only in asPath, so one
 * NVA per region stands for it.
 */
export function topologyWarnings(topology: Topology): string[] {
  const placements = placeNvas(topology).filter((placement) => placement.nva === placement.region.nvas[0]);
  const pluginWarnings = placements.flatMap((placement) => configWarnings(loadConfig(renderPluginConfig(topology, placement), placement.nva.name)));
  return [...new Set([...pluginWarnings, ...(topology.bridge && topology.regions.length > 1 ? bridgeWarnings(topology) : [])])];
}

// --- internal ---

/**
 * The bridge makes other regions' servers backups in every backend: counted, they would keep a
 * region announced with all its own servers down; on loopback, no other region can reach them.
 */
function bridgeWarnings(topology: Topology): string[] {
  const countingBackups = topology.services.flatMap((service, i) =>
    service.health.countBackup === true
      ? [
          `/services/${i}/health/countBackup: true counts the bridge's backup servers (other regions' servers), so this service stays announced ` +
            'in a region whose own servers are all down; remove countBackup, or set bridge: false',
        ]
      : [],
  );
  const unreachable = topology.regions.flatMap((region, r) => [
    ...loopbackServers(region.backendServers, `/regions/${r}/backendServers`),
    ...region.nvas.flatMap((nva, n) => loopbackServers(nva.backendServers, `/regions/${r}/nvas/${n}/backendServers`)),
  ]);
  return [...countingBackups, ...unreachable];
}

function loopbackServers(servers: BackendServers | undefined, at: string): string[] {
  return Object.entries(servers ?? {}).flatMap(([backend, list]) =>
    list.flatMap((server, i) =>
      isLoopback(serverAddressHost(server) ?? '')
        ? [`${at}/${backend}/${i}: ${server} is on loopback, so the other regions' HAProxies cannot reach it over the bridge; list an address they can reach, or set bridge: false`]
        : [],
    ),
  );
}
