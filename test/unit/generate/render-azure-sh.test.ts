import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { renderAzureSh } from '../../../src/generate/render-azure-sh.js';
import type { AzureRegionResources } from '../../../src/generate/topology.js';
import { seedWith, type Change } from './topologies.js';

function scriptOf(platform: string, azure?: AzureRegionResources): string | undefined {
  const changes: Change[] = [['/platform', platform], ...(azure === undefined ? [] : [['/regions/0/azure', azure] as Change])];
  const topology = parseTopology(seedWith(...changes), 'topology.json');
  const placement = placeNvas(topology)[0];
  if (placement === undefined) throw new Error('no NVA');
  return renderAzureSh(topology, placement);
}

const commandLine = (script: string | undefined) => /^set -- (az .*)$/m.exec(script ?? '')?.[1];

describe('renderAzureSh', () => {
  it.each([
    {
      platform: 'azure-vwan',
      show: 'az network vhub show --resource-group "$resource_group" --name "$hub_name" --query virtualRouterIps --output tsv',
      create:
        'az network vhub bgpconnection create --resource-group "$resource_group" --vhub-name "$hub_name" --name nva-ne-1 --peer-asn 65010 --peer-ip 172.16.156.70 --vhub-conn "$vnet_connection_id"',
    },
    {
      platform: 'azure-route-server',
      show: 'az network routeserver show --resource-group "$resource_group" --name "$route_server_name" --query virtualRouterIps --output tsv',
      create:
        'az network routeserver peering create --resource-group "$resource_group" --routeserver "$route_server_name" --name nva-ne-1 --peer-asn 65010 --peer-ip 172.16.156.70',
    },
  ])('on $platform, peers the NVA’s address and ASN after reading the router addresses', ({ platform, show, create }) => {
    const script = scriptOf(platform);
    expect(commandLine(script)).toBe(create);
    expect(script).toContain(`router_ips=$(${show})\n`);
    expect(script).toContain("expected='10.16.96.4\n10.16.96.5'\n");
  });

  it('writes nothing for the generic platform, which is not Azure', () => {
    expect(scriptOf('generic')).toBeUndefined();
  });

  it('stops with a TODO until the Azure resources are named', () => {
    const script = scriptOf('azure-vwan') ?? '';
    expect(script).toContain('resource_group=TODO\n');
    expect(script).toContain("echo 'azure.sh: set resource_group, hub_name, vnet_connection_id at the top of this script (marked TODO)' >&2; exit 1");
  });

  it('takes the Azure resources from the topology’s region, quoted for the shell', () => {
    const script = scriptOf('azure-route-server', { resourceGroup: 'rg(anycast)', routeServerName: 'rs-ne' }) ?? '';
    expect(script).not.toContain('TODO');
    expect(script).toContain("resource_group='rg(anycast)'\n");
    expect(script).toContain('route_server_name=rs-ne\n');
  });
});
