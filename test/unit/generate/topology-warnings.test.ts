import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { topologyWarnings } from '../../../src/generate/topology-warnings.js';
import { readTopologyText, seedWith, topologyFiles } from './topologies.js';

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
});
