import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, type NetConnectOpts } from 'node:net';
import { redactUrlCredentials } from '../config/redact-url-credentials.js';
import type { StatsSettings } from '../config/types.js';
import { PluginError, describeValue, errorMessage } from '../errors.js';

export interface StatsSource {
  /** Where the stats come from, fit for logs: never holds credentials. */
  readonly description: string;
  /** One read of the whole CSV. Throws PluginError ERR_STATS_FETCH naming the source and the reason. */
  fetch(): Promise<string>;
}

/**
 * Opens nothing yet: each fetch is one connection (`show stat` on a CLI socket, one GET of the
 * stats page, or one read of a file), bounded by `timeoutMs` and `maxBodyBytes` and never retried,
 * because the health policy's `fall` count is the retry policy. The one exception: an HTTP 401 is
 * retried once if the password, read again, has changed.
 */
export function createStatsSource(settings: StatsSettings): StatsSource {
  const { source } = settings;
  if (source.startsWith('unix:')) return socketSource(source, { path: source.slice('unix:'.length) }, settings);
  if (source.startsWith('tcp://')) {
    const url = parseUrl(source);
    // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return socketSource(`tcp://${url.host}`, { host, port: Number(url.port) }, settings);
  }
  if (source.startsWith('http://') || source.startsWith('https://')) return httpSource(settings);
  if (source.startsWith('file:')) return fileSource(source, settings.maxBodyBytes);
  throw new PluginError('ERR_CONFIG_INVALID', 'stats source: use unix:/path, tcp://host:port, http(s)://… or file:/path');
}

// --- internal ---

/** Password and CA files are small; a bigger one is a mistake (the wrong path), not a secret. */
const CREDENTIAL_FILE_MAX_BYTES = 1024 * 1024;

function parseUrl(source: string): URL {
  try {
    return new URL(source);
  } catch {
    // Node's TypeError keeps the whole input, password included: it must not travel on as a cause.
    throw new PluginError('ERR_CONFIG_INVALID', `stats source ${redactUrlCredentials(source)}: not a valid URL`);
  }
}

function socketSource(description: string, address: NetConnectOpts, settings: StatsSettings): StatsSource {
  const { timeoutMs, maxBodyBytes } = settings;
  return {
    description,
    fetch: () =>
      new Promise((resolve, reject) => {
        const reply = new ByteLimitedBody(maxBodyBytes);
        const socket = connect(address, () => socket.write('show stat\n'));
        const fail = (reason: string, cause?: unknown): void => {
          clearTimeout(timer);
          socket.destroy();
          reject(fetchError(description, reason, cause));
        };
        // The whole fetch, not just idle time, is bounded: a CLI that trickles must not stall a poll.
        const timer = setTimeout(() => fail(`no complete reply within ${timeoutMs} ms`), timeoutMs);
        socket.on('data', (chunk: Buffer) => {
          if (!reply.add(chunk)) fail(tooLarge('reply', maxBodyBytes));
        });
        // HAProxy answers one command per connection and then closes: the close ends the reply.
        socket.once('end', () => {
          clearTimeout(timer);
          if (reply.size === 0) reject(fetchError(description, 'empty reply'));
          else resolve(reply.text());
        });
        socket.on('error', (error) => fail(reasonOf(error), error));
      }),
  };
}

function httpSource(settings: StatsSettings): StatsSource {
  const url = parseUrl(settings.source);
  url.username = '';
  url.password = '';
  const description = url.href;
  let cached: Promise<Credentials> | undefined;
  // Secrets are read once and kept; a failed read is retried on the next poll.
  const credentials = (): Promise<Credentials> =>
    (cached ??= readCredentials(settings, description).catch((error: unknown) => {
      cached = undefined;
      throw error;
    }));

  return {
    description,
    async fetch() {
      // Both tries share one deadline: the retry after a 401 must not make the poll twice as long.
      const deadline = Date.now() + settings.timeoutMs;
      const used = await credentials();
      let reply = await httpGet(settings, description, used, deadline);
      if (reply.statusCode === 401) {
        // The password may have been rotated since it was read.
        cached = undefined;
        const fresh = await credentials();
        if (fresh.password !== used.password) reply = await httpGet(settings, description, fresh, deadline);
      }
      const status = `HTTP ${reply.statusCode} ${reply.statusMessage}`.trimEnd();
      if (reply.statusCode >= 300 && reply.statusCode <= 399) {
        // Following it would report the health of whatever the redirect points at.
        const location = reply.location === undefined ? 'no Location' : `Location ${describeValue(redactUrlCredentials(reply.location))}`;
        throw fetchError(description, `${status} (${location}): redirects are not followed; set stats.source to the stats page itself`);
      }
      if (reply.statusCode < 200 || reply.statusCode > 299) throw fetchError(description, status);
      return reply.body;
    },
  };
}

interface Credentials {
  password?: string;
  ca?: string;
}

interface HttpReply {
  statusCode: number;
  statusMessage: string;
  location?: string;
  /** Read only for a 2xx reply; empty otherwise. */
  body: string;
}

/** One GET, streamed so that a body over maxBodyBytes is dropped as it arrives, not buffered whole. */
async function httpGet(settings: StatsSettings, url: string, credentials: Credentials, deadline: number): Promise<HttpReply> {
  // Loaded on first use: start-up with a socket source never pays for got.
  const { got } = await import('got');
  const { timeoutMs, maxBodyBytes } = settings;
  return new Promise((resolve, reject) => {
    const stream = got.stream(url, {
      timeout: { request: Math.max(1, deadline - Date.now()) },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      // A fresh connection per poll. Node 20 keeps connections alive by default, but HAProxy
      // closes one after a 401 without saying so: every other poll failed with "socket hang up".
      agent: { http: false, https: false },
      username: settings.username ?? '',
      password: credentials.password ?? '',
      https: { certificateAuthority: credentials.ca, rejectUnauthorized: settings.insecure !== true },
    });
    const body = new ByteLimitedBody(maxBodyBytes);
    let head: Omit<HttpReply, 'body'> = { statusCode: 0, statusMessage: '' };

    stream.once('response', (response: { statusCode: number; statusMessage?: string; headers: Record<string, unknown> }) => {
      const { location } = response.headers;
      head = { statusCode: response.statusCode, statusMessage: response.statusMessage ?? '' };
      if (typeof location === 'string') head.location = location;
      if (response.statusCode < 200 || response.statusCode > 299) {
        stream.destroy();
        resolve({ ...head, body: '' });
      }
    });
    stream.on('data', (chunk: Buffer) => {
      if (body.add(chunk)) return;
      stream.destroy();
      reject(fetchError(url, tooLarge('reply', maxBodyBytes)));
    });
    stream.once('end', () => resolve({ ...head, body: body.text() }));
    stream.on('error', (error: Error) => {
      // got's own error carries the request options, password included: keep only its cause.
      const { cause } = error;
      if (error.name === 'TimeoutError') reject(fetchError(url, `no complete reply within ${timeoutMs} ms`, cause));
      else reject(fetchError(url, reasonOf(cause, errorMessage(error)), cause));
    });
  });
}

async function readCredentials(settings: StatsSettings, description: string): Promise<Credentials> {
  const read = async (what: string, path: string): Promise<string> => {
    try {
      return await readRegularFile(path, CREDENTIAL_FILE_MAX_BYTES, `larger than ${CREDENTIAL_FILE_MAX_BYTES} bytes`);
    } catch (error) {
      throw fetchError(description, `cannot read ${what} ${path}: ${reasonOf(error)}`, error);
    }
  };
  const credentials: Credentials = {};
  if (settings.passwordFile !== undefined) {
    credentials.password = (await read('password file', settings.passwordFile)).replace(/\r?\n$/, '');
  } else if (settings.passwordEnv !== undefined) {
    credentials.password = process.env[settings.passwordEnv];
    if (credentials.password === undefined) {
      throw fetchError(description, `environment variable ${settings.passwordEnv} (the password) is not set`);
    }
  }
  if (settings.caFile !== undefined) credentials.ca = await read('CA file', settings.caFile);
  return credentials;
}

function fileSource(source: string, maxBodyBytes: number): StatsSource {
  const path = source.slice('file:'.length);
  return {
    description: source,
    async fetch() {
      try {
        return await readRegularFile(path, maxBodyBytes, tooLarge('file', maxBodyBytes));
      } catch (error) {
        throw fetchError(source, reasonOf(error), error);
      }
    },
  };
}

/**
 * Reads at most `maxBytes` of a regular file, and refuses anything else before reading: a FIFO
 * with no writer would block the read forever, holding the poll and a libuv thread with it. The
 * open itself cannot block, since O_NONBLOCK makes opening a FIFO return at once.
 */
async function readRegularFile(path: string, maxBytes: number, tooLargeReason: string): Promise<string> {
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await file.stat()).isFile()) throw new Error('not a regular file');
    const body = new ByteLimitedBody(maxBytes);
    for (;;) {
      const chunk = Buffer.allocUnsafe(256 * 1024);
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return body.text();
      if (!body.add(chunk.subarray(0, bytesRead))) throw new Error(tooLargeReason);
    }
  } finally {
    await file.close();
  }
}

/** The bytes of a reply, refusing to hold more than `maxBytes`. */
class ByteLimitedBody {
  private readonly chunks: Buffer[] = [];
  size = 0;

  constructor(private readonly maxBytes: number) {}

  /** False, keeping nothing more, once the body would exceed the limit. */
  add(chunk: Buffer): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return false;
    this.chunks.push(chunk);
    return true;
  }

  /** Decoded only once whole, so a character split across chunks stays one character. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function tooLarge(what: 'reply' | 'file', maxBodyBytes: number): string {
  return `${what} is larger than stats.maxBodyBytes (${maxBodyBytes} bytes); raise that setting if HAProxy's stats really are this big`;
}

function fetchError(description: string, reason: string, cause?: unknown): PluginError {
  return new PluginError('ERR_STATS_FETCH', `stats source ${description}: ${reason}`, { source: description }, { cause });
}

/** `connect EACCES` rather than Node's message, which repeats the path already in the description. */
function reasonOf(error: unknown, otherwise = errorMessage(error)): string {
  const { syscall, code } = (error ?? {}) as NodeJS.ErrnoException;
  return typeof syscall === 'string' && typeof code === 'string' ? `${syscall} ${code}` : otherwise;
}
