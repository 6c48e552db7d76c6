import { describe, expect, it } from 'vitest';
import { formatAnnounce, formatWithdraw, type Route } from '../../../src/exabgp/format-command.js';

const route = (extra: Partial<Route> = {}): Route => ({ prefix: '198.18.0.10/32', nextHop: 'self', neighbors: [], attributes: {}, ...extra });

describe('formatAnnounce and formatWithdraw', () => {
  it.each([
    ['a plain route', route(), 'announce route 198.18.0.10/32 next-hop self'],
    [
      'every attribute, in ExaBGP healthcheck order',
      route({
        attributes: { asPath: [65010, 65010, 65010], med: 100, localPreference: 200, communities: ['65010:100', '65010:200'], largeCommunities: ['65010:1:1'] },
      }),
      'announce route 198.18.0.10/32 next-hop self med 100 local-preference 200 community [ 65010:100 65010:200 ] large-community [ 65010:1:1 ] as-path [ 65010 65010 65010 ]',
    ],
    ['an explicit IPv6 next hop', route({ prefix: '2001:db8::/64', nextHop: '2001:db8::1' }), 'announce route 2001:db8::/64 next-hop 2001:db8::1'],
    [
      'neighbors, never as neighbor *',
      route({ neighbors: ['127.0.0.2', '127.0.0.3'] }),
      'neighbor 127.0.0.2 , neighbor 127.0.0.3 announce route 198.18.0.10/32 next-hop self',
    ],
  ])('announces %s', (_title, input, expected) => {
    expect(formatAnnounce(input)).toBe(expected);
  });

  it('withdraws with the next hop and neighbors but no attributes', () => {
    expect(formatWithdraw(route({ neighbors: ['127.0.0.2'], attributes: { asPath: [65010] } }))).toBe(
      'neighbor 127.0.0.2 withdraw route 198.18.0.10/32 next-hop self',
    );
  });
});
