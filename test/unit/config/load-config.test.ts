import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../../src/config/load-config.js';
import { PluginError } from '../../../src/errors.js';

const base = () => ({
  stats: { source: 'unix:/run/haproxy/admin.sock' },
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

  it('leaves dampening off unless set, and fills in its defaults from an empty object', () => {
    expect(validateConfig(base(), 'test.json').services[0]?.dampening).toBeUndefined();
    expect(validateConfig(withService({ dampening: {} }), 'test.json').services[0]?.dampening).toEqual({
      halfLifeMs: 60000,
      penalty: 1000,
      suppressAbove: 2000,
      reuseBelow: 750,
      maxSuppressMs: 240000,
    });
  });

  it.each([
    [{ reuseBelow: 2000 }, '/services/0/dampening/reuseBelow: 2000 is not below suppressAbove (2000); a suppressed route comes back once the penalty decays below reuseBelow, so set it lower'],
    [{ maxSuppressMs: 60000 }, '/services/0/dampening/maxSuppressMs: 60000 ms caps the penalty at or below suppressAbove (2000), so nothing would ever be suppressed; set it to at least 84903 ms'],
    [{ penalty: 0 }, '/services/0/dampening/penalty: must be >= 1 (got 0)'],
    [{ halfLifeMs: 10 }, '/services/0/dampening/halfLifeMs: must be >= 1000 (got 10)'],
    [{ reuse: 750 }, '/services/0/dampening: unknown setting "reuse"'],
  ])('rejects dampening %j, naming the setting and the fix', (dampening, problem) => {
    expect(problemWith(withService({ dampening }))).toContain(problem);
  });

  it.each([
    ['a valid IPv6 prefix with an embedded IPv4 tail', '64:ff9b::192.0.2.0/120'],
    ['the IPv6 default route', '::/0'],
    ['an IPv6 prefix in uppercase', '2001:DB8::/32'],
  ])('accepts %s', (_title, prefix) => {
    expect(problemWith(withService({ prefixes: [prefix] }))).toBe('');
  });

  it.each([
    ['198.18.0.0/24', '198.18.0.0/024'],
    ['2001:db8::/32', '2001:db8:0::/32'],
    ['2001:db8::/32', '2001:0DB8::/32'],
    ['64:ff9b::c000:200/120', '64:ff9b::192.0.2.0/120'],
  ])('sees %s and %s as one prefix, so two services cannot both claim it', (first, second) => {
    const config = base();
    config.services.push({ ...(config.services[0] as (typeof config.services)[0]), name: 'api', prefixes: [second] });
    Object.assign(config.services[0] as object, { prefixes: [first] });
    expect(problemWith(config)).toContain(`/services/1/prefixes/0: ${second} is already announced by service "www"`);
  });

  it('rejects a prefix listed twice in one service', () => {
    expect(problemWith(withService({ prefixes: ['198.18.0.0/24', '198.18.0.0/024'] }))).toContain(
      '/services/0/prefixes/1: 198.18.0.0/024 is listed twice in this service (as 198.18.0.0/24); list it once',
    );
  });

  it('returns prefixes, addresses and communities in canonical form, as ExaBGP must see them', () => {
    const config = validateConfig(
      withService({
        prefixes: ['198.18.0.0/024', '2001:0DB8:0::/32', '64:ff9b::192.0.2.0/120'],
        nextHop: '2001:DB8::0:1',
        neighbors: ['127.0.0.2', 'FE80:0::1'],
        communities: ['06501:00100'],
        largeCommunities: ['0000000001:1:1', '4294967295:0000000000:7'],
        onDown: { communities: ['00001:2'], largeCommunities: ['01:02:03'], asPath: [65010, 65010, 65010, 65010] },
      }),
      'test.json',
    );
    expect(config.services[0]).toMatchObject({
      prefixes: ['198.18.0.0/24', '2001:db8::/32', '64:ff9b::c000:200/120'],
      nextHop: '2001:db8::1',
      neighbors: ['127.0.0.2', 'fe80::1'],
      communities: ['6501:100'],
      largeCommunities: ['1:1:1', '4294967295:0:7'],
      onDown: { communities: ['1:2'], largeCommunities: ['1:2:3'] },
    });
  });

  it('leaves absent attributes absent', () => {
    const service = validateConfig(base(), 'test.json').services[0];
    expect(service).not.toHaveProperty('communities');
    expect(service).not.toHaveProperty('largeCommunities');
  });

  it.each([
    ['a large community part above 32 bits', { largeCommunities: ['4294967296:1:1'] }, '/services/0/largeCommunities/0: "4294967296:1:1" must be three numbers 0-4294967295'],
    ['a large community in a degrade above 32 bits', { onDown: { largeCommunities: ['1:9999999999:1'] } }, '/services/0/onDown/largeCommunities/0'],
  ])('rejects %s', (_title, fields, message) => {
    expect(problemWith(withService(fields))).toContain(message);
  });

  it.each([
    ['an IPv4-mapped prefix with host bits', { prefixes: ['::ffff:0.1.2.3/112'] }, '/services/0/prefixes/0: "::ffff:0.1.2.3/112" has host bits set; use the network address (e.g. ::ffff:0.1.0.0/112)'],
    ['the neighbor 0.0.0.0', { neighbors: ['0.0.0.0'] }, '/services/0/neighbors/0: "0.0.0.0" is not a unicast address'],
    ['the neighbor ::', { neighbors: ['127.0.0.2', '::'] }, '/services/0/neighbors/1: "::" is not a unicast address'],
    ['a multicast neighbor', { neighbors: ['224.0.0.5'] }, '/services/0/neighbors/0: "224.0.0.5" is not a unicast address'],
    ['an IPv6 multicast neighbor', { neighbors: ['ff02::1'] }, '/services/0/neighbors/0: "ff02::1" is not a unicast address'],
    ['the broadcast neighbor', { neighbors: ['255.255.255.255'] }, '/services/0/neighbors/0: "255.255.255.255" is not a unicast address'],
    ['a neighbor that is not an address', { neighbors: ['1.2.3'] }, '/services/0/neighbors/0: "1.2.3" is not an IP address; use the peer\'s address from exabgp.conf'],
    ['a neighbor listed twice', { neighbors: ['2001:db8::1', '2001:DB8:0::1'] }, '/services/0/neighbors/1: "2001:DB8:0::1" is the same peer as "2001:db8::1"; list each neighbor once'],
    ['the next hop 0.0.0.0', { nextHop: '0.0.0.0' }, '/services/0/nextHop: "0.0.0.0" is not a unicast address (it is unspecified, multicast or broadcast); use "self" or this router\'s own address'],
    ['a multicast next hop', { nextHop: 'ff05::2' }, '/services/0/nextHop: "ff05::2" is not a unicast address'],
  ])('rejects %s, naming the field and the fix', (_title, fields, message) => {
    expect(problemWith(withService(fields))).toContain(message);
  });

  it.each([
    ['a hold of 1e300 ms', 1e300],
    ['a hold just over ten minutes', 600001],
  ])('rejects %s, which would keep an unchecked route for too long', (_title, staleMs) => {
    expect(problemWith({ ...base(), onStatsError: 'hold', staleMs })).toContain('/staleMs: must be <= 600000');
  });

  it.each([
    [1000, 500],
    [200, 100],
    [100, 50],
    [10000, 2000],
  ])('gives a poll every %i ms a stats timeout of %i ms when none is set', (intervalMs, timeoutMs) => {
    expect(validateConfig({ ...base(), intervalMs }, 'test.json').stats.timeoutMs).toBe(timeoutMs);
  });

  it('keeps a stats timeout that is set, and caps the stats body at 16 MiB by default', () => {
    const config = validateConfig({ ...base(), stats: { source: 'unix:/run/haproxy/admin.sock', timeoutMs: 700 } }, 'test.json');
    expect(config.stats).toEqual({ source: 'unix:/run/haproxy/admin.sock', timeoutMs: 700, maxBodyBytes: 16777216 });
  });

  it.each([
    ['below 4 KiB', 4095, '/stats/maxBodyBytes: must be >= 4096'],
    ['above 1 GiB', 1073741825, '/stats/maxBodyBytes: must be <= 1073741824'],
  ])('rejects a stats body cap %s', (_title, maxBodyBytes, message) => {
    expect(problemWith({ ...base(), stats: { source: 'unix:/run/haproxy/admin.sock', maxBodyBytes } })).toContain(message);
  });

  it.each([
    ['a bad port', 'http://admin:hunter2@127.0.0.1:99999/stats;csv'],
    ['whitespace', 'http://admin:hunter2@127.0.0.1/stats csv'],
    ['a tcp source with whitespace', 'tcp://admin:hunter2@127.0.0.1 :9999'],
    ['no scheme', 'admin:hunter2@127.0.0.1:8404'],
    ['a valid URL', 'http://admin:hunter2@127.0.0.1:8404/stats;csv'],
  ])('never quotes the password of a stats URL with %s', (_title, source) => {
    const message = problemWith({ ...base(), stats: { source } });
    expect(message).toContain('/stats/source');
    expect(message).not.toContain('hunter2');
  });

  it('quotes the stats URL without its credentials', () => {
    expect(problemWith({ ...base(), stats: { source: 'http://admin:hunter2@127.0.0.1/stats csv' } })).toContain(
      '(got "http://***@127.0.0.1/stats csv")',
    );
  });

  it('never quotes the password when it quotes the whole config', () => {
    const message = problemWith({ stats: { source: 'http://admin:hunter2@127.0.0.1:8404/stats;csv' } });
    expect(message).toContain("/: must have required property 'services'");
    expect(message).not.toContain('hunter2');
  });
});

