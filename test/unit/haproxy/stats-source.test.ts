import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsSettings } from '../../../src/config/types.js';
import { PluginError } from '../../../src/errors.js';
import { parseStatsCsv } from '../../../src/haproxy/parse-stats-csv.js';
import { createStatsSource, type StatsSource } from '../../../src/haproxy/stats-source.js';
import { startHaproxy, type RunningHaproxy } from '../../support/haproxy.js';

const PASSWORD = 'tr0ub4dor-3';
const allUp = readFileSync(new URL('../../fixtures/haproxy/2.6-all-up.csv', import.meta.url), 'utf8');

const source = (fields: Partial<StatsSettings> & { source: string }): StatsSource =>
  createStatsSource({ timeoutMs: 2000, ...fields });

/** The error a fetch fails with, after checking it is an ERR_STATS_FETCH naming the source. */
async function fetchFailure(stats: StatsSource): Promise<PluginError> {
  const error: unknown = await stats.fetch().then(
    () => new Error('fetch succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginError);
  expect((error as PluginError).code).toBe('ERR_STATS_FETCH');
  expect((error as PluginError).message.startsWith(`stats source ${stats.description}: `)).toBe(true);
  return error as PluginError;
}

const backendNames = async (stats: StatsSource): Promise<string[]> => [
  ...parseStatsCsv(await stats.fetch(), stats.description).backends.keys(),
];

describe('createStatsSource against a real HAProxy', () => {
  let haproxy: RunningHaproxy;
  let dir: string;
  let http: string;
  let https: string;
  let authed: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stats-source-test-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    writeFileSync(join(dir, 'haproxy.pem'), readFileSync(join(dir, 'cert.pem'), 'utf8') + readFileSync(join(dir, 'key.pem'), 'utf8'));
    writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
    writeFileSync(join(dir, 'wrong-password'), 'not-it\n');

    haproxy = await startHaproxy({
      config: `
global
    stats socket ipv4@127.0.0.1:{{port:cli}} level user

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend stats
    bind 127.0.0.1:{{port:http}}
    bind 127.0.0.1:{{port:https}} ssl crt ${join(dir, 'haproxy.pem')}
    stats enable
    stats uri /stats

frontend stats_auth
    bind 127.0.0.1:{{port:auth}}
    stats enable
    stats uri /stats
    stats auth admin:${PASSWORD}

backend be_app
    server s1 127.0.0.1:{{port:http}}
`,
    });
    http = `http://127.0.0.1:${haproxy.ports.http}/stats;csv`;
    https = `https://127.0.0.1:${haproxy.ports.https}/stats;csv`;
    authed = `http://127.0.0.1:${haproxy.ports.auth}/stats;csv`;
  });

  afterAll(async () => {
    await haproxy?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads show stat from the unix CLI socket', async () => {
    const stats = source({ source: `unix:${haproxy.socketPath}` });
    expect(stats.description).toBe(`unix:${haproxy.socketPath}`);
    expect(await backendNames(stats)).toEqual(['be_app']);
  });

  it('reads show stat from a TCP CLI socket', async () => {
    const stats = source({ source: `tcp://127.0.0.1:${haproxy.ports.cli}` });
    expect(stats.description).toBe(`tcp://127.0.0.1:${haproxy.ports.cli}`);
    expect(await backendNames(stats)).toEqual(['be_app']);
  });

  it('reads the stats page as CSV over HTTP', async () => {
    expect(await backendNames(source({ source: http }))).toEqual(['be_app']);
  });

  it('reads the stats page over HTTPS when the CA file vouches for the certificate', async () => {
    expect(await backendNames(source({ source: https, caFile: join(dir, 'cert.pem') }))).toEqual(['be_app']);
  });

  it('refuses a self-signed certificate unless told to skip verification', async () => {
    expect((await fetchFailure(source({ source: https }))).message).toBe(`stats source ${https}: self-signed certificate`);
    expect(await backendNames(source({ source: https, insecure: true }))).toEqual(['be_app']);
  });

  it('logs in with the password from a file, without its trailing newline', async () => {
    const stats = source({ source: authed, username: 'admin', passwordFile: join(dir, 'password') });
    expect(await backendNames(stats)).toEqual(['be_app']);
  });

  it('logs in with the password from an environment variable', async () => {
    process.env.STATS_SOURCE_TEST_PASSWORD = PASSWORD;
    try {
      const stats = source({ source: authed, username: 'admin', passwordEnv: 'STATS_SOURCE_TEST_PASSWORD' });
      expect(await backendNames(stats)).toEqual(['be_app']);
    } finally {
      delete process.env.STATS_SOURCE_TEST_PASSWORD;
    }
  });

  it.each([
    ['a wrong password', 'admin', 'wrong-password'],
    ['a wrong user', 'nobody', 'password'],
    ['no credentials', undefined, undefined],
  ])('reports HTTP 401 for %s and never shows the password', async (_, username, file) => {
    const error = await fetchFailure(source({ source: authed, username, passwordFile: file && join(dir, file) }));
    expect(error.message).toBe(`stats source ${authed}: HTTP 401 Unauthorized`);
    expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
  });

  it('never shows the password when the server cannot be reached', async () => {
    const stats = source({ source: `http://127.0.0.1:${await closedPort()}/stats;csv`, username: 'admin', passwordFile: join(dir, 'password') });
    const error = await fetchFailure(stats);
    expect(error.message).toMatch(/: connect ECONNREFUSED$/);
    expect(inspect(error, { depth: 10 })).not.toContain(PASSWORD);
  });

  it('leaves credentials in the URL out of its description and its requests', async () => {
    const stats = source({ source: `http://admin:${PASSWORD}@127.0.0.1:${haproxy.ports.auth}/stats;csv` });
    expect(stats.description).toBe(authed);
    expect((await fetchFailure(stats)).message).toBe(`stats source ${authed}: HTTP 401 Unauthorized`);
  });

  it('reports a password file it cannot read', async () => {
    const stats = source({ source: authed, username: 'admin', passwordFile: join(dir, 'missing') });
    expect((await fetchFailure(stats)).message).toBe(`stats source ${authed}: cannot read password file ${join(dir, 'missing')}: open ENOENT`);
  });

  it('reports an unset password environment variable', async () => {
    const stats = source({ source: authed, username: 'admin', passwordEnv: 'STATS_SOURCE_TEST_UNSET' });
    expect((await fetchFailure(stats)).message).toBe(
      `stats source ${authed}: environment variable STATS_SOURCE_TEST_UNSET (the password) is not set`,
    );
  });
});

describe('createStatsSource against failing servers', () => {
  it('reports the status of a non-2xx reply', async () => {
    await withHttpServer(
      (_, response) => response.writeHead(500).end('oops'),
      async (url) => expect((await fetchFailure(source({ source: url }))).message).toBe(`stats source ${url}: HTTP 500 Internal Server Error`),
    );
  });

  it('gives up on an HTTP server that does not answer within the timeout', async () => {
    await withHttpServer(
      () => undefined,
      async (url) => {
        const started = Date.now();
        const error = await fetchFailure(source({ source: url, timeoutMs: 200 }));
        expect(error.message).toBe(`stats source ${url}: no complete reply within 200 ms`);
        expect(Date.now() - started).toBeLessThan(1000);
      },
    );
  });

  it('gives up on a CLI socket that does not close within the timeout', async () => {
    await withNetServer(
      (socket) => socket.write(allUp),
      async (port) => {
        const started = Date.now();
        const error = await fetchFailure(source({ source: `tcp://127.0.0.1:${port}`, timeoutMs: 200 }));
        expect(error.message).toBe(`stats source tcp://127.0.0.1:${port}: no complete reply within 200 ms`);
        expect(Date.now() - started).toBeLessThan(1000);
      },
    );
  });

  it('reports an HTTP body cut short of its Content-Length', async () => {
    await withHttpServer(
      (_, response) => {
        response.writeHead(200, { 'content-length': allUp.length });
        response.write(allUp.slice(0, 1000), () => response.destroy());
      },
      async (url) => expect((await fetchFailure(source({ source: url }))).message).toBe(`stats source ${url}: The server aborted pending request`),
    );
  });

  it('hands a cut-off CSV to the parser, which rejects it', async () => {
    await withHttpServer(
      (_, response) => response.end(allUp.slice(0, 3000)),
      async (url) => {
        const stats = source({ source: url });
        const text = await stats.fetch();
        expect(() => parseStatsCsv(text, stats.description)).toThrow(/^stats from .*: truncated: line \d+ has no line end$/);
      },
    );
  });

  it('reports a CLI socket that closes without a reply', async () => {
    await withNetServer(
      (socket) => socket.end(),
      async (port) => expect((await fetchFailure(source({ source: `tcp://127.0.0.1:${port}` }))).message).toMatch(/: empty reply$/),
    );
  });

  it.each([
    ['a closed TCP port', async () => `tcp://127.0.0.1:${await closedPort()}`, 'connect ECONNREFUSED'],
    ['a missing unix socket', async () => `unix:${join(tmpdir(), 'no-such-haproxy.sock')}`, 'connect ENOENT'],
    ['a missing file', async () => `file:${join(tmpdir(), 'no-such-stats.csv')}`, 'open ENOENT'],
  ])('reports %s', async (_, sourceFor, reason) => {
    const stats = source({ source: await sourceFor() });
    expect((await fetchFailure(stats)).message).toBe(`stats source ${stats.description}: ${reason}`);
  });
});

describe('createStatsSource for an IPv6 CLI address', () => {
  it('connects to the literal without the brackets the URL needs', async () => {
    const stats = source({ source: 'tcp://[::1]:1' });
    expect(stats.description).toBe('tcp://[::1]:1');
    // Refused where ::1 exists, unreachable where it does not; never a failed name lookup of "[::1]".
    expect((await fetchFailure(stats)).message).toMatch(/^stats source tcp:\/\/\[::1\]:1: connect E[A-Z]+$/);
  });
});

describe('createStatsSource for a file', () => {
  it('reads the file again on every fetch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stats-source-file-'));
    try {
      const path = join(dir, 'stats.csv');
      const stats = source({ source: `file:${path}` });
      writeFileSync(path, 'first');
      expect(await stats.fetch()).toBe('first');
      writeFileSync(path, allUp);
      expect(await stats.fetch()).toBe(allUp);
      expect(stats.description).toBe(`file:${path}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// --- helpers ---

async function withHttpServer(handler: RequestListener, run: (url: string) => Promise<void>): Promise<void> {
  const server = createHttpServer(handler);
  const port = await listen(server);
  try {
    await run(`http://127.0.0.1:${port}/stats;csv`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function withNetServer(onConnection: (socket: Socket) => void, run: (port: number) => Promise<void>): Promise<void> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  const port = await listen(server);
  try {
    await run(port);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A port nothing listens on: bound once by the kernel's choice, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
