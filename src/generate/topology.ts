/**
 * A validated deployment topology (src/generate/topology.schema.json), with defaults filled in.
 * After parseTopology returns one, its fields are trusted.
 */
export interface Topology {
  localAs: number;
  peerAs: number;
  pluginPath: string;
  nodePath: string;
  pluginConfigPath: string;
  prependStep: number;
  stats: { source: string; timeoutMs?: unknown };
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
  backendServers?: BackendServers;
  nvas: TopologyNva[];
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
