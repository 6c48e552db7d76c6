import { describe, expect, it } from 'vitest';
import { nvaInstallLayout, shellWord } from '../../../src/generate/nva-install-layout.js';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { seedWith, type Change } from './topologies.js';

function layoutOf(...changes: Change[]) {
  const topology = parseTopology(seedWith(...changes), 'topology.json');
  const placement = placeNvas(topology)[0];
  if (placement === undefined) throw new Error('no NVA');
  return nvaInstallLayout(topology, placement);
}

function contentAt(path: string, ...changes: Change[]): string {
  const file = layoutOf(...changes).find((f) => f.path === path);
  if (file === undefined) throw new Error(`no ${path}`);
  return file.content;
}

const loopbackUnit = '/etc/systemd/system/exabgp-anycast-loopback.service';
const exabgpDropIn = '/etc/systemd/system/exabgp.service.d/exabgp-anycast.conf';

describe('nvaInstallLayout', () => {
  it('puts every file where Debian 12 and the generated exabgp.conf expect it, none executable', () => {
    expect(layoutOf().map(({ path, mode }) => [path, mode])).toEqual([
      ['/etc/exabgp/exabgp.conf', '0644'],
      ['/etc/exabgp-anycast/exabgp-anycast.json', '0644'],
      ['/etc/haproxy/haproxy.cfg', '0644'],
      [loopbackUnit, '0644'],
      [exabgpDropIn, '0644'],
    ]);
  });

  it('installs the plugin config at the topology’s pluginConfigPath', () => {
    expect(layoutOf(['/pluginConfigPath', '/etc/exabgp/anycast.json']).map((f) => f.path)).toContain('/etc/exabgp/anycast.json');
  });

  it('puts every service prefix on lo before HAProxy starts, and never takes one away', () => {
    const unit = contentAt(loopbackUnit, ['/services/1', { name: 'dns', prefixes: ['2001:db8::53/128'], health: { backends: ['http_back'] } }]);
    expect(unit.split('\n').filter((line) => line.startsWith('Exec'))).toEqual([
      'ExecStart=/sbin/ip address replace 9.9.9.9/32 dev lo',
      'ExecStart=/sbin/ip address replace 2001:db8::53/128 dev lo',
    ]);
    expect(unit).toMatch(/^Before=haproxy\.service exabgp\.service$/m);
    expect(unit).toMatch(/^Type=oneshot$/m);
    expect(unit).toMatch(/^RemainAfterExit=yes$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target haproxy\.service$/m);
  });

  it.each(['unix:/run/haproxy/exabgp-anycast.sock', 'tcp://127.0.0.1:9999'])(
    'starts ExaBGP after HAProxy, with no extra group: the plugin’s socket belongs to group exabgp (%s)',
    (source) => {
      const dropIn = contentAt(exabgpDropIn, ['/stats/source', source]);
      expect(dropIn).toMatch(/^After=haproxy\.service$/m);
      expect(dropIn).not.toContain('SupplementaryGroups');
    },
  );

  it('adds the plugin to `systemctl reload exabgp`, after ExaBGP\'s own reload, only when the plugin serves /-/reload (metrics)', () => {
    const execReload = (dropIn: string) => dropIn.split('\n').filter((line) => line.startsWith('ExecReload'));
    expect(execReload(contentAt(exabgpDropIn, ['/metrics', { port: 9834 }]))).toEqual([
      'ExecReload=/usr/local/bin/exabgp-anycast reload --config /etc/exabgp-anycast/exabgp-anycast.json',
    ]);
    expect(execReload(contentAt(exabgpDropIn, ['/metrics', undefined]))).toEqual([]);
  });
});

describe('shellWord', () => {
  it.each([
    ['/usr/local/lib/exabgp-anycast/exabgp-anycast.js', '/usr/local/lib/exabgp-anycast/exabgp-anycast.js'],
    ['rg-anycast', 'rg-anycast'],
    ['my group', "'my group'"],
    ["it's", "'it'\\''s'"],
    ['$HOME', "'$HOME'"],
  ])('makes %j the shell word %s', (text, word) => {
    expect(shellWord(text)).toBe(word);
  });
});
