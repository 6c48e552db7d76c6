import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { renderExabgpConf } from '../../../src/generate/render-exabgp-conf.js';
import { seedWith, type Change } from './topologies.js';

/** exabgp.conf of the seed's first NVA (nva-ne-1), or of `nva`, after `changes`. */
function confOf(changes: Change[], nva = 0): string {
  const topology = parseTopology(seedWith(...changes), 'topology.json');
  const placement = placeNvas(topology)[nva];
  if (placement === undefined) throw new Error(`no NVA ${nva}`);
  return renderExabgpConf(topology, placement);
}

describe('renderExabgpConf', () => {
  it('runs the plugin with the configured node, plugin and config paths, with the json encoder', () => {
    const conf = confOf([
      ['/nodePath', '/opt/node20/bin/node'],
      ['/pluginConfigPath', '/etc/exabgp/anycast.json'],
    ]);
    expect(conf).toContain(
      [
        'process exabgp-anycast {',
        '    run /opt/node20/bin/node /usr/local/lib/exabgp-anycast/exabgp-anycast.js run --config /etc/exabgp/anycast.json;',
        '    encoder json;',
        '}',
      ].join('\n'),
    );
  });

  it('writes one neighbor per peer with router-id, local-address, both ASNs, hold time, route refresh, family and api', () => {
    expect(confOf([])).toContain(
      [
        'neighbor 10.16.96.5 {',
        '    router-id 172.16.156.70;',
        '    local-address 172.16.156.70;',
        '    local-as 65010;',
        '    peer-as 65515;',
        '    hold-time 180;',
        '    capability {',
        '        route-refresh;',
        '    }',
        '    family {',
        '        ipv4 unicast;',
        '    }',
        '    api {',
        '        processes [ exabgp-anycast ];',
        '        neighbor-changes;',
        '    }',
        '}',
      ].join('\n'),
    );
    expect(confOf([]).match(/^neighbor /gm)).toHaveLength(2);
  });

  it.each<{ title: string; prefixes: string[]; families: string[] }>([
    { title: 'IPv4 prefixes need only ipv4 unicast', prefixes: ['9.9.9.9/32'], families: ['ipv4 unicast;'] },
    { title: 'IPv6 prefixes need only ipv6 unicast', prefixes: ['2001:db8::9/128'], families: ['ipv6 unicast;'] },
    {
      title: 'mixed prefixes need both families',
      prefixes: ['2001:db8::/48', '9.9.9.0/24'],
      families: ['ipv4 unicast;', 'ipv6 unicast;'],
    },
  ])('$title', ({ prefixes, families }) => {
    const block = /family \{\n([^}]*)\n {4}\}/.exec(confOf([['/services/0/prefixes', prefixes]]))?.[1] ?? '';
    expect(block.split('\n').map((line) => line.trim())).toEqual(families);
  });

  it('uses the router-id setting on an IPv6 session and the IPv6 address as local-address', () => {
    const conf = confOf([
      ['/regions/0/nvas/0/address', '2001:db8:156::70'],
      ['/regions/0/nvas/0/routerId', '172.16.156.70'],
      ['/regions/0/nvas/0/peers', ['2001:db8:96::4', '2001:db8:96::5']],
    ]);
    expect(conf).toContain('neighbor 2001:db8:96::4 {\n    router-id 172.16.156.70;\n    local-address 2001:db8:156::70;');
  });

  it.each([0, 3, 9, 180, 65535])('offers the topology’s hold time %i in every neighbor', (holdTime) => {
    const conf = confOf([['/holdTime', holdTime]]);
    expect(conf.match(/^ {4}hold-time \d+;$/gm)).toEqual([`    hold-time ${holdTime};`, `    hold-time ${holdTime};`]);
  });

  it('says in a comment which region and as-path the NVA has', () => {
    expect(confOf([], 1)).toContain('# NVA nva-we-1 in region westeurope (preference 2 of 2): as-path [ 65010 65010 65010 ].');
  });
});
