import type { Platform } from '../config/platform.js';

/** How a Virtual WAN hub chooses among routes to one prefix (Azure's hubRoutingPreference). */
export type HubRoutingPreference = 'ExpressRoute' | 'VpnGateway' | 'ASPath';

/**
 * A validated deployment topology (src/generate/topology.schema.json), with defaults filled in.
 * After parseTopology returns one, its fields are trusted.
 */
export interface Topology {
  /** Whose BGP rules apply; written into every plugin config. */
  platform: Platform;
  localAs: number;
  peerAs: number;
  pluginPath: string;
  nodePath: string;
  pluginConfigPath: string;
  /** Where a fresh NVA downloads the bundle (cloud-init.yaml). */
  bundle?: { url: string; sha256: string };
  prependStep: number;
  /** Seconds; 0 or 3-65535. */
  holdTime: number;
  hubRoutingPreference: HubRoutingPreference;
  /** Each NVA's plugin serves /metrics and /status on its own address and this port. */
  metrics?: { port: number };
  stats: { source: string; timeoutMs?: unknown };
  /** Each region's HAProxy forwards to the other regions' servers (as backups) while its own are down. */
  bridge: boolean;
  services: TopologyService[];
  /** Most preferred first. */
  regions: TopologyRegion[];
  /** Plugin settings passed on unchanged; loadConfig checks them. */
  intervalMs?: unknown;
  rise?: unknown;
  fall?: unknown;
  disableFile?: unknown;
  onStatsError?: unknown;
  staleMs?: unknown;
}

/** HAProxy's `inter`/`fall`/`rise` for a backend's servers. */
export interface HealthCheck {
  interMs: number;
  fall: number;
  rise: number;
}

/** A service; any other per-service plugin setting (med, communities, onDown, …) rides along. */
export interface TopologyService {
  name: string;
  prefixes: string[];
  health: { backends: string[]; [setting: string]: unknown };
  haproxy: { port: number; mode: 'http' | 'tcp'; check: HealthCheck };
  [setting: string]: unknown;
}

export interface TopologyRegion {
  name: string;
  /** The Azure resources of the region's hub, for azure.sh and plan. */
  azure?: AzureRegionResources;
  backendServers?: BackendServers;
  nvas: TopologyNva[];
}

export interface AzureRegionResources {
  resourceGroup?: string;
  /** Virtual WAN: the hub's name. */
  hubName?: string;
  /** Virtual WAN: the resource ID of the hub's connection to the NVAs' virtual network. */
  vnetConnectionId?: string;
  /** Route Server: its name. */
  routeServerName?: string;
}

export interface TopologyNva {
  name: string;
  address: string;
  routerId?: string;
  peers: string[];
  backendServers?: BackendServers;
}

/** "address:port" servers by HAProxy backend name. */
export type BackendServers = Record<string, string[]>;
