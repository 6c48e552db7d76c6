import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { topologyWarnings } from '../../../src/generate/topology-warnings.js';
import { readTopologyText, seedWith, topologyFiles, type Change } from './topologies.js';

describe('topologyWarnings', () => {
  it.each([...topologyFiles.filter((file) => file !== 'examples/topology.json'), 'lab/topology.json'])('finds nothing to warn about in %s', (file) => {
    expect(topologyWarnings(parseTopology(readTopologyText(file), file))).toEqual([]);
  });

  it('warns once, at the topology’s own path, that the seed’s 9.9.9.9 is Quad9’s resolver', () => {
    expect(topologyWarnings(parseTopology(seedWith(), 'topology.json'))).toEqual([
      "/services/0/prefixes/0: 9.9.9.9/32 holds 9.9.9.9, Quad9's public DNS resolver; announcing it takes the address over for your clients; " +
        'use an address of your own (or keep it only to reproduce the seed)',
    ]);
  });

  it('warns above half the hub’s route limit', () => {
    const prefixes = Array.from({ length: 2001 }, (_, i) => `198.18.${i >> 8}.${i & 255}/32`);
    expect(topologyWarnings(parseTopology(seedWith(['/services/0/prefixes', prefixes]), 'topology.json'))).toEqual([
      expect.stringMatching(/^\/services: 2001 prefixes go to each peer, more than half the limit of 4,000; /),
    ]);
  });

  it('warns that countBackup would count the bridge’s servers, unless the bridge is off', () => {
    const countBackup: Change = ['/services/0/health', { backends: ['http_back'], countBackup: true }];
    expect(topologyWarnings(parseTopology(seedWith(['/services/0/prefixes', ['198.18.0.10/32']], countBackup), 'topology.json'))).toEqual([
      "/services/0/health/countBackup: true counts the bridge's backup servers (other regions' servers), so this service stays announced " +
        'in a region whose own servers are all down; remove countBackup, or set bridge: false',
    ]);
    expect(topologyWarnings(parseTopology(seedWith(['/services/0/prefixes', ['198.18.0.10/32']], countBackup, ['/bridge', false]), 'topology.json'))).toEqual([]);
  });

  it('warns that a server on loopback cannot be reached over the bridge, at the path of the server', () => {
    const topology = seedWith(['/services/0/prefixes', ['198.18.0.10/32']], ['/regions/1/nvas/0/backendServers', { http_back: ['127.0.0.1:8080'] }]);
    expect(topologyWarnings(parseTopology(topology, 'topology.json'))).toEqual([
      "/regions/1/nvas/0/backendServers/http_back/0: 127.0.0.1:8080 is on loopback, so the other regions' HAProxies cannot reach it over the bridge; " +
        'list an address they can reach, or set bridge: false',
    ]);
  });
});
