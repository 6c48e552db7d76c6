import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import { reconcileRib, type RibRoute } from '../../../src/engine/reconcile-rib.js';
import { formatCommand, type Route } from '../../../src/exabgp/format-command.js';

const config = validateConfig(
  {
    stats: { source: 'unix:/run/haproxy/admin.sock' },
    services: [
      { name: 'www', prefixes: ['198.18.0.10/32', '2001:db8::/64'], health: { backends: ['be_app'] } },
      { name: 'api', prefixes: ['198.18.0.20/32'], neighbors: ['127.0.0.2'], health: { backends: ['be_api'] } },
    ],
  },
  'test',
);
const recorded = (prefix: string, neighbors: string[] = []): Route => ({ prefix, nextHop: 'self', neighbors, attributes: {} });
const withdraws = (cfg: typeof config | undefined, rib: RibRoute[] | undefined, previous: Route[] | undefined) =>
  reconcileRib(cfg, rib, previous).withdraws.map(formatCommand);

describe('reconcileRib', () => {
  it('leaves what the config vouches for to the first poll', () => {
    const rib = [
      { neighbor: '127.0.0.2', prefix: '198.18.0.10/32', nextHop: 'self' },
      { neighbor: '127.0.0.3', prefix: '198.18.0.10/32' },
      { neighbor: '127.0.0.2', prefix: '198.18.0.20/32' },
    ];
    expect(reconcileRib(config, rib, [])).toEqual({ withdraws: [], foreign: [] });
  });

  it('withdraws a prefix an earlier instance recorded and no service has any more (renamed before a crash), from the neighbors that have it', () => {
    const rib = [
      { neighbor: '127.0.0.2', prefix: '198.18.0.99/32', nextHop: 'self' },
      { neighbor: '127.0.0.3', prefix: '198.18.0.99/32', nextHop: 'self' },
    ];
    expect(withdraws(config, rib, [recorded('198.18.0.99/32')])).toEqual(['neighbor 127.0.0.2 , neighbor 127.0.0.3 withdraw route 198.18.0.99/32 next-hop self']);
  });

  it("leaves alone what is not ours: exabgp.conf's static routes and other processes' routes", () => {
    expect(reconcileRib(config, [{ neighbor: '127.0.0.2', prefix: '192.0.2.0/24', nextHop: 'self' }], [])).toEqual({ withdraws: [], foreign: ['192.0.2.0/24'] });
  });

  it('withdraws a configured prefix from a neighbor its service no longer sends to', () => {
    expect(withdraws(config, [{ neighbor: '127.0.0.3', prefix: '198.18.0.20/32', nextHop: '127.0.0.1' }], [])).toEqual([
      'neighbor 127.0.0.3 withdraw route 198.18.0.20/32 next-hop 127.0.0.1',
    ]);
  });

  it('compares prefixes in canonical form', () => {
    expect(withdraws(config, [{ neighbor: '127.0.0.2', prefix: '2001:DB8:0::/64' }], [])).toEqual([]);
  });

  it('withdraws what the state file recorded when the config cannot be read', () => {
    const rib = [
      { neighbor: '127.0.0.2', prefix: '198.18.0.10/32', nextHop: 'self' },
      { neighbor: '127.0.0.2', prefix: '192.0.2.0/24', nextHop: 'self' },
    ];
    expect(withdraws(undefined, rib, [recorded('198.18.0.10/32')])).toEqual(['neighbor 127.0.0.2 withdraw route 198.18.0.10/32 next-hop self']);
  });

  it('fails closed with neither a config nor a record: everything ExaBGP lists is withdrawn', () => {
    expect(withdraws(undefined, [{ neighbor: '127.0.0.2', prefix: '192.0.2.0/24', nextHop: 'self' }], undefined)).toEqual([
      'neighbor 127.0.0.2 withdraw route 192.0.2.0/24 next-hop self',
    ]);
  });

  it('without an answer from ExaBGP, withdraws the recorded routes the config no longer has', () => {
    expect(withdraws(config, undefined, [recorded('198.18.0.10/32'), recorded('198.18.0.99/32', ['127.0.0.2'])])).toEqual([
      'neighbor 127.0.0.2 withdraw route 198.18.0.99/32 next-hop self',
    ]);
  });
});
