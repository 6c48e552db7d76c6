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
      expected: '/prepend: unknown setting; expected one of "$schema", "localAs", "peerAs"',
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
        ['/regions/0/nvas/0/peers', ['2001:db8::4']],
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
