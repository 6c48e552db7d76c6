import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { renderHaproxyCfg } from '../../../src/generate/render-haproxy-cfg.js';
import { readTopologyText, seedWith, type Change } from './topologies.js';

/** haproxy.cfg of the seed's first NVA (nva-ne-1) after `changes`. */
function cfgOf(...changes: Change[]): string {
  const topology = parseTopology(seedWith(...changes), 'topology.json');
  const placement = placeNvas(topology)[0];
  if (placement === undefined) throw new Error('no NVA');
  return renderHaproxyCfg(topology, placement);
}

function section(cfg: string, header: string): string {
  return cfg.trimEnd().split('\n\n').find((block) => block.startsWith(`${header}\n`)) ?? '';
}

describe('renderHaproxyCfg', () => {
  it.each([
    {
      source: 'unix:/run/haproxy/exabgp-anycast.sock',
      lines: [
        'stats socket /run/haproxy/admin.sock mode 660 level admin group haproxy',
        'stats socket /run/haproxy/exabgp-anycast.sock mode 660 level operator group exabgp',
      ],
    },
    { source: 'tcp://127.0.0.1:9999', lines: ['stats socket ipv4@127.0.0.1:9999 level operator'] },
    { source: 'tcp://[::1]:9999', lines: ['stats socket ipv6@::1:9999 level operator'] },
  ])('opens the plugin its own socket at level operator for $source, and a unix admin socket for people beside it', ({ source, lines }) => {
    const global = section(cfgOf(['/stats/source', source]), 'global');
    expect(global.split('\n').filter((line) => line.startsWith('    stats socket '))).toEqual(lines.map((line) => `    ${line}`));
  });

  it('logs server state changes (notice and up, so no traffic) to the ring the plugin follows, in the format it reads', () => {
    const cfg = cfgOf();
    expect(section(cfg, 'global')).toContain('\n    log ring@exabgp-anycast local0 notice\n');
    expect(section(cfg, 'ring exabgp-anycast')).toContain('\n    format rfc3164\n');
    expect(section(cfg, 'defaults')).toContain('\n    log global\n');
    expect(section(cfg, 'defaults')).toContain('\n    timeout connect 500ms\n');
  });

  it('binds the seed service to its address on port 80 and sends it to the first health backend', () => {
    expect(section(cfgOf(), 'frontend www')).toBe(
      ['frontend www', '    mode http', '    option httplog', '    bind 9.9.9.9:80', '    default_backend http_back'].join('\n'),
    );
  });

  it('binds IPv6 addresses in brackets on the configured port', () => {
    const cfg = cfgOf(['/services/0/prefixes', ['9.9.9.9/32', '2001:db8::9/128']], ['/services/0/haproxy', { port: 8080 }]);
    expect(section(cfg, 'frontend www')).toContain('    bind 9.9.9.9:8080\n    bind [2001:db8::9]:8080\n');
  });

  it('checks http backends with GET /, marks a server down at its first failed connection, retries elsewhere, and bridges to the next region', () => {
    expect(section(cfgOf(), 'backend http_back')).toBe(
      [
        'backend http_back',
        '    mode http',
        '    balance roundrobin',
        '    option httpchk GET /',
        '    retries 3',
        '    option redispatch 1',
        '    retry-on conn-failure empty-response',
        '    default-server inter 1000ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down',
        '    server backend01 172.16.156.69:80 check',
        '    # The bridge: used only while no server above is up, the first one up in this order.',
        '    server westeurope-01 172.16.136.69:80 check backup',
      ].join('\n'),
    );
  });

  it('sets the servers\' check timing from the service', () => {
    const cfg = cfgOf(['/services/0/haproxy', { check: { interMs: 200, fall: 3, rise: 1 } }]);
    expect(section(cfg, 'backend http_back')).toContain('    default-server inter 200ms fall 3 rise 1 observe layer4 error-limit 1 on-error mark-down\n');
  });

  it('lists the other regions’ servers as backups in region preference order, skipping its own region', () => {
    const topology = parseTopology(readTopologyText('test/fixtures/generate/three-regions.json'), 'three-regions.json');
    const backups = placeNvas(topology).map((placement) =>
      section(renderHaproxyCfg(topology, placement), 'backend http_back')
        .split('\n')
        .filter((line) => line.endsWith(' backup')),
    );
    expect(backups).toEqual([
      ['    server westeurope-01 172.16.136.69:80 check backup', '    server uksouth-01 172.16.116.69:80 check backup'],
      ['    server northeurope-01 172.16.156.69:80 check backup', '    server uksouth-01 172.16.116.69:80 check backup'],
      ['    server northeurope-01 172.16.156.69:80 check backup', '    server westeurope-01 172.16.136.69:80 check backup'],
    ]);
  });

  it('bridges to the servers of each NVA of a region without a region-wide list, each once', () => {
    const cfg = cfgOf(
      ['/regions/1/backendServers', undefined],
      ['/regions/1/nvas/0/backendServers', { http_back: ['172.16.136.71:80', '172.16.136.72:80'] }],
      ['/regions/1/nvas/1', { name: 'nva-we-2', address: '172.16.136.73', peers: ['10.15.96.4', '10.15.96.5'], backendServers: { http_back: ['172.16.136.72:80'] } }],
    );
    expect(section(cfg, 'backend http_back')).toContain(
      '    server westeurope-01 172.16.136.71:80 check backup\n    server westeurope-02 172.16.136.72:80 check backup',
    );
  });

  it('has no backup servers with bridge: false', () => {
    expect(section(cfgOf(['/bridge', false]), 'backend http_back')).not.toMatch(/backup|bridge/);
  });

  it('checks tcp backends by connecting, and retries only connections (HTTP retries need HTTP)', () => {
    const backend = section(cfgOf(['/services/0/haproxy', { mode: 'tcp' }]), 'backend http_back');
    expect(backend).toContain('    mode tcp\n');
    expect(backend).toContain('    retries 3\n    option redispatch 1\n');
    expect(backend).not.toMatch(/httpchk|retry-on/);
  });

  it('prefers the NVA’s own servers for a backend over the region’s', () => {
    const cfg = cfgOf(['/regions/0/nvas/0/backendServers', { http_back: ['172.16.156.80:80', '[2001:db8::80]:80'] }]);
    expect(section(cfg, 'backend http_back')).toContain(
      '    server backend01 172.16.156.80:80 check\n    server backend02 [2001:db8::80]:80 check',
    );
  });

  it('says where to list servers when the topology gives none', () => {
    expect(section(cfgOf(['/regions/0/backendServers', undefined]), 'backend http_back')).toContain(
      '    # No servers: list them in the topology under backendServers."http_back" of region northeurope or NVA nva-ne-1.',
    );
  });

  it('writes each backend once, even when several services check it', () => {
    const cfg = cfgOf(['/services/1', { name: 'www2', prefixes: ['9.9.9.10/32'], health: { backends: ['http_back'] } }]);
    expect(cfg.match(/^backend http_back$/gm)).toHaveLength(1);
    expect(cfg.match(/^frontend /gm)).toHaveLength(2);
  });
});
