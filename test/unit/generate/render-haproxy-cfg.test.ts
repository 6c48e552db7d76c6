import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { renderHaproxyCfg } from '../../../src/generate/render-haproxy-cfg.js';
import { seedWith, type Change } from './topologies.js';

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
    { source: 'unix:/run/haproxy/admin.sock', line: 'stats socket /run/haproxy/admin.sock mode 660 level admin group haproxy' },
    { source: 'tcp://127.0.0.1:9999', line: 'stats socket ipv4@127.0.0.1:9999 level user' },
    { source: 'tcp://[::1]:9999', line: 'stats socket ipv6@::1:9999 level user' },
  ])('opens the stats socket the plugin reads from $source', ({ source, line }) => {
    expect(section(cfgOf(['/stats/source', source]), 'global')).toContain(`\n    ${line}\n`);
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

  it('checks http backends with GET / and lists the region’s servers', () => {
    expect(section(cfgOf(), 'backend http_back')).toBe(
      [
        'backend http_back',
        '    mode http',
        '    balance roundrobin',
        '    option httpchk GET /',
        '    default-server inter 1000ms fall 2 rise 2',
        '    server backend01 172.16.156.69:80 check',
      ].join('\n'),
    );
  });

  it('sets the servers\' check timing from the service', () => {
    const cfg = cfgOf(['/services/0/haproxy', { check: { interMs: 200, fall: 3, rise: 1 } }]);
    expect(section(cfg, 'backend http_back')).toContain('    default-server inter 200ms fall 3 rise 1\n');
  });

  it('checks tcp backends by connecting', () => {
    const backend = section(cfgOf(['/services/0/haproxy', { mode: 'tcp' }]), 'backend http_back');
    expect(backend).toContain('    mode tcp\n');
    expect(backend).not.toContain('httpchk');
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
