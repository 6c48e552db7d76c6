import { describe, expect, it } from 'vitest';
import { PluginError } from '../../../src/errors.js';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { readTopologyText, seedWith, topologyFiles, type Change } from './topologies.js';

/** The message of the PluginError that parsing `text` throws; fails the test if it throws none. */
function problemsOf(text: string): string {
  try {
    parseTopology(text, 'topology.json');
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).code).toBe('ERR_TOPOLOGY_INVALID');
    return (error as PluginError).message;
  }
  throw new Error('expected parseTopology to throw');
}

describe('parseTopology', () => {
  it.each(topologyFiles)('accepts %s', (file) => {
    expect(() => parseTopology(readTopologyText(file), file)).not.toThrow();
  });

  it('fills in the defaults of every optional setting', () => {
    const topology = parseTopology(seedWith(), 'topology.json');
    expect(topology).toMatchObject({
      nodePath: '/usr/bin/node',
      pluginConfigPath: '/etc/exabgp-anycast/exabgp-anycast.json',
      prependStep: 2,
      platform: 'azure-vwan',
      holdTime: 180,
      hubRoutingPreference: 'ExpressRoute',
    });
    expect(topology.services[0]?.haproxy).toEqual({ port: 80, mode: 'http', check: { interMs: 1000, fall: 2, rise: 2 } });
  });

  it('writes every prefix in one canonical form, whatever form the topology used', () => {
    const topology = parseTopology(seedWith(['/services/0/prefixes', ['198.18.0.0/024', '2001:DB8:0::/48']]), 'topology.json');
    expect(topology.services[0]?.prefixes).toEqual(['198.18.0.0/24', '2001:db8::/48']);
  });

  it('rejects text that is not JSON, naming the file', () => {
    expect(problemsOf('{ "localAs": 65010,')).toMatch(/^topology\.json: not valid JSON: /);
  });

  it('lists every problem of a topology at once, one per line', () => {
    const message = problemsOf(seedWith(['/localAs', 0], ['/regions/0/nvas/0/peers/1', 'ten']));
    expect(message).toBe(
      [
        'topology.json: invalid topology:',
        '  - /localAs: must be >= 1 (got 0); expected the ASN every NVA speaks BGP as, an integer 1-4294967295 (65010 in the seed)',
        '  - /regions/0/nvas/0/peers/1: must match format "ip" (got "ten"); expected an IPv4 or IPv6 address, e.g. "10.16.96.4"',
      ].join('\n'),
    );
  });

  it.each<{ title: string; changes: Change[]; expected: string }>([
    {
      title: 'rejects an ASN above 4294967295',
      changes: [['/peerAs', 4294967296]],
      expected: '/peerAs: must be <= 4294967295 (got 4294967296); expected the ASN of the hub',
    },
    {
      title: 'rejects a localAs equal to peerAs, since the hub peering is eBGP',
      changes: [['/peerAs', 65010]],
      expected: '/peerAs: 65010 is also localAs; the NVAs peer with the hub over eBGP',
    },
    {
      title: 'rejects a negative prependStep',
      changes: [['/prependStep', -2]],
      expected: '/prependStep: must be >= 0 (got -2)',
    },
    {
      title: 'rejects an empty list of regions',
      changes: [['/regions', []]],
      expected: '/regions: must NOT have fewer than 1 items (got []); expected a non-empty list of regions, most preferred first',
    },
    {
      title: 'rejects an unknown top-level setting and lists the known ones',
      changes: [['/prepend', 2]],
      expected: '/prepend: unknown setting; expected one of "$schema", "platform", "localAs", "peerAs"',
    },
    {
      title: 'rejects a plugin path with a space, which ExaBGP would split',
      changes: [['/pluginPath', '/opt/my plugin/exabgp-anycast.js']],
      expected: '/pluginPath: must match pattern',
    },
    {
      title: 'rejects an http stats source, which the generated haproxy.cfg does not serve',
      changes: [['/stats/source', 'http://127.0.0.1:8404/stats']],
      expected: '/stats/source: must match pattern "^(unix:/[^\\s;\'"{}#]+|tcp://[^\\s/;\'"{}#]+)$" (got "http://127.0.0.1:8404/stats")',
    },
    {
      title: 'rejects a tcp stats source whose host is not an IP address',
      changes: [['/stats/source', 'tcp://localhost:9999']],
      expected: '/stats/source: "tcp://localhost:9999" must be tcp://<IP address>:<port>',
    },
    {
      title: 'rejects HAProxy’s admin socket as the plugin’s, which gets one of its own at level operator',
      changes: [['/stats/source', 'unix:/run/haproxy/admin.sock']],
      expected:
        '/stats/source: "unix:/run/haproxy/admin.sock" is HAProxy\'s admin socket; the plugin gets a socket of its own at level operator, ' +
        'and admin.sock stays for people: use e.g. "unix:/run/haproxy/exabgp-anycast.sock"',
    },
    {
      title: 'rejects a peer that is not an IP address',
      changes: [['/regions/1/nvas/0/peers/0', '10.15.96']],
      expected: '/regions/1/nvas/0/peers/0: must match format "ip" (got "10.15.96")',
    },
    {
      title: 'rejects a peer whose address family differs from the NVA address',
      changes: [['/regions/0/nvas/0/peers/0', '2001:db8::4']],
      expected: '/regions/0/nvas/0/peers/0: "2001:db8::4" is IPv6 but the NVA address "172.16.156.70" is IPv4',
    },
    {
      title: 'rejects a peer that is the NVA itself',
      changes: [['/regions/0/nvas/0/peers/0', '172.16.156.70']],
      expected: `/regions/0/nvas/0/peers/0: "172.16.156.70" is the NVA's own address`,
    },
    {
      title: 'rejects a peer listed twice',
      changes: [['/regions/0/nvas/0/peers/1', '10.16.96.4']],
      expected: '/regions/0/nvas/0/peers: must NOT have duplicate items',
    },
    {
      title: 'rejects an NVA without an address, saying what the address is for',
      changes: [['/regions/0/nvas/0/address', undefined]],
      expected: `/regions/0/nvas/0/address: is missing; expected the NVA's own address, used as local-address`,
    },
    {
      title: 'rejects an NVA name used twice, since it names the output directory',
      changes: [['/regions/1/nvas/0/name', 'nva-ne-1']],
      expected: '/regions/1/nvas/0/name: "nva-ne-1" is already used at /regions/0/nvas/0/name',
    },
    {
      title: 'rejects an NVA name that is not a plain directory name',
      changes: [['/regions/1/nvas/0/name', '../nva']],
      expected: '/regions/1/nvas/0/name: must match pattern',
    },
    {
      title: 'rejects an NVA address used twice',
      changes: [['/regions/1/nvas/0/address', '172.16.156.70']],
      expected: '/regions/1/nvas/0/address: "172.16.156.70" is already used at /regions/0/nvas/0/address',
    },
    {
      title: 'rejects a region name used twice',
      changes: [['/regions/1/name', 'northeurope']],
      expected: '/regions/1/name: "northeurope" is already used at /regions/0/name',
    },
    {
      title: 'rejects an IPv6 NVA without an IPv4 router-id',
      changes: [
        ['/regions/0/nvas/0/address', '2001:db8::70'],
        ['/regions/0/nvas/0/peers', ['2001:db8::4', '2001:db8::5']],
      ],
      expected: '/regions/0/nvas/0/routerId: is missing; NVA address "2001:db8::70" is IPv6',
    },
    {
      title: 'rejects a router-id that is not IPv4',
      changes: [['/regions/0/nvas/0/routerId', '2001:db8::70']],
      expected: '/regions/0/nvas/0/routerId: must match format "ipv4" (got "2001:db8::70")',
    },
    {
      title: 'rejects a backend server without a port',
      changes: [['/regions/0/backendServers/http_back', ['172.16.156.69']]],
      expected: '/regions/0/backendServers/http_back/0: must match format "server-address" (got "172.16.156.69")',
    },
    {
      title: 'rejects backend servers for a backend no service checks',
      changes: [['/regions/0/backendServers/http_bak', ['172.16.156.69:80']]],
      expected: `/regions/0/backendServers/http_bak: no service's health.backends names "http_bak"; expected one of "http_back"`,
    },
    {
      title: 'rejects a backend name HAProxy cannot use',
      changes: [['/regions/0/backendServers/http back', ['172.16.156.69:80']]],
      expected: '/regions/0/backendServers/http back: must match pattern',
    },
    {
      title: 'rejects a service name HAProxy cannot use as a frontend name',
      changes: [['/services/0/name', 'my www']],
      expected: '/services/0/name: must match pattern "^[A-Za-z0-9._:-]{1,128}$" (got "my www")',
    },
    {
      title: 'rejects a prefix with host bits set and suggests the network address',
      changes: [['/services/0/prefixes/0', '9.9.9.9/24']],
      expected: '/services/0/prefixes/0: "9.9.9.9/24" has host bits set; use the network address (e.g. 9.9.9.0/24)',
    },
    {
      title: 'rejects a prefix that is not an address',
      changes: [['/services/0/prefixes/0', 'www.example/32']],
      expected: '/services/0/prefixes/0: "www.example/32" does not start with an IPv4 or IPv6 address',
    },
    {
      title: 'rejects a service without health',
      changes: [['/services/0/health', undefined]],
      expected: '/services/0/health: is missing; expected the plugin',
    },
    {
      title: 'rejects an asPath written by hand, since the region order decides it',
      changes: [['/services/0/asPath', [65010]]],
      expected: `/services/0/asPath: generate sets asPath from the region's place in "regions"`,
    },
    {
      title: 'rejects a nextHop written by hand',
      changes: [['/services/0/nextHop', '10.0.0.1']],
      expected: '/services/0/nextHop: generate sets nextHop to "self"',
    },
    {
      title: 'rejects neighbors on a service',
      changes: [['/services/0/neighbors', ['10.16.96.4']]],
      expected: '/services/0/neighbors: generate points every NVA at its own peers',
    },
    {
      title: 'rejects an unknown HAProxy setting of a service',
      changes: [['/services/0/haproxy', { port: 80, bind: '*' }]],
      expected: '/services/0/haproxy/bind: unknown setting; expected one of "port", "mode"',
    },
    {
      title: 'rejects two services of different modes sharing a backend',
      changes: [
        ['/services/1', { name: 'api', prefixes: ['9.9.9.10/32'], haproxy: { mode: 'tcp' }, health: { backends: ['http_back'] } }],
      ],
      expected: '/services/1/haproxy/mode: "tcp" differs from "http" of service "www", which shares backend "http_back"',
    },
    {
      title: 'rejects a bad plugin setting, as the plugin config would',
      changes: [['/rise', 0]],
      expected: 'topology.json (as the plugin config of NVA nva-ne-1, region northeurope): invalid configuration:\n  - /rise: must be >= 1',
    },
    {
      title: 'rejects a bad per-service plugin setting at its topology path',
      changes: [['/services/0/med', 'low']],
      expected: '/services/0/med: must be integer (got "low")',
    },
  ])('$title', ({ changes, expected }) => {
    expect(problemsOf(seedWith(...changes))).toContain(expected);
  });
});

const azureFix = 'use a private 16-bit ASN of your own, e.g. 65010 (64512–65514 or 65521–65534)';

/** `count` distinct /32 prefixes in 198.18.0.0/15. */
function manyPrefixes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `198.18.${i >> 8}.${i & 255}/32`);
}

describe('parseTopology on Azure (platform azure-vwan by default, or azure-route-server)', () => {
  it.each<{ title: string; changes: Change[]; expected: string }>([
    {
      title: 'rejects localAs 65515 at /localAs, as the hub’s own ASN, not only as equal to peerAs',
      changes: [['/localAs', 65515]],
      expected: `/localAs: 65515 is the ASN of the Azure hub and Route Server themselves (reserved by Azure); ${azureFix}`,
    },
    {
      title: 'rejects a localAs Azure keeps for remote hubs’ routes',
      changes: [['/localAs', 65520]],
      expected: `/localAs: 65520 is reserved by Azure for its own routing (65520 marks routes from a remote hub); ${azureFix}`,
    },
    {
      title: 'rejects Microsoft’s public ASN as localAs',
      changes: [['/localAs', 8074]],
      expected: `/localAs: 8074 is one of Microsoft's public ASNs, reserved by Azure; ${azureFix}`,
    },
    {
      title: 'rejects a 32-bit localAs, which the hub does not accept',
      changes: [['/localAs', 4200000010]],
      expected: `/localAs: 4200000010 is a 32-bit ASN, and an Azure Virtual WAN hub accepts only 16-bit ASNs (1–65535); ${azureFix}, or set platform "generic"`,
    },
    {
      title: 'rejects an IANA-reserved localAs',
      changes: [['/localAs', 23456]],
      expected: '/localAs: 23456 is AS_TRANS, reserved by IANA (RFC 6793); use a private ASN of your own, e.g. 65010 (64512–65534)',
    },
    {
      title: 'rejects a peerAs other than 65515, which every Azure hub and Route Server uses',
      changes: [['/peerAs', 65000]],
      expected: `/peerAs: 65000 is not an Azure Virtual WAN hub's ASN, which is always 65515; set peerAs 65515, or platform "generic" if the peers are not Azure`,
    },
    {
      title: 'rejects a reserved ASN in the degrade’s AS path, at its topology path',
      changes: [['/services/0/onDown', { asPath: [65010, 65010, 65518] }]],
      expected: `/services/0/onDown/asPath/2: 65518 is reserved by Azure for its own routing (65520 marks routes from a remote hub); ${azureFix}`,
    },
    {
      title: 'rejects a 32-bit ASN in the degrade’s AS path',
      changes: [['/services/0/onDown', { asPath: [4200000010] }]],
      expected: '/services/0/onDown/asPath/0: 4200000010 is a 32-bit ASN',
    },
    {
      title: 'rejects an NVA that peers with one of the hub’s two instances, naming where to read the other',
      changes: [['/regions/1/nvas/0/peers', ['10.15.96.4']]],
      expected:
        '/regions/1/nvas/0/peers: lists 1 address ("10.15.96.4"), but an Azure Virtual WAN hub runs two instances and each NVA must peer with both ' +
        'and send both the same routes; add the other router address (az network vhub show --query virtualRouterIps)',
    },
    {
      title: 'rejects an NVA that peers with one of Route Server’s two instances',
      changes: [['/platform', 'azure-route-server'], ['/regions/0/nvas/0/peers', ['10.16.96.4']]],
      expected: 'but Azure Route Server runs two instances and each NVA must peer with both and send both the same routes; add the other router address (az network routeserver show --query virtualRouterIps)',
    },
    {
      title: 'rejects two NVAs of one region that peer with different hubs',
      changes: [['/regions/0/nvas/1', { name: 'nva-ne-2', address: '172.16.156.71', peers: ['10.16.96.4', '10.16.96.6'] }]],
      expected: '/regions/0/nvas/1/peers: differs from the peers of NVA nva-ne-1; the NVAs of region northeurope peer with the same hub, so list the same two addresses',
    },
    {
      title: 'rejects more prefixes than a Virtual WAN hub takes from one NVA',
      changes: [['/services/0/prefixes', manyPrefixes(4001)]],
      expected:
        '/services: 4001 prefixes go to each peer of every NVA; a Virtual WAN hub drops the BGP session of an NVA that sends more than 4,000 routes; ' +
        'aggregate them into shorter prefixes or spread the services over more NVAs',
    },
    {
      title: 'rejects more prefixes than Route Server takes from one peer, counting every service',
      changes: [
        ['/platform', 'azure-route-server'],
        ['/services/0/prefixes', manyPrefixes(1000)],
        ['/services/1', { name: 'api', prefixes: ['198.19.0.1/32'], health: { backends: ['http_back'] } }],
      ],
      expected: '/services: 1001 prefixes go to each peer of every NVA; Route Server drops the BGP session of a peer that sends more than 1,000 routes',
    },
    {
      title: 'rejects a hold time of 1 or 2 seconds, which BGP does not allow',
      changes: [['/holdTime', 2]],
      expected: '/holdTime: 2 is not a BGP hold time, which is 0 (no keepalives) or at least 3 seconds (RFC 4271); use 3 or more',
    },
    {
      title: 'rejects an unknown platform, listing the three',
      changes: [['/platform', 'aws']],
      expected: '/platform: must be equal to one of the allowed values (got "aws"); expected what the NVAs peer with',
    },
    {
      title: 'rejects an unknown hub routing preference',
      changes: [['/hubRoutingPreference', 'Latency']],
      expected: '/hubRoutingPreference: must be equal to one of the allowed values (got "Latency")',
    },
  ])('$title', ({ changes, expected }) => {
    expect(problemsOf(seedWith(...changes))).toContain(expected);
  });

  it('reports localAs 65515 once, at /localAs, not as equal to peerAs', () => {
    const message = problemsOf(seedWith(['/localAs', 65515]));
    expect(message).not.toContain('is also localAs');
    expect(message.split('\n')).toHaveLength(2);
  });

  it.each<Change[]>([
    [['/holdTime', 0]],
    [['/holdTime', 3]],
    [['/services/0/prefixes', manyPrefixes(4000)]],
    [['/platform', 'azure-route-server'], ['/services/0/prefixes', manyPrefixes(1000)]],
  ])('accepts %j', (...changes) => {
    expect(() => parseTopology(seedWith(...changes), 'topology.json')).not.toThrow();
  });

  it('gives a route only the NVA’s own peering address as next hop: a topology cannot set one', () => {
    expect(problemsOf(seedWith(['/services/0/nextHop', '172.16.156.70']))).toContain(
      '/services/0/nextHop: generate sets nextHop to "self" (each NVA\'s own peering address, the only next hop Azure accepts); remove it',
    );
  });
});

describe('parseTopology with platform "generic"', () => {
  it.each<Change[]>([
    [['/localAs', 4200000010]],
    [['/peerAs', 65000]],
    [['/regions/1/nvas/0/peers', ['10.15.96.4']]],
    [['/services/0/onDown', { asPath: [65010, 65520] }]],
    [['/services/0/prefixes', manyPrefixes(4001)]],
  ])('accepts what only Azure refuses: %j', (...changes) => {
    expect(() => parseTopology(seedWith(['/platform', 'generic'], ...changes), 'topology.json')).not.toThrow();
  });

  it.each<[number, string]>([
    [23456, '/localAs: 23456 is AS_TRANS, reserved by IANA (RFC 6793); use a private ASN of your own, e.g. 65010 (64512–65534, or 4200000000–4294967294)'],
    [64500, '/localAs: 64500 is reserved by IANA for documentation (RFC 5398)'],
    [4294967295, '/localAs: 4294967295 is reserved by IANA (RFC 7300)'],
  ])('still rejects the IANA-reserved localAs %i', (asn, expected) => {
    expect(problemsOf(seedWith(['/platform', 'generic'], ['/localAs', asn]))).toContain(expected);
  });

  it('still rejects an IANA-reserved peerAs', () => {
    expect(problemsOf(seedWith(['/platform', 'generic'], ['/peerAs', 65535]))).toContain(
      '/peerAs: 65535 is reserved by IANA (RFC 7300); set peerAs to the ASN the peers really use',
    );
  });
});
