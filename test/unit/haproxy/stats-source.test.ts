import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  createStatsSource({ timeoutMs: 2000, maxBodyBytes: 16 * 1024 * 1024, ...fields });

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

describe('createStatsSource caps the reply at stats.maxBodyBytes', () => {
  const cap = 64 * 1024;
  const tooLarge = (what: string): string => `${what} is larger than stats.maxBodyBytes (${cap} bytes); raise that setting if HAProxy's stats really are this big`;

  it('stops reading a CLI socket that sends more, without waiting for it to close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stats-source-cap-'));
    let received = 0;
    const sent = new Promise<number>((resolve) => {
      // Endless output: the fetch must end it, by the cap and well before the timeout.
      const server = createNetServer((socket) => {
        const chunk = Buffer.alloc(16 * 1024, 'x');
        const pump = (): void => {
          while (!socket.destroyed && socket.write(chunk)) received += chunk.length;
        };
        socket.on('drain', pump);
        socket.on('error', () => undefined);
        socket.once('close', () => {
          server.close();
          resolve(received);
        });
        pump();
      });
      server.listen(join(dir, 'haproxy.sock'));
    });
    try {
      const stats = source({ source: `unix:${join(dir, 'haproxy.sock')}`, maxBodyBytes: cap, timeoutMs: 10_000 });
      const started = Date.now();
      expect((await fetchFailure(stats)).message).toBe(`stats source ${stats.description}: ${tooLarge('reply')}`);
      expect(Date.now() - started).toBeLessThan(5000);
      // The server learns the connection is gone: nothing keeps reading behind the failed poll.
      expect(await sent).toBeGreaterThan(cap);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops reading an HTTP body that goes on and on, without buffering it', async () => {
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    await withHttpServer(
      (_, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(16 * 1024, 'x');
        const pump = (): void => {
          while (!response.destroyed && response.write(chunk));
        };
        response.on('drain', pump);
        response.once('close', closed);
        pump();
      },
      async (url) => {
        const started = Date.now();
        const error = await fetchFailure(source({ source: url, maxBodyBytes: cap, timeoutMs: 10_000 }));
        expect(error.message).toBe(`stats source ${url}: ${tooLarge('reply')}`);
        expect(Date.now() - started).toBeLessThan(5000);
        await connectionClosed;
      },
    );
  });

  it('reads an HTTP body of exactly the cap', async () => {
    const body = 'y'.repeat(cap);
    await withHttpServer(
      (_, response) => response.end(body),
      async (url) => expect(await source({ source: url, maxBodyBytes: cap }).fetch()).toBe(body),
    );
  });

  it('reads a file of exactly the cap and refuses one byte more', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stats-source-cap-'));
    try {
      const path = join(dir, 'stats.csv');
      const stats = source({ source: `file:${path}`, maxBodyBytes: cap });
      writeFileSync(path, 'z'.repeat(cap));
      expect(await stats.fetch()).toBe('z'.repeat(cap));
      writeFileSync(path, 'z'.repeat(cap + 1));
      expect((await fetchFailure(stats)).message).toBe(`stats source file:${path}: ${tooLarge('file')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createStatsSource never blocks on a file that is not a regular file', () => {
  let dir: string;
  let fifo: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stats-source-fifo-'));
    fifo = join(dir, 'stats.fifo');
    // No one ever writes to it: a blocking open or read would wait forever.
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(dir, 'a-directory'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['a FIFO', () => fifo],
    ['a directory', () => join(dir, 'a-directory')],
    ['a character device', () => '/dev/zero'],
  ])('fails a stats file that is %s at once', async (_, path) => {
    const stats = source({ source: `file:${path()}`, timeoutMs: 10_000 });
    expect((await fetchFailure(stats)).message).toBe(`stats source file:${path()}: not a regular file`);
  });

  it.each([
    ['password file', 'passwordFile'],
    ['CA file', 'caFile'],
  ])('fails a poll whose %s is a FIFO at once', async (what, field) => {
    await withHttpServer(
      (_, response) => response.end(allUp),
      async (url) => {
        const stats = source({ source: url, username: 'admin', timeoutMs: 10_000, [field]: fifo });
        expect((await fetchFailure(stats)).message).toBe(`stats source ${url}: cannot read ${what} ${fifo}: not a regular file`);
      },
    );
  });

  it('refuses a password file over 1 MiB', async () => {
    const big = join(dir, 'big-password');
    writeFileSync(big, 'p'.repeat(1024 * 1024 + 1));
    await withHttpServer(
      (_, response) => response.end(allUp),
      async (url) => {
        const stats = source({ source: url, username: 'admin', passwordFile: big });
        expect((await fetchFailure(stats)).message).toBe(`stats source ${url}: cannot read password file ${big}: larger than 1048576 bytes`);
      },
    );
  });
});

describe('createStatsSource reads the password again after a 401', () => {
  /** A stats page that wants admin:`current.password`, counting requests. */
  function basicAuthServer(current: { password: string; requests: number }): RequestListener {
    return (request, response) => {
      current.requests++;
      const expected = `Basic ${Buffer.from(`admin:${current.password}`).toString('base64')}`;
      if (request.headers.authorization === expected) response.end(allUp);
      else response.writeHead(401, { 'www-authenticate': 'Basic realm="HAProxy Stats"' }).end('401');
    };
  }

  it('retries once, within the same fetch, when the password file has changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stats-source-401-'));
    const passwordFile = join(dir, 'password');
    const current = { password: 'old-secret', requests: 0 };
    try {
      writeFileSync(passwordFile, 'old-secret\n');
      await withHttpServer(basicAuthServer(current), async (url) => {
        const stats = source({ source: url, username: 'admin', passwordFile });
        expect(await backendNames(stats)).toEqual(['ok', 'gone', 'busy', 'slow', 'be_app', 'be_track', 'be_odd']);

        // Rotation: HAProxy and the file get the new password; the source still holds the old one.
        current.password = 'new-secret';
        writeFileSync(passwordFile, 'new-secret\n');
        current.requests = 0;
        expect(await stats.fetch()).toBe(allUp);
        expect(current.requests).toBe(2);

        // The new password is kept: the next poll needs one request.
        current.requests = 0;
        expect(await stats.fetch()).toBe(allUp);
        expect(current.requests).toBe(1);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with HTTP 401, without retrying, when the password read again is the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stats-source-401-'));
    const passwordFile = join(dir, 'password');
    const current = { password: 'rotated-elsewhere', requests: 0 };
    try {
      writeFileSync(passwordFile, 'stale\n');
      await withHttpServer(basicAuthServer(current), async (url) => {
        const stats = source({ source: url, username: 'admin', passwordFile });
        expect((await fetchFailure(stats)).message).toBe(`stats source ${url}: HTTP 401 Unauthorized`);
        expect(current.requests).toBe(1);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createStatsSource does not follow redirects', () => {
  it('fails the poll, names the Location without its credentials, and never asks the other server', async () => {
    let strangerAsked = false;
    await withHttpServer(
      (_, response) => {
        strangerAsked = true;
        response.end(allUp);
      },
      async (strangerUrl) => {
        const withCredentials = strangerUrl.replace('http://', 'http://admin:hunter2@');
        await withHttpServer(
          (_, response) => response.writeHead(302, { location: withCredentials }).end(),
          async (url) => {
            const error = await fetchFailure(source({ source: url }));
            expect(error.message).toBe(
              `stats source ${url}: HTTP 302 Found (Location "${strangerUrl.replace('http://', 'http://***@')}"): redirects are not followed; set stats.source to the stats page itself`,
            );
            expect(inspect(error, { depth: 10 })).not.toContain('hunter2');
          },
        );
      },
    );
    expect(strangerAsked).toBe(false);
  });

  it('fails the poll on a relative redirect too', async () => {
    await withHttpServer(
      (request, response) => (request.url === '/moved' ? response.end(allUp) : response.writeHead(301, { location: '/moved' }).end()),
      async (url) => {
        expect((await fetchFailure(source({ source: url }))).message).toBe(
          `stats source ${url}: HTTP 301 Moved Permanently (Location "/moved"): redirects are not followed; set stats.source to the stats page itself`,
        );
      },
    );
  });
});

describe('createStatsSource never quotes credentials', () => {
  it.each([
    ['an HTTP URL with a bad port', 'http://admin:s3cret@127.0.0.1:99999/stats;csv', 'http://***@127.0.0.1:99999/stats;csv'],
    ['an HTTP URL with whitespace in the host', 'http://admin:s3cret@127.0. 0.1/stats;csv', 'http://***@127.0. 0.1/stats;csv'],
    ['a TCP URL with a bad port', 'tcp://admin:s3cret@127.0.0.1:http', 'tcp://***@127.0.0.1:http'],
  ])('in the error for %s', (_, url, shown) => {
    let error: unknown;
    try {
      createStatsSource({ source: url, timeoutMs: 1000, maxBodyBytes: 4096 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).message).toBe(`stats source ${shown}: not a valid URL`);
    expect(inspect(error, { depth: 10 })).not.toContain('s3cret');
  });
});

describe('createStatsSource over HTTP', () => {
  it('gives up on a body that trickles past the timeout', async () => {
    await withHttpServer(
      (_, response) => {
        response.writeHead(200);
        const timer = setInterval(() => response.write('x'), 20);
        response.once('close', () => clearInterval(timer));
      },
      async (url) => {
        const started = Date.now();
        expect((await fetchFailure(source({ source: url, timeoutMs: 300 }))).message).toBe(`stats source ${url}: no complete reply within 300 ms`);
        expect(Date.now() - started).toBeLessThan(2000);
      },
    );
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
