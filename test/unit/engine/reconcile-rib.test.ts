import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import { unvouchedRoutes } from '../../../src/engine/reconcile-rib.js';
import { formatCommand } from '../../../src/exabgp/format-command.js';

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

const lines = (rib: Parameters<typeof unvouchedRoutes>[1]) => unvouchedRoutes(config, rib).map(formatCommand);

describe('unvouchedRoutes', () => {
  it('leaves what the config vouches for to the first poll', () => {
    expect(lines([
      { neighbor: '127.0.0.2', prefix: '198.18.0.10/32', nextHop: 'self' },
      { neighbor: '127.0.0.3', prefix: '198.18.0.10/32' },
      { neighbor: '127.0.0.2', prefix: '198.18.0.20/32' },
    ])).toEqual([]);
  });

  it('withdraws a prefix no service has any more (renamed before a crash), from the neighbors that have it', () => {
    expect(lines([
      { neighbor: '127.0.0.2', prefix: '198.18.0.99/32', nextHop: 'self' },
      { neighbor: '127.0.0.3', prefix: '198.18.0.99/32', nextHop: 'self' },
    ])).toEqual(['neighbor 127.0.0.2 , neighbor 127.0.0.3 withdraw route 198.18.0.99/32 next-hop self']);
  });

  it('withdraws a configured prefix from a neighbor its service no longer sends to', () => {
    expect(lines([{ neighbor: '127.0.0.3', prefix: '198.18.0.20/32', nextHop: '127.0.0.1' }])).toEqual([
      'neighbor 127.0.0.3 withdraw route 198.18.0.20/32 next-hop 127.0.0.1',
    ]);
  });

  it('compares prefixes in canonical form', () => {
    expect(lines([{ neighbor: '127.0.0.2', prefix: '2001:DB8:0::/64' }])).toEqual([]);
  });

  it('withdraws everything when the config cannot be read', () => {
    expect(unvouchedRoutes(undefined, [{ neighbor: '127.0.0.2', prefix: '198.18.0.10/32', nextHop: 'self' }]).map(formatCommand)).toEqual([
      'neighbor 127.0.0.2 withdraw route 198.18.0.10/32 next-hop self',
    ]);
  });
});
