import type { Platform } from '../config/platform.js';
import { generatedHeader } from './generated-header.js';
import { shellWord } from './nva-install-layout.js';
import type { NvaPlacement } from './place-nvas.js';
import type { Topology } from './topology.js';

/** A setting of the script: its shell variable, its value or TODO, and what it is. */
interface Setting {
  variable: string;
  value: string | undefined;
  what: string;
}

/**
 * azure.sh of one NVA: the `az` command that creates its BGP peering on the region's Virtual WAN hub
 * (`az network vhub bgpconnection create`) or Route Server (`az network routeserver peering create`).
 * Both of the hub's router instances peer with the one peering. First it reads the hub's router
 * addresses with `az … show` and stops unless they are the NVA's peers in exabgp.conf. It prints the
 * command, and runs it only with --apply. Undefined for the generic platform, which is not Azure.
 */
export function renderAzureSh(topology: Topology, placement: NvaPlacement): string | undefined {
  const { platform } = topology;
  if (platform === 'generic') return undefined;
  const { nva, region } = placement;
  const azure = region.azure ?? {};
  const vwan = platform === 'azure-vwan';
  const settings: Setting[] = [
    { variable: 'resource_group', value: azure.resourceGroup, what: `the resource group of ${vwan ? 'the hub' : 'the Route Server'}` },
    ...(vwan
      ? [
          { variable: 'hub_name', value: azure.hubName, what: `the Virtual WAN hub of region ${region.name}` },
          {
            variable: 'vnet_connection_id',
            value: azure.vnetConnectionId,
            what: "the resource ID of the hub's connection to the NVA's virtual network (az network vhub connection show … --query id)",
          },
        ]
      : [{ variable: 'route_server_name', value: azure.routeServerName, what: `the Route Server of region ${region.name}` }]),
  ];
  const todo = settings.filter((setting) => setting.value === undefined);
  // `sort` in the C locale orders as JavaScript's default sort does, so the two lists compare as text.
  const peers = [...nva.peers].sort();
  const peering = peeringCommand(platform, nva.name, topology.localAs, nva.address);
  return [
    '#!/bin/sh',
    generatedHeader(placement),
    `# Creates the BGP peering of NVA ${nva.name} (${nva.address}, AS ${topology.localAs}) on ${vwan ? `the Virtual WAN hub` : 'the Route Server'}`,
    `# of region ${region.name}; both of its router instances peer with it. First it reads their addresses`,
    '# and stops unless they are the peers in this NVA\'s exabgp.conf (they can change when Azure upgrades',
    '# the router). It prints the az command, and runs it only with --apply.',
    `# Needs the Azure CLI, logged in (az login)${vwan ? ', with its virtual-wan extension' : ''}.`,
    '#',
    '# Usage: sh azure.sh [--apply]',
    'set -eu',
    '',
    ...(todo.length > 0
      ? [`# TODO: set ${todo.map((setting) => setting.variable).join(', ')} (or "azure" in the topology's region ${region.name}, then generate again).`]
      : []),
    ...settings.flatMap(({ variable, value, what }) => [`# ${what}`, `${variable}=${shellWord(value ?? 'TODO')}`]),
    '',
    'apply=false',
    'case "${1-}" in',
    '  --apply) apply=true ;;',
    "  '') ;;",
    "  *) echo \"azure.sh: unknown argument '$1'; expected --apply or nothing\" >&2; exit 2 ;;",
    'esac',
    ...(todo.length > 0
      ? [
          `case "${todo.map((setting) => `$${setting.variable}`).join(' ')}" in *TODO*)`,
          `  echo 'azure.sh: set ${todo.map((setting) => setting.variable).join(', ')} at the top of this script (marked TODO)' >&2; exit 1 ;;`,
          'esac',
        ]
      : []),
    '',
    `router_ips=$(${showCommand(platform)} --query virtualRouterIps --output tsv)`,
    'router_ips=$(printf \'%s\\n\' "$router_ips" | LC_ALL=C sort)',
    `expected='${peers.join('\n')}'`,
    'if [ "$router_ips" != "$expected" ]; then',
    `  echo "azure.sh: the router addresses of ${vwan ? '$hub_name' : '$route_server_name'} are $(echo "$router_ips" | paste -sd ' ' -)," \\`,
    `    "but exabgp.conf peers with ${peers.join(' ')};" \\`,
    `    "set the peers of NVA ${nva.name} in the topology to the router addresses and generate again" >&2`,
    '  exit 1',
    'fi',
    '',
    'set -- ' + peering,
    'printf \'%s\\n\' "$*"',
    'if [ "$apply" = true ]; then',
    '  "$@"',
    'else',
    "  echo '# Not run: run azure.sh --apply to create the peering.'",
    'fi',
    '',
  ].join('\n');
}

// --- internal ---

function showCommand(platform: Exclude<Platform, 'generic'>): string {
  return platform === 'azure-vwan'
    ? 'az network vhub show --resource-group "$resource_group" --name "$hub_name"'
    : 'az network routeserver show --resource-group "$resource_group" --name "$route_server_name"';
}

function peeringCommand(platform: Exclude<Platform, 'generic'>, name: string, asn: number, address: string): string {
  const peer = `--name ${shellWord(name)} --peer-asn ${asn} --peer-ip ${address}`;
  return platform === 'azure-vwan'
    ? `az network vhub bgpconnection create --resource-group "$resource_group" --vhub-name "$hub_name" ${peer} --vhub-conn "$vnet_connection_id"`
    : `az network routeserver peering create --resource-group "$resource_group" --routeserver "$route_server_name" ${peer}`;
}
