// run's metrics, status and reload endpoints, on the bundle as operators install it: a real
// HAProxy decides, the test plays ExaBGP on the plugin's stdin/stdout and scrapes with fetch.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PluginStatus } from '../../src/observe/plugin-status.js';
import { freePort, waitFor } from '../../lab/daemons/index.js';
import { httpDefaults, startHaproxy, type RunningHaproxy } from '../support/haproxy.js';
import { bundlePath, spawnPlugin, type PluginProcess } from '../support/plugin-process.js';
import { readExposition, type Family } from '../unit/observe/prometheus-text-reader.js';

const prefix = '198.18.0.10/32';
const documentedFamilies = [
  'exabgp_anycast_service_healthy',
  'exabgp_anycast_route_announced',
  'exabgp_anycast_service_transitions_total',
  'exabgp_anycast_backend_servers_up',
  'exabgp_anycast_backend_servers',
  'exabgp_anycast_stats_poll_duration_seconds',
  'exabgp_anycast_stats_poll_errors_total',
  'exabgp_anycast_last_successful_poll_timestamp_seconds',
  'exabgp_anycast_bgp_neighbor_up',
  'exabgp_anycast_exabgp_commands_total',
  'exabgp_anycast_config_reloads_total',
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_heap_bytes',
  'process_open_fds',
  'process_max_fds',
  'process_start_time_seconds',
];

let haproxy: RunningHaproxy;
let dir: string;
let plugin: PluginProcess | undefined;
let blocker: Server | undefined;

beforeAll(async () => {
  if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first`);
  dir = mkdtempSync(join(tmpdir(), 'metrics-'));
  // Two servers whose checks answer from a frontend of the same HAProxy.
  haproxy = await startHaproxy({
    config: [
      ...httpDefaults,
      '',
      'frontend fe_target',
      '    bind 127.0.0.1:{{port:target}}',
      '    http-request return status 200',
      '',
      'backend be_app',
      '    option httpchk GET /',
      '    server s1 127.0.0.1:{{port:target}} check inter 100ms fall 1 rise 1',
      '    server s2 127.0.0.1:{{port:target}} check inter 100ms fall 1 rise 1',
      '',
    ].join('\n'),
  });
});

afterAll(async () => {
  await haproxy?.stop();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  plugin?.child.kill('SIGKILL');
  plugin = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
  await haproxy.command('enable server be_app/s1');
  await haproxy.command('enable server be_app/s2');
});

function writeConfig(overrides: Record<string, unknown> = {}): string {
  const path = join(dir, 'config.json');
  const config = {
    platform: 'generic',
    stats: { source: `unix:${haproxy.socketPath}`, timeoutMs: 500 },
    intervalMs: 200,
    rise: 2,
    fall: 2,
    services: [{ name: 'www', prefixes: [prefix], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] } }],
    ...overrides,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

/** Starts the bundle and plays ExaBGP: every command written is answered `done`, as ExaBGP does with acks on. */
function startPlugin(args: string[]): PluginProcess {
  const p = spawnPlugin(['run', ...args]);
  // spawnPlugin reads stdout as text.
  p.child.stdout.on('data', (chunk: string) => {
    for (const character of chunk) if (character === '\n') p.child.stdin.write('done\n');
  });
  plugin = p;
  return p;
}

/** Reads until `ok` holds, with the lab's waitFor, and returns what satisfied it. */
async function readUntil<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const found = await waitFor(what, async () => {
    const value = await read();
    return ok(value) ? { value } : undefined;
  }, { timeoutMs });
  return found.value;
}

async function scrape(base: string): Promise<Map<string, Family>> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return readExposition(await response.text());
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
  return family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

const status = async (base: string): Promise<PluginStatus> => (await fetch(`${base}/status`)).json() as Promise<PluginStatus>;

/** Starts the plugin with metrics on a free port and waits until its route is announced and acknowledged. */
async function startAnnounced(config = writeConfig()): Promise<{ p: PluginProcess; base: string }> {
  const port = await freePort();
  const p = startPlugin(['--config', config, '--metrics-listen', `127.0.0.1:${port}`]);
  const base = `http://127.0.0.1:${port}`;
  await p.waitForStderr(/metrics: serving http:\/\/127\.0\.0\.1:\d+\/metrics/);
  await readUntil('the route announced and acknowledged', () => scrape(base), (m) => value(m, 'exabgp_anycast_route_announced', { service: 'www', prefix }) === 1);
  return { p, base };
}

describe('run --metrics-listen, scraped while a real HAProxy changes', () => {
  it('serves every documented family in Prometheus text format, with values from HAProxy and ExaBGP', async () => {
    const { p, base } = await startAnnounced();
    p.child.stdin.write('neighbor 127.0.0.2 up\n');
    const metrics = await readUntil('the neighbor up', () => scrape(base), (m) => value(m, 'exabgp_anycast_bgp_neighbor_up', { neighbor: '127.0.0.2' }) === 1);
    expect([...metrics.keys()].sort()).toEqual([...documentedFamilies].sort());
    expect(value(metrics, 'exabgp_anycast_service_healthy', { service: 'www' })).toBe(1);
    expect(value(metrics, 'exabgp_anycast_backend_servers_up', { service: 'www', backend: 'be_app' })).toBe(2);
    expect(value(metrics, 'exabgp_anycast_backend_servers', { service: 'www', backend: 'be_app' })).toBe(2);
    expect(value(metrics, 'exabgp_anycast_service_transitions_total', { service: 'www', to: 'up' })).toBe(1);
    expect(value(metrics, 'exabgp_anycast_exabgp_commands_total', { result: 'done' })).toBeGreaterThanOrEqual(1);
    expect(value(metrics, 'exabgp_anycast_stats_poll_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(Math.abs((value(metrics, 'exabgp_anycast_last_successful_poll_timestamp_seconds') ?? 0) - Date.now() / 1000)).toBeLessThan(5);
    expect(value(metrics, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
  });

  it('follows servers disabled on HAProxy\'s admin socket down to a withdrawal, and back up', async () => {
    const { p, base } = await startAnnounced();
    await haproxy.command('disable server be_app/s1');
    await readUntil('one server counted up', () => scrape(base), (m) => value(m, 'exabgp_anycast_backend_servers_up', { service: 'www', backend: 'be_app' }) === 1);
    await haproxy.command('disable server be_app/s2');
    const down = await readUntil('the service down', () => scrape(base), (m) => value(m, 'exabgp_anycast_service_healthy', { service: 'www' }) === 0);
    expect(value(down, 'exabgp_anycast_route_announced', { service: 'www', prefix })).toBe(0);
    expect(value(down, 'exabgp_anycast_service_transitions_total', { service: 'www', to: 'down' })).toBe(1);
    await p.waitForLine(/^withdraw route 198\.18\.0\.10\/32/);
    const whileDown = await status(base);
    expect(whileDown.services[0]).toMatchObject({ verdict: 'down', routes: [{ prefix, state: 'withdrawn', why: expect.stringMatching(/be_app: 0\/2 servers up/) }] });

    await haproxy.command('enable server be_app/s1');
    await haproxy.command('enable server be_app/s2');
    const up = await readUntil('the route back', () => scrape(base), (m) => value(m, 'exabgp_anycast_route_announced', { service: 'www', prefix }) === 1);
    expect(value(up, 'exabgp_anycast_service_transitions_total', { service: 'www', to: 'up' })).toBe(2);
  });

  it('answers /status with each service, its backends against the threshold and the exact route ExaBGP took', async () => {
    const { p, base } = await startAnnounced();
    p.child.stdin.write('neighbor 127.0.0.2 up\n');
    const body = await readUntil('the neighbor in /status', () => status(base), (s) => s.neighbors.length === 1);
    expect(body).toMatchObject({
      pid: p.child.pid,
      statsSource: `unix:${haproxy.socketPath}`,
      statsError: null,
      events: null,
      neighbors: [{ address: '127.0.0.2', state: 'up' }],
      services: [
        {
          name: 'www',
          verdict: 'up',
          backends: [{ backend: 'be_app', found: true, up: 2, total: 2, need: '≥ 1', enough: true }],
          routes: [{ prefix, state: 'announced', command: `announce route ${prefix} next-hop self as-path [ 65010 65010 65010 ]`, asPath: [65010, 65010, 65010], why: null }],
        },
      ],
    });
    expect(Date.parse(body.now) - Date.parse(body.lastGoodPollAt ?? '')).toBeLessThan(5000);
  });

  it('reloads on POST /-/reload: 200 with the services of a valid config, 400 with the errors of an invalid one, which is not taken', async () => {
    const config = writeConfig();
    const { base } = await startAnnounced(config);
    writeConfig({
      services: [
        { name: 'www', prefixes: [prefix], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] } },
        { name: 'api', prefixes: ['198.18.0.20/32'], health: { backends: ['be_app'] } },
      ],
    });
    const accepted = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ ok: true, services: ['www', 'api'] });
    await readUntil('the new service in /status', () => status(base), (s) => s.services.map((x) => x.name).join() === 'www,api');

    writeConfig({ rise: 0 });
    const refused = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(refused.status).toBe(400);
    const answer = (await refused.json()) as { ok: boolean; error: string };
    expect(answer.ok).toBe(false);
    expect(answer.error).toContain(`${config}: invalid configuration:`);
    expect(answer.error).toMatch(/\/rise: must be >= 1/);
    const after = await scrape(base);
    expect(value(after, 'exabgp_anycast_config_reloads_total', { result: 'success' })).toBe(1);
    expect(value(after, 'exabgp_anycast_config_reloads_total', { result: 'failure' })).toBe(1);
    expect((await status(base)).services.map((s) => s.name)).toEqual(['www', 'api']);
    expect((await status(base)).lastReload).toMatchObject({ ok: false, error: expect.stringMatching(/\/rise/) });
  });

  it('answers other paths with 404 and other methods with 405', async () => {
    const { base } = await startAnnounced();
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/-/reload`)).status).toBe(405);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('logs a taken port once, with the fix, and keeps announcing without metrics', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    const p = startPlugin(['--config', writeConfig(), '--metrics-listen', `127.0.0.1:${port}`]);
    await p.waitForStderr(new RegExp(`metrics: cannot listen on 127\\.0\\.0\\.1:${port}: the port is taken \\(EADDRINUSE\\); set a free port`));
    await p.waitForLine(/^announce route 198\.18\.0\.10\/32/);
    await haproxy.command('disable server be_app/s1');
    await haproxy.command('disable server be_app/s2');
    await p.waitForLine(/^withdraw route 198\.18\.0\.10\/32/);
    expect(p.stderr().match(/cannot listen/g)).toHaveLength(1);
    expect(p.child.exitCode).toBeNull();
  });

  it('counts failed polls of a real unreachable source under their reason', async () => {
    const port = await freePort();
    const closed = await freePort();
    startPlugin(['--config', writeConfig({ stats: { source: `tcp://127.0.0.1:${closed}`, timeoutMs: 100 } }), '--metrics-listen', `127.0.0.1:${port}`]);
    const metrics = await readUntil('refused polls', () => scrape(`http://127.0.0.1:${port}`), (m) => (value(m, 'exabgp_anycast_stats_poll_errors_total', { reason: 'refused' }) ?? 0) >= 2);
    expect(value(metrics, 'exabgp_anycast_last_successful_poll_timestamp_seconds')).toBe(0);
    expect(value(metrics, 'exabgp_anycast_service_healthy', { service: 'www' })).toBe(0);
  });

  it('serves a plugin whose config is invalid at start, so that POST /-/reload can bring it a fixed one', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const p = startPlugin(['--config', writeConfig({ rise: 0, metrics: { listen: `127.0.0.1:${port}` } })]);
    await p.waitForStderr(/not announcing anything until the config is fixed/);
    expect((await readUntil('the listener', () => status(base), () => true)).services).toEqual([]);
    writeConfig({ metrics: { listen: `127.0.0.1:${port}` } });
    const reloaded = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(await reloaded.json()).toEqual({ ok: true, services: ['www'] });
    await p.waitForLine(/^announce route 198\.18\.0\.10\/32/);
  });

  it('keeps the listener where it is when a reload moves metrics.listen, and says it applies at the next start', async () => {
    const [port, other] = [await freePort(), await freePort()];
    const p = startPlugin(['--config', writeConfig({ metrics: { listen: `127.0.0.1:${port}` } })]);
    await readUntil('the listener', () => status(`http://127.0.0.1:${port}`), () => true);
    writeConfig({ metrics: { listen: `127.0.0.1:${other}` } });
    expect((await fetch(`http://127.0.0.1:${port}/-/reload`, { method: 'POST' })).status).toBe(200);
    await p.waitForStderr(new RegExp(`metrics\\.listen is now 127\\.0\\.0\\.1:${other}, but the listener binds only at start \\(it stays on 127\\.0\\.0\\.1:${port}\\)`));
    expect((await status(`http://127.0.0.1:${port}`)).lastReload).toMatchObject({ ok: true });
  });

  it('takes metrics.listen from the config file', async () => {
    const port = await freePort();
    startPlugin(['--config', writeConfig({ metrics: { listen: `127.0.0.1:${port}` } })]);
    await readUntil('the config\'s listener', () => scrape(`http://127.0.0.1:${port}`), (m) => value(m, 'exabgp_anycast_service_healthy', { service: 'www' }) === 1);
  });
});
