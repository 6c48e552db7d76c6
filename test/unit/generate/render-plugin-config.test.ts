import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../src/config/config-warnings.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { eventRing } from '../../../src/generate/render-haproxy-cfg.js';
import { renderPluginConfig } from '../../../src/generate/render-plugin-config.js';
import type { Topology } from '../../../src/generate/topology.js';
import { readTopologyText, seedWith, topologyFiles, type Change } from './topologies.js';

/**
 * Topologies whose generated configs must raise no warning: the fixtures and the lab's, whose
 * prefixes are nobody's. The seed (examples/) keeps Quad9's 9.9.9.9 to reproduce the seed, and
 * warns about that alone.
 */
const quietTopologies = [...topologyFiles.filter((file) => file !== 'examples/topology.json'), 'lab/topology.json'];

/** The plugin config of the topology's first NVA, announcing `asPath`. */
function render(topology: Topology, asPath: number[]): string {
  const nva = topology.regions[0]?.nvas[0];
  if (!nva) throw new Error('the topology has no NVA');
  return renderPluginConfig(topology, { nva, asPath });
}

function configOf(asPath: number[], ...changes: Change[]): unknown {
  return JSON.parse(render(parseTopology(seedWith(...changes), 'topology.json'), asPath));
}

describe('renderPluginConfig', () => {
  it("with metrics, listens on the NVA's own address (IPv6 in brackets), where status --topology asks", () => {
    expect(configOf([65010], ['/metrics', { port: 9835 }])).toMatchObject({ metrics: { listen: '172.16.156.70:9835' } });
    expect(configOf([65010], ['/metrics', undefined])).not.toHaveProperty('metrics');
    const ipv6 = JSON.parse(readTopologyText('test/fixtures/generate/ipv6.json')) as Record<string, unknown>;
    const topology = parseTopology(JSON.stringify({ ...ipv6, metrics: { port: 9834 } }), 'ipv6.json');
    expect(JSON.parse(render(topology, [65010]))).toMatchObject({ metrics: { listen: `[${topology.regions[0]?.nvas[0]?.address}]:9834` } });
  });

  it('writes the seed service with nextHop self, the given as-path and the generated polling', () => {
    expect(configOf([65010, 65010, 65010])).toEqual({
      platform: 'azure-vwan',
      stats: { source: 'unix:/run/haproxy/exabgp-anycast.sock', events: 'exabgp-anycast' },
      metrics: { listen: '172.16.156.70:9834' },
      intervalMs: 1000,
      rise: 1,
      fall: 1,
      onStatsError: 'hold',
      services: [
        {
          name: 'www',
          prefixes: ['9.9.9.9/32'],
          nextHop: 'self',
          asPath: [65010, 65010, 65010],
          health: { backends: ['http_back'], minUp: 1 },
        },
      ],
    });
  });

  it.each(['azure-vwan', 'azure-route-server', 'generic'])('writes the topology’s platform %s, so validate checks the config by the same rules', (platform) => {
    expect(configOf([65010], ['/platform', platform])).toMatchObject({ platform });
  });

  it.each<{ setting: string; value: unknown }>([
    { setting: 'intervalMs', value: 500 },
    { setting: 'rise', value: 3 },
    { setting: 'fall', value: 4 },
    { setting: 'disableFile', value: '/etc/exabgp-anycast/maintenance' },
    { setting: 'onStatsError', value: 'withdraw' },
    { setting: 'staleMs', value: 5000 },
  ])('passes the top-level setting $setting on unchanged', ({ setting, value }) => {
    expect(configOf([65010], [`/${setting}`, value])).toMatchObject({ [setting]: value });
  });

  it('passes per-service settings on and keeps the HAProxy settings to haproxy.cfg', () => {
    const onDown = { med: 1000, withdrawAfterMs: 30000 };
    const config = configOf(
      [65010],
      ['/services/0/med', 100],
      ['/services/0/onDown', onDown],
      ['/services/0/haproxy', { port: 8080 }],
      ['/stats/timeoutMs', 1500],
    ) as { stats: unknown; services: Record<string, unknown>[] };
    expect(config.stats).toEqual({ source: 'unix:/run/haproxy/exabgp-anycast.sock', timeoutMs: 1500, events: 'exabgp-anycast' });
    expect(config.services[0]).toMatchObject({ med: 100, onDown });
    expect(config.services[0]).not.toHaveProperty('haproxy');
  });

  it('writes lists of plain values on one line and ends with a newline', () => {
    const text = render(parseTopology(seedWith(), 'topology.json'), [65010, 65010, 65010]);
    expect(text).toContain('\n      "asPath": [65010, 65010, 65010],\n');
    expect(text).toContain('\n      "prefixes": ["9.9.9.9/32"],\n');
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('polls as the README\'s "generated defaults" describe: on each event of the generated ring, every 1000 ms as a safety net, rise 1, fall 1, hold, a 500 ms stats timeout', () => {
    const config = loadConfig(render(parseTopology(seedWith(), 'topology.json'), [65010]), 'exabgp-anycast.json');
    expect(config).toMatchObject({ intervalMs: 1000, rise: 1, fall: 1, onStatsError: 'hold', stats: { timeoutMs: 500, events: eventRing } });
  });

  it.each(quietTopologies)('writes configs that raise no warning from %s', (file) => {
    const topology = parseTopology(readTopologyText(file), file);
    const config = loadConfig(render(topology, [topology.localAs]), 'exabgp-anycast.json');
    expect(configWarnings(config)).toEqual([]);
  });

  it('writes configs from the seed that warn only that 9.9.9.9 is Quad9’s resolver, which the seed announced', () => {
    const topology = parseTopology(readTopologyText('examples/topology.json'), 'examples/topology.json');
    const config = loadConfig(render(topology, [topology.localAs]), 'exabgp-anycast.json');
    expect(configWarnings(config)).toEqual([expect.stringMatching(/^\/services\/0\/prefixes\/0: 9\.9\.9\.9\/32 holds 9\.9\.9\.9, Quad9's public DNS resolver; /)]);
  });
});
