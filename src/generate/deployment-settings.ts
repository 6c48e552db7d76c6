import type { Platform } from '../config/platform.js';
import type { Topology, TopologyRegion } from './topology.js';

/**
 * Where a fresh NVA downloads the bundle, and its SHA-256 (`sha256sum dist/exabgp-anycast.js`):
 * the bundle is too big for Azure custom data, which holds 64 KiB.
 */
export interface BundleSource {
  url: string;
  sha256: string;
}

/** The Azure resources a region's NVAs peer with; `azure.sh` needs them. */
export interface AzureRegionSettings {
  resourceGroup?: string;
  /** Virtual WAN: the hub's name. */
  hubName?: string;
  /** Virtual WAN: the resource ID of the hub's connection to the NVAs' virtual network. */
  vnetConnectionId?: string;
  /** Route Server: its name. */
  routeServerName?: string;
}

// The deployment settings below are read when the topology has them; until topology.schema.json
// admits them, the bootstrap files carry placeholders marked TODO instead.

export function bundleSourceOf(topology: Topology): BundleSource | undefined {
  return (topology as Topology & { bundle?: BundleSource }).bundle;
}

export function azureSettingsOf(region: TopologyRegion): AzureRegionSettings {
  return (region as TopologyRegion & { azure?: AzureRegionSettings }).azure ?? {};
}

/** The topology's platform; `azure-vwan` is the default (issue 10). */
export function platformOf(topology: Topology): Platform {
  return (topology as Topology & { platform?: Platform }).platform ?? 'azure-vwan';
}
