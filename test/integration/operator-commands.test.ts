import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundlePath } from '../support/plugin-process.js';

const fixture = (name: string) => new URL(`../fixtures/haproxy/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'operator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [bundlePath, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function configFile(overrides: Record<string, unknown> = {}, service: Record<string, unknown> = {}): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  const config = {
    stats: { source: `file:${fixture('2.6-all-up.csv')}`, timeoutMs: 500 },
    intervalMs: 1000,
    rise: 2,
    fall: 2,
    services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] }, ...service }],
    ...overrides,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe('dry-run', () => {
  it('prints a table with the verdict, the reason and the exact lines run would write', () => {
    const { code, stdout } = cli('dry-run', '--config', configFile());
    expect(code).toBe(0);
    expect(stdout).toContain('SERVICE  VERDICT  BACKEND  UP   ENOUGH');
    expect(stdout).toContain('www      UP       be_app   3/3  yes');
    expect(stdout).toContain('www: up — be_app: 3/3 servers up, need ≥ 1');
    expect(stdout).toContain('  announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]');
  });

  it('reads another source with --stats and prints one JSON object with --json', () => {
    const { code, stdout } = cli('dry-run', '--config', configFile(), '--stats', `file:${fixture('2.6-all-down.csv')}`, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      services: [
        {
          name: 'www',
          state: 'down',
          reason: 'be_app: 0/3 servers up, need ≥ 1',
          backends: [{ backend: 'be_app', found: true, up: 0, total: 3, need: '≥ 1', enough: false }],
          commands: ['withdraw route 198.18.0.10/32 next-hop self'],
        },
      ],
    });
  });

  it('shows the degraded announce for a service that degrades instead of withdrawing', () => {
    const config = configFile({}, { onDown: { asPath: [65010, 65010, 65010, 65010, 65010] } });
    const { stdout } = cli('dry-run', '--config', config, '--stats', `file:${fixture('2.6-all-down.csv')}`, '--json');
    expect(JSON.parse(stdout).services[0].commands).toEqual(['announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 65010 65010 ]']);
  });

  it('shows what run writes with onDown.withdrawAfterMs 0: the withdraw, never the degraded announce', () => {
    const config = configFile({}, { onDown: { asPath: [65010, 65010, 65010, 65010, 65010], withdrawAfterMs: 0 } });
    const { stdout } = cli('dry-run', '--config', config, '--stats', `file:${fixture('2.6-all-down.csv')}`, '--json');
    expect(JSON.parse(stdout).services[0].commands).toEqual(['withdraw route 198.18.0.10/32 next-hop self']);
  });

  it('says disabled while the maintenance file exists', () => {
    const maintenance = join(dir, 'maintenance');
    writeFileSync(maintenance, '');
    const { stdout } = cli('dry-run', '--config', configFile({ disableFile: maintenance }), '--json');
    rmSync(maintenance);
    expect(JSON.parse(stdout).services[0]).toMatchObject({ state: 'disabled', commands: ['withdraw route 198.18.0.10/32 next-hop self'] });
  });

  it('exits 2 with the reason when the stats source is not a stats CSV', () => {
    const { code, stderr } = cli('dry-run', '--config', configFile(), '--stats', `file:${fixture('2.6-401.html')}`);
    expect(code).toBe(2);
    expect(stderr).toMatch(/2\.6-401\.html/);
  });

  it('exits 2 when the stats source cannot be read', () => {
    const { code, stderr } = cli('dry-run', '--config', configFile(), '--stats', 'unix:/nonexistent/admin.sock');
    expect(code).toBe(2);
    expect(stderr).toContain('unix:/nonexistent/admin.sock');
  });

  it('exits 1 for an invalid config', () => {
    const { code, stderr } = cli('dry-run', '--config', configFile({ rise: 0 }));
    expect(code).toBe(1);
    expect(stderr).toContain('/rise: must be >= 1 (got 0)');
  });
});

describe('replay', () => {
  const timeline = ['2.6-all-up.csv', '2.6-all-up.csv', '2.6-one-down.csv', '2.6-all-down.csv', '2.6-all-down.csv', '2.6-all-up.csv', '2.6-all-up.csv'].map(fixture);

  it('prints each command at the poll that emits it; the first poll decides at once, as in run', () => {
    const { code, stdout, stderr } = cli('replay', '--config', configFile(), ...timeline);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        '#1 announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]',
        '#5 withdraw route 198.18.0.10/32 next-hop self',
        '#7 announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]',
        '',
      ].join('\n'),
    );
    expect(stderr).toContain('#5 warn www: falling → down (be_app: 0/3 servers up, need ≥ 1); withdraw 198.18.0.10/32');
  });

  it('prints JSON lines with --json', () => {
    const { stdout } = cli('replay', '--config', configFile(), '--json', ...timeline.slice(0, 2));
    expect(stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { poll: 1, service: 'www', state: 'up', command: 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]' },
    ]);
  });

  it('runs the degrade timer on the simulated clock', () => {
    const config = configFile({ rise: 1, fall: 1 }, { onDown: { asPath: [65010, 65010, 65010, 65010], withdrawAfterMs: 2000 } });
    const down = fixture('2.6-all-down.csv');
    const { stdout } = cli('replay', '--config', config, fixture('2.6-all-up.csv'), down, down, down);
    expect(stdout.trim().split('\n')).toEqual([
      '#1 announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]',
      '#2 announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 65010 ]',
      '#4 withdraw route 198.18.0.10/32 next-hop self',
    ]);
  });

  it('keeps a flapping service withdrawn under dampening, and says until when', () => {
    const dampening = { halfLifeMs: 10_000, penalty: 1000, suppressAbove: 2000, reuseBelow: 750, maxSuppressMs: 60_000 };
    const [up, down] = [fixture('2.6-all-up.csv'), fixture('2.6-all-down.csv')];
    const { stdout, stderr } = cli('replay', '--config', configFile({ rise: 1, fall: 1 }, { dampening }), up, down, up, down, up, down, up, up);
    expect(stdout.trim().split('\n').map((line) => line.split(' route ')[0])).toEqual(['#1 announce', '#2 withdraw', '#3 announce', '#4 withdraw', '#5 announce', '#6 withdraw']);
    expect(stderr).toContain('#6 warn www: up → down (be_app: 0/3 servers up, need ≥ 1; suppressed until 19 s from now: flap penalty 2628, reuse below 750); withdraw 198.18.0.10/32');
    expect(stderr).toContain('#7 info www: down → up (be_app: 3/3 servers up, need ≥ 1; suppressed until 18 s from now: flap penalty 2452, reuse below 750)');
  });

  it('treats an unreadable snapshot as a failed poll, as run would', () => {
    const { code, stdout } = cli('replay', '--config', configFile({ rise: 1, fall: 1 }), fixture('2.6-all-up.csv'), fixture('2.6-401.html'));
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').at(-1)).toBe('#2 withdraw route 198.18.0.10/32 next-hop self');
  });
});

describe('validate', () => {
  it('says valid and exits 0, with warnings that name the JSON path', () => {
    const { code, stdout, stderr } = cli('validate', '--config', configFile({ stats: { source: 'unix:/run/haproxy/admin.sock', timeoutMs: 5000 } }));
    expect(code).toBe(0);
    expect(stderr).toContain('warning: /stats/timeoutMs: 5000 ms is not below intervalMs (1000 ms)');
    expect(stdout).not.toContain('warning');
    expect(stdout).toMatch(/valid, 1 service\(s\)/);
  });

  it.each([
    ['a prefix claimed by two services', { services: [
      { name: 'a', prefixes: ['198.18.0.10/32'], health: { backends: ['be_app'] } },
      { name: 'b', prefixes: ['198.18.0.10/32'], health: { backends: ['be_app'] } },
    ] }, '/services/1/prefixes/0: 198.18.0.10/32 is already announced by service "a"'],
    ['a prefix with host bits', { services: [{ name: 'a', prefixes: ['198.18.0.10/24'], health: { backends: ['be_app'] } }] }, 'use the network address (e.g. 198.18.0.0/24)'],
    ['a stats source that is not a URL', { stats: { source: 'http://' } }, '/stats/source: "http://" is not a valid URL'],
  ])('rejects %s and exits 1', (_title, overrides, message) => {
    const { code, stderr } = cli('validate', '--config', configFile(overrides));
    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });

  it.each([
    ['a prepend that mixes ASNs', {}, { asPath: [65010, 65020] }, '/services/0/asPath: [ 65010 65020 ] mixes ASNs'],
    ['a slow failover', { fall: 100, intervalMs: 1000 }, {}, '/fall: fall × intervalMs = 100000 ms'],
    ['a missing maintenance folder', { disableFile: '/nonexistent-dir/maint' }, {}, '/disableFile: folder /nonexistent-dir does not exist'],
    ['a degrade that is not less preferred', {}, { onDown: { asPath: [65010] } }, '/services/0/onDown: the degraded route is not less preferred'],
  ])('warns about %s', (_title, overrides, service, message) => {
    const { code, stderr } = cli('validate', '--config', configFile(overrides, service));
    expect(code).toBe(0);
    expect(stderr).toContain(`warning: ${message}`);
  });

  it('with --connect, checks that configured backends exist in the stats', () => {
    expect(cli('validate', '--config', configFile(), '--connect').code).toBe(0);
    const { code, stderr } = cli('validate', '--config', configFile({}, { health: { backends: ['be_nope'] } }), '--connect');
    expect(code).toBe(1);
    expect(stderr).toContain('/services/0/health/backends/0: backend "be_nope" (HAProxy has: ok, gone, busy, slow, be_app, be_track, be_odd)');
  });

  it('with --connect, warns that countBackup counts the backup servers HAProxy has, which a bridge makes another region’s', () => {
    const counting = cli('validate', '--config', configFile({}, { health: { backends: ['be_app'], countBackup: true } }), '--connect');
    expect(counting.code).toBe(0);
    expect(counting.stderr).toContain(
      "warning: /services/0/health/countBackup: counts the backup servers be_app/s3; if they are another region's (generate's bridge), " +
        'this region stays announced while all its own servers are down; set countBackup false',
    );
    expect(cli('validate', '--config', configFile(), '--connect').stderr).not.toContain('countBackup');
  });
});

describe('validate on Azure (platform azure-vwan unless the config says otherwise)', () => {
  it('rejects a reserved ASN in an AS path, naming the path and the fix, and accepts it with platform "generic"', () => {
    const { code, stderr } = cli('validate', '--config', configFile({}, { asPath: [65515] }));
    expect(code).toBe(1);
    expect(stderr).toContain('/services/0/asPath/0: 65515 is the ASN of the Azure hub and Route Server themselves (reserved by Azure); use a private 16-bit ASN');
    expect(cli('validate', '--config', configFile({ platform: 'generic' }, { asPath: [65515] })).code).toBe(0);
  });

  it('warns that a public resolver address is taken over for the clients', () => {
    const { code, stderr } = cli('validate', '--config', configFile({}, { prefixes: ['9.9.9.9/32'] }));
    expect(code).toBe(0);
    expect(stderr).toContain("warning: /services/0/prefixes/0: 9.9.9.9/32 holds 9.9.9.9, Quad9's public DNS resolver; announcing it takes the address over for your clients");
  });
});

describe('plan', () => {
  const seed = new URL('../../examples/topology.json', import.meta.url).pathname;

  it('prints which region each hub and the ExpressRoute edge prefers, and warns on stderr where the order cannot hold', () => {
    const { code, stdout, stderr } = cli('plan', '--topology', seed);
    expect(code).toBe(0);
    expect(stdout).toContain('HUB NORTHEUROPE  HUB WESTEUROPE  EXPRESSROUTE EDGE');
    expect(stdout).toContain('normal            northeurope      westeurope *    northeurope');
    expect(stderr).toContain('warning: hubRoutingPreference "ExpressRoute": every hub prefers its own region’s route');
    expect(stdout).not.toContain('warning');
  });

  it('prints one JSON object with --json, and exits 1 on an invalid topology', () => {
    const { code, stdout } = cli('plan', '--topology', seed, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ platform: 'azure-vwan', hubRoutingPreference: 'ExpressRoute', vantagePoints: ['hub northeurope', 'hub westeurope', 'ExpressRoute edge'] });
    const invalid = join(dir, 'topology-65515.json');
    writeFileSync(invalid, JSON.stringify({ ...JSON.parse(readFileSync(seed, 'utf8')), localAs: 65515 }));
    const rejected = cli('plan', '--topology', invalid);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('/localAs: 65515 is the ASN of the Azure hub and Route Server themselves (reserved by Azure)');
  });
});

describe('the bundle', () => {
  it('runs as one copied file with no node_modules above it, got included (HTTP stats page)', async () => {
    const csv = readFileSync(fixture('2.6-http.csv'), 'utf8');
    const server = createServer((_request, response) => response.end(csv));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const nva = mkdtempSync(join(tmpdir(), 'nva-'));
    copyFileSync(bundlePath, join(nva, 'exabgp-anycast.js'));
    const args = [join(nva, 'exabgp-anycast.js'), 'dry-run', '--config', configFile(), '--stats', `http://127.0.0.1:${port}/stats;csv`, '--json'];
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: nva }, (error, stdout) => resolve({ code: error ? (error.code as number) : 0, stdout }));
    });
    server.close();
    rmSync(nva, { recursive: true, force: true });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).services[0]).toMatchObject({ name: 'www', state: 'up', reason: 'be_app: 3/3 servers up, need ≥ 1' });
  });
});

describe('schema and help', () => {
  it('prints the JSON Schema that validation uses', () => {
    const { code, stdout } = cli('schema');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ title: 'exabgp-anycast plugin configuration', required: ['stats', 'services'] });
  });

  it.each(['run', 'dry-run', 'replay', 'validate', 'generate', 'schema'])('shows options and an example in %s --help', (command) => {
    const { code, stdout } = cli(command, '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Example/);
  });

  it('names an unknown option and suggests the right one', () => {
    const { code, stderr } = cli('validate', '--config', configFile(), '--conect');
    expect(code).toBe(1);
    expect(stderr).toContain("unknown option '--conect'\n(Did you mean --connect?)");
  });
});
