import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../src/config/config-warnings.js';
import { validateConfig } from '../../../src/config/load-config.js';
import type { Platform } from '../../../src/config/platform.js';
import { PluginError } from '../../../src/errors.js';

const www = { name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010, 65010], health: { backends: ['http_back'] } };

function config(platform: Platform | undefined, services: Array<Record<string, unknown>>): Record<string, unknown> {
  return { ...(platform && { platform }), stats: { source: 'unix:/run/haproxy/admin.sock' }, services };
}

/** The problems validateConfig lists for `data`, or [] when it accepts it. */
function problemsOf(data: unknown): string[] {
  try {
    validateConfig(data, 'test.json');
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    return (error as Error).message.split('\n  - ').slice(1);
  }
}

function warningsOf(data: unknown): string[] {
  return configWarnings(validateConfig(data, 'test.json'));
}

/** `count` distinct /32s in 198.18.0.0/15, from the given offset. */
function prefixes(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `198.18.${(from + i) >> 8}.${(from + i) & 255}/32`);
}

const azureFix = 'use a private 16-bit ASN of your own, e.g. 65010 (64512–65514 or 65521–65534)';

describe('the plugin config on its platform', () => {
  it('is checked as azure-vwan unless it says otherwise', () => {
    expect(validateConfig(config(undefined, [www]), 'test.json').platform).toBe('azure-vwan');
    expect(problemsOf(config(undefined, [{ ...www, asPath: [65515] }]))).toHaveLength(1);
  });

  it('rejects an unknown platform, naming the path', () => {
    expect(problemsOf({ ...config(undefined, [www]), platform: 'aws' })[0]).toMatch(/^\/platform: must be equal to one of the allowed values/);
  });

  it.each<[string, number, string]>([
    ['the hub’s own ASN', 65515, '65515 is the ASN of the Azure hub and Route Server themselves (reserved by Azure)'],
    ['an ASN Azure keeps for itself', 65517, '65517 is reserved by Azure for its own routing (65520 marks routes from a remote hub)'],
    ['the ASN of remote hubs’ routes', 65520, '65520 is reserved by Azure for its own routing (65520 marks routes from a remote hub)'],
    ['Microsoft’s public ASN 8075', 8075, "8075 is one of Microsoft's public ASNs, reserved by Azure"],
    ['Microsoft’s public ASN 12076', 12076, "12076 is one of Microsoft's public ASNs, reserved by Azure"],
    ['a 32-bit ASN', 4200000010, '4200000010 is a 32-bit ASN, and an Azure Virtual WAN hub accepts only 16-bit ASNs (1–65535)'],
  ])('rejects %s in an AS path on Azure, naming the path and the fix', (_what, asn, reason) => {
    expect(problemsOf(config('azure-vwan', [{ ...www, asPath: [asn, asn] }]))).toEqual([expect.stringContaining(`/services/0/asPath/0: ${reason}`)]);
    expect(problemsOf(config('azure-vwan', [{ ...www, asPath: [asn] }]))[0]).toContain(azureFix);
  });

  it.each<[string, number, string]>([
    ['AS_TRANS', 23456, '23456 is AS_TRANS, reserved by IANA (RFC 6793)'],
    ['a documentation ASN', 64500, '64500 is reserved by IANA for documentation (RFC 5398)'],
    ['a 32-bit documentation ASN', 65540, '65540 is reserved by IANA for documentation (RFC 5398)'],
    ['65535', 65535, '65535 is reserved by IANA (RFC 7300)'],
    ['the last ASN', 4294967295, '4294967295 is reserved by IANA (RFC 7300)'],
  ])('rejects %s on every platform', (_what, asn, reason) => {
    for (const platform of ['azure-vwan', 'azure-route-server', 'generic'] as const) {
      expect(problemsOf(config(platform, [{ ...www, asPath: [asn] }]))).toEqual([expect.stringContaining(`/services/0/asPath/0: ${reason}; use a private ASN of your own`)]);
    }
  });

  it('checks the degrade’s AS path too, at its own path', () => {
    expect(problemsOf(config('azure-route-server', [{ ...www, onDown: { asPath: [65010, 65519] } }]))).toEqual([
      `/services/0/onDown/asPath/1: 65519 is reserved by Azure for its own routing (65520 marks routes from a remote hub); ${azureFix}`,
    ]);
  });

  it.each([65515, 4200000010, 8075])('accepts %i with platform "generic"', (asn) => {
    expect(problemsOf(config('generic', [{ ...www, asPath: [asn] }]))).toEqual([]);
  });

  it.each<[Platform, number, string]>([
    ['azure-route-server', 1000, 'Route Server drops the BGP session of a peer that sends more than 1,000 routes (its default limit per peer)'],
    ['azure-vwan', 4000, 'a Virtual WAN hub drops the BGP session of an NVA that sends more than 4,000 routes'],
  ])('on %s, accepts %i prefixes to one peer and rejects one more', (platform, limit, rule) => {
    const services = (count: number) => [{ ...www, prefixes: prefixes(count) }];
    expect(problemsOf(config(platform, services(limit)))).toEqual([]);
    expect(problemsOf(config(platform, services(limit + 1)))).toEqual([
      `/services: ${limit + 1} prefixes go to each peer; ${rule}; aggregate them into shorter prefixes or spread the services over more NVAs`,
    ]);
    expect(problemsOf(config('generic', services(limit + 1)))).toEqual([]);
  });

  it('counts, for the busiest peer, what goes to every neighbor plus what is sent to it by name', () => {
    const services = [
      { ...www, name: 'all', prefixes: prefixes(600) },
      { ...www, name: 'a', prefixes: prefixes(300, 600), neighbors: ['10.0.0.4', '10.0.0.5'] },
      { ...www, name: 'b', prefixes: prefixes(200, 900), neighbors: ['10.0.0.5', '10.0.0.4'] },
    ];
    expect(problemsOf(config('azure-route-server', services))).toEqual([expect.stringMatching(/^\/services: 1100 prefixes go to peer 10\.0\.0\.4; /)]);
    expect(problemsOf(config('azure-route-server', services.slice(0, 2)))).toEqual([]);
  });

  it.each<[Platform, number]>([
    ['azure-route-server', 1000],
    ['azure-vwan', 4000],
  ])('on %s, warns above half of %i: re-sent routes count twice', (platform, limit) => {
    expect(warningsOf(config(platform, [{ ...www, prefixes: prefixes(limit / 2) }]))).toEqual([]);
    expect(warningsOf(config(platform, [{ ...www, prefixes: prefixes(limit / 2 + 1) }]))).toEqual([
      `/services: ${limit / 2 + 1} prefixes go to each peer, more than half the limit of ${limit.toLocaleString('en-US')}; Azure counts the routes it has plus ` +
        `those in a new update, so re-sending them all counts as ${(limit + 2).toLocaleString('en-US')} and drops the session; keep to ${limit / 2} ` +
        'or aggregate them into shorter prefixes or spread the services over more NVAs',
    ]);
  });

  it.each<[string, string, string]>([
    ['9.9.9.9/32', '9.9.9.9', "Quad9's public DNS resolver"],
    ['9.9.9.0/24', '9.9.9.9', "Quad9's public DNS resolver"],
    ['1.1.1.1/32', '1.1.1.1', "Cloudflare's public DNS resolver"],
    ['1.0.0.1/32', '1.0.0.1', "Cloudflare's public DNS resolver"],
    ['8.8.8.8/32', '8.8.8.8', "Google's public DNS resolver"],
    ['8.8.4.4/32', '8.8.4.4', "Google's public DNS resolver"],
    ['208.67.222.222/32', '208.67.222.222', "OpenDNS's public DNS resolver"],
    ['208.67.220.220/32', '208.67.220.220', "OpenDNS's public DNS resolver"],
  ])('warns on every platform that %s takes over %s for the clients', (prefix, address, owner) => {
    for (const platform of ['azure-vwan', 'generic'] as const) {
      expect(warningsOf(config(platform, [{ ...www, prefixes: ['198.18.0.10/32', prefix] }]))).toEqual([
        `/services/0/prefixes/1: ${prefix} holds ${address}, ${owner}; announcing it takes the address over for your clients; ` +
          'use an address of your own (or keep it only to reproduce the seed)',
      ]);
    }
  });

  it.each(['9.9.9.10/32', '8.8.8.0/31', '2001:db8::/32'])('does not warn about %s, which holds no public resolver', (prefix) => {
    expect(warningsOf(config('azure-vwan', [{ ...www, prefixes: [prefix] }]))).toEqual([]);
  });

  it('warns on Azure when a service is sent to one peer only, since the hub has two instances', () => {
    const oneNeighbor = [{ ...www, neighbors: ['10.0.0.4'] }];
    expect(warningsOf(config('azure-route-server', oneNeighbor))).toEqual([
      '/services/0/neighbors: names one peer ("10.0.0.4"), but Azure Route Server runs two instances and each NVA must send both the same routes; ' +
        'list both router addresses, or leave neighbors out to send to every neighbor in exabgp.conf',
    ]);
    expect(warningsOf(config('generic', oneNeighbor))).toEqual([]);
    expect(warningsOf(config('azure-vwan', [{ ...www, neighbors: ['10.0.0.4', '10.0.0.5'] }]))).toEqual([]);
  });

  it('says nothing about an explicit next hop: the config does not know the NVA’s peering address', () => {
    const explicit = config('azure-vwan', [{ ...www, nextHop: '172.16.156.70' }]);
    expect(problemsOf(explicit)).toEqual([]);
    expect(warningsOf(explicit)).toEqual([]);
  });
});
