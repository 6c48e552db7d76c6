import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../lab/daemons/index.js';
import type { PluginStatus } from '../../src/observe/plugin-status.js';
import { bundlePath, pluginNode, spawnPlugin, type PluginProcess } from '../support/plugin-process.js';

const fixture = (name: string) => new URL(`../fixtures/haproxy/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'status-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: Server[] = [];
const plugins: PluginProcess[] = [];
afterEach(async () => {
  for (const plugin of plugins.splice(0)) plugin.child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Runs the bundle without blocking this process, which serves the plugin stand-ins. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(pluginNode, [bundlePath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A stand-in for `run`'s HTTP side: answers each path with a fixed status code and body. */
async function standIn(answers: Record<string, { status: number; body: unknown }>, host = '127.0.0.1', port = 0): Promise<string> {
  const server = createServer((request, response) => {
    const answer = answers[`${request.method} ${request.url}`];
    if (answer === undefined) {
      response.writeHead(404).end('no such path\n');
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}


const now = new Date().toISOString();
function pluginStatus(verdict: 'up' | 'down', asPath: number[]): PluginStatus {
  return {
    version: '0.1.0',
    pid: 1234,
    startedAt: now,
    now,
    statsSource: 'unix:/run/haproxy/admin.sock',
    lastGoodPollAt: now,
    lastGoodPollAgeMs: 120,
    statsError: null,
    events: null,
    neighbors: [{ address: '198.18.1.1', state: 'up', since: now }],
    services: [
      {
        name: 'www',
        verdict,
        phase: verdict,
        since: now,
        reason: verdict === 'up' ? 'be_app: 2/2 servers up, need ≥ 1' : 'be_app: 0/2 servers up, need ≥ 1',
        mode: verdict === 'up' ? 'announced' : 'withdrawn',
        backends: [{ backend: 'be_app', found: true, up: verdict === 'up' ? 2 : 0, total: 2, need: '≥ 1', enough: verdict === 'up' }],
        routes: [
          {
            prefix: '198.18.0.100/32',
            state: verdict === 'up' ? 'announced' : 'withdrawn',
            command: verdict === 'up' ? `announce route 198.18.0.100/32 next-hop self as-path [ ${asPath.join(' ')} ]` : null,
            nextHop: verdict === 'up' ? 'self' : null,
            neighbors: [],
            asPath: verdict === 'up' ? asPath : [],
            med: null,
            localPreference: null,
            communities: [],
            largeCommunities: [],
            why: verdict === 'up' ? null : 'be_app: 0/2 servers up, need ≥ 1',
          },
        ],
        dampening: null,
      },
    ],
    lastReload: null,
  };
}

describe('status against a plugin stand-in', () => {
  it('prints the table and exits 0 when every service is up and announced', async () => {
    const url = await standIn({ 'GET /status': { status: 200, body: pluginStatus('up', [65010]) } });
    const { code, stdout, stderr } = await cli('status', '--url', url);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^SERVICE +VERDICT +SINCE +BACKEND +UP +NEED +PREFIX +ROUTE +EXABGP +REASON\n/);
    expect(stdout).toMatch(/\nwww +up +\S+ ago +be_app +2\/2 +≥ 1 +198\.18\.0\.100\/32 +next-hop self as-path \[ 65010 \] +done +be_app: 2\/2 servers up, need ≥ 1\n/);
    expect(stdout).toContain('BGP neighbors: 198.18.1.1 up for');
    expect(code).toBe(0);
  });

  it('exits 1 when a service is down, and prints the status object with --json', async () => {
    const status = pluginStatus('down', [65010]);
    const url = await standIn({ 'GET /status': { status: 200, body: status } });
    const { code, stdout } = await cli('status', '--url', url, '--json');
    expect(JSON.parse(stdout)).toEqual(status);
    expect(code).toBe(1);
  });

  it('finds the plugin through --config\'s metrics.listen', async () => {
    const url = await standIn({ 'GET /status': { status: 200, body: pluginStatus('up', [65010]) } });
    const config = join(dir, 'listen.json');
    writeFileSync(config, JSON.stringify({ metrics: { listen: url.replace('http://', '') }, services: 'not checked by status' }));
    const { code, stdout } = await cli('status', '--config', config);
    expect(stdout).toContain('198.18.0.100/32');
    expect(code).toBe(0);
  });

  it.each([
    ['nothing listens', async () => `http://127.0.0.1:${await freePort()}`, /^exabgp-anycast: cannot reach the plugin at http:\/\/127\.0\.0\.1:\d+\/status: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/],
    ['the answer is not JSON', () => standIn({ 'GET /status': { status: 200, body: '<html>' } }), /did not answer with the plugin's status JSON \(is this port the plugin's\?\)\n$/],
    ['the answer is some other JSON', () => standIn({ 'GET /status': { status: 200, body: { status: 'ok' } } }), /did not answer with the plugin's status JSON/],
    ['the answer is an HTTP error', () => standIn({}), /\/status answered HTTP 404\n$/],
  ])('exits 2 with a one-line reason when %s', async (_what, url, reason) => {
    const { code, stdout, stderr } = await cli('status', '--url', await url());
    expect(stdout).toBe('');
    expect(stderr).toMatch(reason);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
  });

  it('exits 2 after about 3 s when the plugin accepts the connection but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = Date.now();
    const { code, stderr } = await cli('status', '--url', `http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const took = Date.now() - started;
    for (const socket of sockets) socket.destroy();
    silent.close();
    expect(stderr).toMatch(/: no answer within 3000 ms\n$/);
    expect(code).toBe(2);
    expect(took).toBeGreaterThanOrEqual(3000);
    expect(took).toBeLessThan(8000);
  });

  it('exits 2 when --config cannot be read', async () => {
    const { code, stderr } = await cli('status', '--config', join(dir, 'absent.json'));
    expect(stderr).toMatch(/^exabgp-anycast: cannot read .*absent\.json: ENOENT/);
    expect(code).toBe(2);
  });
});

describe('status --topology against stand-ins on 127.0.0.2 and 127.0.0.3', () => {
  function topologyFile(port: number): string {
    const topology = JSON.parse(readFileSync(new URL('../../lab/topology.json', import.meta.url), 'utf8')) as {
      regions: Array<{ nvas: Array<{ address: string; peers: string[] }> }>;
    };
    topology.regions.forEach((region, i) => {
      const nva = region.nvas[0] as { address: string; peers: string[] };
      nva.address = `127.0.0.${i + 2}`;
      nva.peers = ['127.0.0.1'];
    });
    const path = join(dir, `topology-${port}.json`);
    writeFileSync(path, JSON.stringify(topology));
    return path;
  }

  it('shows every NVA, an unreachable one as unreachable, and prefers the shortest AS path announced', async () => {
    const port = await freePort('127.0.0.2');
    await standIn({ 'GET /status': { status: 200, body: pluginStatus('down', [65010]) } }, '127.0.0.2', port);
    await standIn({ 'GET /status': { status: 200, body: pluginStatus('up', [65010, 65010, 65010]) } }, '127.0.0.3', port);
    const topology = topologyFile(port);

    const both = await cli('status', '--topology', topology, '--port', String(port));
    expect(both.stdout).toMatch(/\nnortheurope +nva-ne +127\.0\.0\.2 +down +198\.18\.0\.100\/32 +withdrawn\n/);
    expect(both.stdout).toMatch(/\nwesteurope +nva-we +127\.0\.0\.3 +up +198\.18\.0\.100\/32 +as-path \[ 65010 65010 65010 \]\n/);
    expect(both.stdout).toContain('  hub should prefer 198.18.0.100/32: westeurope (nva-we; AS path length 3)\n');
    expect(both.code).toBe(1);

    await new Promise((resolve) => servers.shift()?.close(resolve));
    const one = await cli('status', '--topology', topology, '--port', String(port));
    expect(one.stdout).toMatch(new RegExp(`\\nnortheurope +nva-ne +127\\.0\\.0\\.2 +unreachable: cannot reach the plugin at http://127\\.0\\.0\\.2:${port}/status: connect ECONNREFUSED`));
    expect(one.stdout).toContain('westeurope (nva-we; AS path length 3)');
    expect(one.code).toBe(1);

    await new Promise((resolve) => servers.shift()?.close(resolve));
    const none = await cli('status', '--topology', topology, '--port', String(port));
    expect(none.stdout).toContain('no NVA announces it');
    expect(none.stderr).toBe(`exabgp-anycast: no NVA of ${topology} answered on port ${port}\n`);
    expect(none.code).toBe(2);
  });
});

describe('reload against a plugin stand-in', () => {
  it.each([
    [200, 0, { ok: true, services: ['www', 'api'] }, 'reloaded: 2 service(s): www, api\n', ''],
    [400, 1, { ok: false, error: 'config.json: invalid configuration:\n  - /rise: must be >= 1' }, '', 'exabgp-anycast: reload rejected, the running config stays in force:\nconfig.json: invalid configuration:\n  - /rise: must be >= 1\n'],
    [403, 2, { ok: false, error: 'reload is only taken from this machine (loopback); 198.18.1.1 is not' }, '', /answered HTTP 403: reload is only taken from this machine \(loopback\); 198\.18\.1\.1 is not\n$/],
  ])('HTTP %i from /-/reload → exit %i', async (status, code, body, stdout, stderr) => {
    const url = await standIn({ 'POST /-/reload': { status, body } });
    const result = await cli('reload', '--url', url);
    expect(result.stdout).toBe(stdout);
    if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
    else expect(result.stderr).toMatch(stderr);
    expect(result.code).toBe(code);
  });

  it('exits 2 when the plugin cannot be reached', async () => {
    const { code, stderr } = await cli('reload', '--url', `http://127.0.0.1:${await freePort()}`);
    expect(stderr).toMatch(/^exabgp-anycast: cannot reach the plugin at http:\/\/127\.0\.0\.1:\d+\/-\/reload: connect ECONNREFUSED/);
    expect(code).toBe(2);
  });
});

describe('status, status --topology and reload against running bundles', () => {
  function writeConfig(name: string, overrides: Record<string, unknown> = {}): string {
    const path = join(dir, name);
    copyFileSync(fixture('2.6-all-up.csv'), join(dir, 'stats.csv'));
    const config = {
      stats: { source: `file:${join(dir, 'stats.csv')}`, timeoutMs: 200 },
      intervalMs: 250,
      services: [{ name: 'www', prefixes: ['198.18.0.100/32'], asPath: [65010], health: { backends: ['be_app'] } }],
      ...overrides,
    };
    writeFileSync(path, JSON.stringify(config));
    return path;
  }

  /** Starts the bundle as ExaBGP would, with a stand-in ExaBGP that answers `done` to every line. */
  async function startPlugin(config: string, listen: string): Promise<PluginProcess> {
    const plugin = spawnPlugin(['run', '--config', config, '--metrics-listen', listen]);
    plugins.push(plugin);
    // spawnPlugin reads stdout as text.
    plugin.child.stdout.on('data', (chunk: string) => plugin.child.stdin.write('done\n'.repeat(chunk.split('\n').length - 1)));
    plugin.child.stdin.write('{ "exabgp": "4.0.1", "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.9" }, "state": "up" } }\n');
    await plugin.waitForStderr(/metrics: serving/);
    return plugin;
  }

  /** Asks until the plugin has decided and ExaBGP acknowledged (a first poll takes a moment). */
  async function statusOnceSettled(...args: string[]) {
    for (const started = Date.now(); ; ) {
      const result = await cli('status', ...args);
      if (result.code !== 1 || Date.now() - started > 10_000) return result;
    }
  }

  it('status shows what the running plugin announces; reload takes a valid config and rejects an invalid one', async () => {
    const port = await freePort();
    const config = writeConfig('running.json', { metrics: { listen: `127.0.0.1:${port}` } });
    await startPlugin(config, `127.0.0.1:${port}`);

    const status = await statusOnceSettled('--config', config);
    expect(status.stdout).toMatch(/\nwww +up +\S+ ago +be_app +3\/3 +≥ 1 +198\.18\.0\.100\/32 +next-hop self as-path \[ 65010 \] +done +be_app: 3\/3 servers up, need ≥ 1\n/);
    expect(status.stdout).toContain('BGP neighbors: 127.0.0.9 up for');
    expect(status.code).toBe(0);

    const good = await cli('reload', '--config', config);
    expect(good).toEqual({ code: 0, stdout: 'reloaded: 1 service(s): www\n', stderr: '' });

    writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), rise: 0 }));
    const bad = await cli('reload', '--config', config);
    expect(bad.stderr).toMatch(/^exabgp-anycast: reload rejected, the running config stays in force:\n.*running\.json.*\n.*\/rise/s);
    expect(bad.code).toBe(1);

    const after = await cli('status', '--url', `http://127.0.0.1:${port}`);
    expect(after.stdout).toMatch(/\nlast reload: \S+ ago, rejected: .*running\.json: invalid configuration:\n {4}- \/rise: /);
    expect(after.code).toBe(0);
  });

  it('status --topology asks two running plugins on 127.0.0.2 and 127.0.0.3, one of them stopped', async () => {
    const port = await freePort('127.0.0.2');
    const primary = await startPlugin(writeConfig('ne.json'), `127.0.0.2:${port}`);
    await startPlugin(writeConfig('we.json', { services: [{ name: 'www', prefixes: ['198.18.0.100/32'], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] } }] }), `127.0.0.3:${port}`);
    const topology = JSON.parse(readFileSync(new URL('../../lab/topology.json', import.meta.url), 'utf8')) as { regions: Array<{ nvas: Array<{ address: string; peers: string[] }> }> };
    topology.regions.forEach((region, i) => Object.assign(region.nvas[0] as object, { address: `127.0.0.${i + 2}`, peers: ['127.0.0.1'] }));
    const topologyPath = join(dir, 'fleet.json');
    writeFileSync(topologyPath, JSON.stringify(topology));

    const both = await statusOnceSettled('--topology', topologyPath, '--port', String(port));
    expect(both.stdout).toMatch(/\nnortheurope +nva-ne +127\.0\.0\.2 +up +198\.18\.0\.100\/32 +as-path \[ 65010 \]\n/);
    expect(both.stdout).toMatch(/\nwesteurope +nva-we +127\.0\.0\.3 +up +198\.18\.0\.100\/32 +as-path \[ 65010 65010 65010 \]\n/);
    expect(both.stdout).toContain('hub should prefer 198.18.0.100/32: northeurope (nva-ne; AS path length 1)');
    expect(both.code).toBe(0);

    primary.child.kill('SIGKILL');
    await primary.waitForExit();
    const one = await cli('status', '--topology', topologyPath, '--port', String(port));
    expect(one.stdout).toMatch(/\nnortheurope +nva-ne +127\.0\.0\.2 +unreachable: cannot reach the plugin at .*ECONNREFUSED/);
    expect(one.stdout).toContain('hub should prefer 198.18.0.100/32: westeurope (nva-we; AS path length 3)');
    expect(one.code).toBe(1);
  });
});

describe('logs in the journal', () => {
  const levelOfPriority: Record<string, string> = { '3': 'error', '4': 'warn', '6': 'info', '7': 'debug' };

  /** Runs the bundle with stderr in a file, the way systemd hands it a journal stream. */
  async function runWithStderrFile(args: string[], env: (stderr: { dev: number; ino: number }) => Record<string, string>): Promise<string> {
    const path = join(dir, `stderr-${Math.random().toString(36).slice(2)}.log`);
    const fd = openSync(path, 'w');
    const { dev, ino } = fstatSync(fd);
    const child = spawn(pluginNode, [bundlePath, ...args], { stdio: ['pipe', 'pipe', fd], env: { ...process.env, ...env({ dev, ino }) } });
    closeSync(fd);
    const { stdin, stdout } = child as unknown as { stdin: NodeJS.WritableStream; stdout: NodeJS.ReadableStream };
    // A stand-in ExaBGP: answers every line, then closes the pipe so the plugin exits.
    stdout.setEncoding('utf8').on('data', (chunk: string) => stdin.write('done\n'.repeat(chunk.split('\n').length - 1)));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // The decision lines are written on the first poll; wait for them in the file, then end ExaBGP's pipe.
    for (const started = Date.now(); !/www: .*→ down/.test(readFileSync(path, 'utf8')) && Date.now() - started < 10_000; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    stdin.end();
    await exited;
    return readFileSync(path, 'utf8');
  }

  /** A config whose one service is down: the first poll logs a warning. */
  function journalConfig(): string {
    const name = Math.random().toString(36).slice(2);
    const path = join(dir, `journal-${name}.json`);
    copyFileSync(fixture('2.6-all-down.csv'), join(dir, `journal-stats-${name}.csv`));
    writeFileSync(
      path,
      JSON.stringify({
        stats: { source: `file:${join(dir, `journal-stats-${name}.csv`)}`, timeoutMs: 200 },
        intervalMs: 250,
        services: [{ name: 'www', prefixes: ['198.18.0.100/32'], health: { backends: ['be_app'] } }],
      }),
    );
    return path;
  }

  it('starts every line with the priority of its level and no timestamp when JOURNAL_STREAM is stderr', async () => {
    const log = await runWithStderrFile(['run', '--config', journalConfig(), '--log-level', 'debug'], ({ dev, ino }) => ({ JOURNAL_STREAM: `${dev}:${ino}` }));
    const lines = log.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.some((line) => line.startsWith('<4>warn www: init → down'))).toBe(true);
    for (const line of lines) {
      const match = /^<(\d)>/.exec(line);
      expect(match, line).not.toBeNull();
      const level = /^<\d>(\w+) /.exec(line)?.[1];
      // Continuation lines of a multi-line message carry the priority only.
      if (level !== undefined && Object.values(levelOfPriority).includes(level)) expect(levelOfPriority[match?.[1] as string], line).toBe(level);
      expect(line).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
    }
  });

  it('keeps text lines with their timestamps when JOURNAL_STREAM names another stream (stderr redirected to a file)', async () => {
    const log = await runWithStderrFile(['run', '--config', journalConfig()], ({ dev, ino }) => ({ JOURNAL_STREAM: `${dev}:${ino + 1}` }));
    for (const line of log.trimEnd().split('\n')) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info|warn|error) /);
  });

  it('uses the journal format when asked with --log-format journal, and JSON stays JSON under the journal', async () => {
    const asked = await runWithStderrFile(['run', '--config', journalConfig(), '--log-format', 'journal'], () => ({}));
    for (const line of asked.trimEnd().split('\n')) expect(line).toMatch(/^<[3467]>/);
    const json = await runWithStderrFile(['run', '--config', journalConfig(), '--log-format', 'json'], ({ dev, ino }) => ({ JOURNAL_STREAM: `${dev}:${ino}` }));
    for (const line of json.trimEnd().split('\n')) expect(JSON.parse(line)).toHaveProperty('time');
  });
});
