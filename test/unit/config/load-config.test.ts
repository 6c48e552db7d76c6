import { describe, expect, it } from 'vitest';
import { loadConfig, prefixProblem, validateConfig } from '../../../src/config/load-config.js';
import { PluginError } from '../../../src/errors.js';

const base = () => ({
  stats: { source: 'unix:/run/haproxy/admin.sock', timeoutMs: 2000 },
  intervalMs: 1000,
  rise: 2,
  fall: 2,
  disableFile: '/etc/exabgp-anycast/maintenance',
  services: [
    { name: 'www', prefixes: ['9.9.9.9/32'], nextHop: 'self', asPath: [65010, 65010, 65010], health: { backends: ['http_back'], minUp: 1 } },
  ],
});

/** The message loadConfig throws for `data`, or '' when it accepts it. */
function problemWith(data: unknown): string {
  try {
    validateConfig(data, 'test.json');
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).code).toBe('ERR_CONFIG_INVALID');
    return (error as Error).message;
  }
}

function withService(fields: Record<string, unknown>) {
  const config = base();
  Object.assign(config.services[0] as object, fields);
  return config;
}

describe('loadConfig', () => {
  it('accepts the documented example and fills in defaults', () => {
    const config = loadConfig(JSON.stringify(base()), 'test.json');
    expect(config).toMatchObject({ onStatsError: 'withdraw', staleMs: 10000 });
    expect(config.services[0]).toMatchObject({ neighbors: [], onDown: 'withdraw', health: { mode: 'all', countBackup: false } });
  });

  it('names the file and the position of broken JSON', () => {
    expect(() => loadConfig('{ "stats": ', 'cfg.json')).toThrow(/cfg\.json: not valid JSON/);
  });

  it.each([
    ['a newline in a service name', { name: 'www\nannounce route 0.0.0.0/0 next-hop self' }, '/services/0/name'],
    ['a space payload in a prefix', { prefixes: ['9.9.9.9/32 next-hop 1.2.3.4'] }, '/services/0/prefixes/0'],
    ['a bracket payload in a community', { communities: ['65010:1 ] as-path [ 1'] }, '/services/0/communities/0'],
    ['a newline in a large community', { largeCommunities: ['1:2:3\nwithdraw route 10.0.0.0/8'] }, '/services/0/largeCommunities/0'],
    ['a payload in the next hop', { nextHop: 'self med 5' }, '/services/0/nextHop'],
    ['a payload in a neighbor', { neighbors: ['127.0.0.2 announce'] }, '/services/0/neighbors/0'],
    ['a string in the AS path', { asPath: ['65010 ]'] }, '/services/0/asPath/0'],
    ['a backend name with a comma', { health: { backends: ['a,b'] } }, '/services/0/health/backends/0'],
  ])('rejects %s, naming the field', (_title, fields, path) => {
    expect(problemWith(withService(fields))).toContain(path);
  });

  it.each([
    ['an ASN of 0', { asPath: [0] }, '/services/0/asPath/0: must be >= 1 (got 0)'],
    ['an ASN above 32 bits', { asPath: [4294967296] }, '/services/0/asPath/0: must be <= 4294967295'],
    ['a MED above 32 bits', { med: 4294967296 }, '/services/0/med'],
    ['a community part above 65535', { communities: ['65536:1'] }, '"65536:1" must be two numbers 0-65535'],
    ['host bits in a prefix', { prefixes: ['9.9.9.9/24'] }, '"9.9.9.9/24" has host bits set; use the network address (e.g. 9.9.9.0/24)'],
    ['a prefix length too long', { prefixes: ['9.9.9.9/33'] }, 'prefix length outside 0-32'],
    ['an unknown onDown word', { onDown: 'degrade' }, '/services/0/onDown: must be equal to constant'],
    ['a misspelt setting', { minup: 1 }, '/services/0: unknown setting "minup"'],
    ['recoverMinUp below minUp', { health: { backends: ['b'], minUp: 2, recoverMinUp: 1 } }, 'recoverMinUp: 1 is below minUp (2)'],
  ])('rejects %s with a message saying what is expected', (_title, fields, message) => {
    expect(problemWith(withService(fields))).toContain(message);
  });

  it('rejects a prefix claimed by two services', () => {
    const config = base();
    config.services.push({ ...(config.services[0] as (typeof config.services)[0]), name: 'api' });
    expect(problemWith(config)).toContain('/services/1/prefixes/0: 9.9.9.9/32 is already announced by service "www"');
  });

  it('rejects credentials in a stats URL, since URLs reach logs', () => {
    const config = { ...base(), stats: { source: 'http://admin:secret@127.0.0.1:8404/stats;csv' } };
    expect(problemWith(config)).toContain('credentials in the URL would end up in logs');
  });

  it('wants a username together with a password source', () => {
    const config = { ...base(), stats: { source: 'http://127.0.0.1:8404/stats;csv', passwordEnv: 'STATS_PW' } };
    expect(problemWith(config)).toContain('/stats: username and a password (passwordFile or passwordEnv) go together');
  });

  it('lists every problem, not only the first', () => {
    const message = problemWith(withService({ med: -1, asPath: [0] }));
    expect(message).toContain('/services/0/med');
    expect(message).toContain('/services/0/asPath/0');
  });

  it('accepts a degrade policy', () => {
    expect(problemWith(withService({ onDown: { asPath: [65010, 65010, 65010, 65010, 65010], withdrawAfterMs: 60000 } }))).toBe('');
  });
});

describe('prefixProblem', () => {
  it.each([
    ['9.9.9.9/32', undefined],
    ['198.18.0.0/15', undefined],
    ['2001:db8::/32', undefined],
    ['2001:db8::1/128', undefined],
    ['2001:db8::1/64', '"2001:db8::1/64" has host bits set; use the network address (e.g. 2001:db8:0:0:0:0:0:0/64)'],
    ['10.1.2.3/8', '"10.1.2.3/8" has host bits set; use the network address (e.g. 10.0.0.0/8)'],
    ['300.1.1.1/32', '"300.1.1.1/32" does not start with an IPv4 or IPv6 address'],
  ])('%s → %s', (prefix, expected) => {
    expect(prefixProblem(prefix)).toBe(expected);
  });
});
