import { describe, expect, it } from 'vitest';
import { describeRoute, formatDuration, formatStatus, statusExitCode } from '../../../src/status/format-status.js';
import { ago, route, service, status, withdrawn } from './status-fixtures.js';

describe('formatStatus', () => {
  it('prints one table with each service, its backends against the threshold and its routes, then the surroundings', () => {
    const down = service({
      name: 'api',
      verdict: 'down',
      phase: 'down',
      since: ago(15_000),
      reason: 'be_api: 0/2 servers up, need ≥ 1',
      backends: [{ backend: 'be_api', found: true, up: 0, total: 2, need: '≥ 1', enough: false }],
      routes: [withdrawn('198.18.0.101/32', 'be_api: 0/2 servers up, need ≥ 1')],
    });
    expect(formatStatus(status({ services: [service(), down] }))).toBe(
      [
        'SERVICE  VERDICT  SINCE      BACKEND  UP   NEED  PREFIX           ROUTE                            EXABGP  REASON',
        'www      up       4m12s ago  be_app   2/2  ≥ 1   198.18.0.100/32  next-hop self as-path [ 65010 ]  done    be_app: 2/2 servers up, need ≥ 1',
        'api      down     15s ago    be_api   0/2  ≥ 1   198.18.0.101/32  withdrawn                                be_api: 0/2 servers up, need ≥ 1',
        '',
        'BGP neighbors: 198.18.1.1 up for 4m10s',
        'stats: last good poll 180ms ago from unix:/run/haproxy/admin.sock',
        'plugin: pid 4242, version 0.1.0, up for 1h02m',
        '',
      ].join('\n'),
    );
  });

  it('puts a service\'s second backend and second prefix on its next row', () => {
    const two = service({
      backends: [
        { backend: 'be_a', found: true, up: 1, total: 2, need: '≥ 1', enough: true },
        { backend: 'be_b', found: false, up: 0, total: 0, need: '≥ 1', enough: false },
      ],
      routes: [route(), route({ prefix: '2001:db8::/48' })],
    });
    const lines = formatStatus(status({ services: [two] })).split('\n');
    expect(lines[1]).toMatch(/^www +up +4m12s ago +be_a +1\/2 +≥ 1 +198\.18\.0\.100\/32 /);
    expect(lines[2]).toMatch(/^ +be_b +missing +≥ 1 +2001:db8::\/48 +next-hop self as-path \[ 65010 \] +done$/);
  });

  it.each([
    [service({ phase: 'falling' }), 'up (falling)'],
    [service({ verdict: 'down', phase: 'rising' }), 'down (rising)'],
    [service({ verdict: 'down', phase: 'down', mode: 'degraded' }), 'down (degraded)'],
    [service({ verdict: 'init', phase: 'init' }), 'init'],
  ])('shows the verdict with where it is heading: %#', (s, verdict) => {
    expect(formatStatus(status({ services: [s] })).split('\n')[1]).toContain(`  ${verdict}  `);
  });

  it.each([
    [route({ state: 'pending', why: 'sent to ExaBGP, no answer yet' }), 'no answer yet'],
    [route({ state: 'rejected', why: 'ExaBGP answered "error" 3 time(s) in a row' }), 'error: ExaBGP answered "error" 3 time(s) in a row'],
  ])('says what ExaBGP answered for a route: %#', (r, exabgp) => {
    expect(formatStatus(status({ services: [service({ routes: [r] })] })).split('\n')[1]).toContain(`next-hop self as-path [ 65010 ]  ${exabgp}  `);
  });

  it('gives a withdrawn route\'s own reason when it differs from the service\'s', () => {
    const s = service({ routes: [withdrawn('198.18.0.100/32', 'not decided yet: the first poll announces it')] });
    expect(formatStatus(status({ services: [s] }))).toContain('withdrawn: not decided yet: the first poll announces it');
  });

  it('names a failed poll, the event stream, dampening and the last reload below the table', () => {
    const text = formatStatus(
      status({
        statsError: 'connect ECONNREFUSED 127.0.0.1:9999',
        lastGoodPollAt: ago(12_000),
        lastGoodPollAgeMs: 12_000,
        events: { ring: 'ring@/run/haproxy/events', connected: false },
        neighbors: [],
        services: [service({ dampening: { penalty: 1200, suppressedUntil: new Date(Date.parse(ago(0)) + 90_000).toISOString() } })],
        lastReload: { at: ago(60_000), ok: false, error: '/rise: must be >= 1' },
      }),
    );
    expect(text).toContain('BGP neighbors: none reported by ExaBGP yet\n');
    expect(text).toContain('stats: last good poll 12s ago from unix:/run/haproxy/admin.sock; the last poll failed: connect ECONNREFUSED 127.0.0.1:9999\n');
    expect(text).toContain('HAProxy event stream: ring@/run/haproxy/events not connected\n');
    expect(text).toContain('dampening www: penalty 1200, suppressed for 1m30s more\n');
    expect(text).toContain('last reload: 1m00s ago, rejected: /rise: must be >= 1\n');
  });

  it('indents the lines of a rejected reload\'s errors under it', () => {
    const lastReload = { at: ago(2000), ok: false, error: 'cfg.json: invalid configuration:\n  - /rise: must be >= 1 (got 0)' };
    expect(formatStatus(status({ lastReload }))).toContain('last reload: 2s ago, rejected: cfg.json: invalid configuration:\n    - /rise: must be >= 1 (got 0)\nplugin:');
    expect(formatStatus(status({ lastReload: { at: ago(2000), ok: true, error: null } }))).toContain('last reload: 2s ago, accepted\n');
  });

  it('says that no config is in force when there are no services', () => {
    expect(formatStatus(status({ services: [] }))).toMatch(/^no services: no valid config is in force \(the plugin started with an invalid one and waits; fix it, then reload\)\n\n/);
  });

  it('says when there has been no good poll yet', () => {
    expect(formatStatus(status({ lastGoodPollAt: null, lastGoodPollAgeMs: null }))).toContain('stats: last good poll none yet from');
  });
});

describe('describeRoute', () => {
  it.each([
    [route(), 'next-hop self as-path [ 65010 ]'],
    [route({ asPath: [] }), 'next-hop self'],
    [
      route({ nextHop: '198.18.1.2', med: 10, localPreference: 200, communities: ['65010:100'], largeCommunities: ['65010:1:1'], asPath: [65010, 65010, 65010], neighbors: ['198.18.1.1', '198.18.1.5'] }),
      'next-hop 198.18.1.2 med 10 local-preference 200 community [ 65010:100 ] large-community [ 65010:1:1 ] as-path [ 65010 65010 65010 ] to 198.18.1.1, 198.18.1.5',
    ],
  ])('writes the route as ExaBGP does: %s', (r, text) => {
    expect(describeRoute(r)).toBe(text);
  });
});

describe('statusExitCode', () => {
  it.each([
    ['every service up with every route done', [service()], 0],
    ['no services: the plugin has no valid config in force', [], 1],
    ['up while falling (still announced)', [service({ phase: 'falling' })], 0],
    ['a service down', [service(), service({ name: 'api', verdict: 'down', phase: 'down', routes: [withdrawn('198.18.0.101/32', 'down')] })], 1],
    ['a service degraded (announced, but not up)', [service({ verdict: 'down', phase: 'down', mode: 'degraded' })], 1],
    ['a service disabled by the maintenance file', [service({ verdict: 'disabled', phase: 'disabled', routes: [withdrawn('198.18.0.100/32', 'maintenance')] })], 1],
    ['not decided yet', [service({ verdict: 'init', phase: 'init' })], 1],
    ['up, but ExaBGP has not answered', [service({ routes: [route({ state: 'pending' })] })], 1],
    ['up, but ExaBGP rejected a route', [service({ routes: [route(), route({ prefix: '198.18.0.102/32', state: 'rejected' })] })], 1],
  ] as const)('%s → %i', (_what, services, code) => {
    expect(statusExitCode(status({ services: [...services] }))).toBe(code);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [180, '180ms'],
    [999, '999ms'],
    [1000, '1s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [252_000, '4m12s'],
    [3_723_000, '1h02m'],
    [90_000_000, '1d01h'],
    [-5, '0ms'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
