import { readFile } from 'node:fs/promises';
import { connect, type NetConnectOpts } from 'node:net';
import type { StatsSettings } from '../config/types.js';
import { PluginError, errorMessage } from '../errors.js';

export interface StatsSource {
  /** Where the stats come from, fit for logs: never holds credentials. */
  readonly description: string;
  /** One read of the whole CSV. Throws PluginError ERR_STATS_FETCH naming the source and the reason. */
  fetch(): Promise<string>;
}

/**
 * Opens nothing yet: each fetch is one connection (`show stat` on a CLI socket, one GET of the
 * stats page, or one read of a file), bounded by `timeoutMs` and never retried, because the
 * health policy's `fall` count is the retry policy.
 */
export function createStatsSource(settings: StatsSettings): StatsSource {
  const { source, timeoutMs } = settings;
  if (source.startsWith('unix:')) return socketSource(source, { path: source.slice('unix:'.length) }, timeoutMs);
  if (source.startsWith('tcp://')) {
    const url = new URL(source);
    // URL keeps the brackets of an IPv6 literal; net.connect wants the bare address.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return socketSource(`tcp://${url.host}`, { host, port: Number(url.port) }, timeoutMs);
  }
  if (source.startsWith('http://') || source.startsWith('https://')) return httpSource(settings);
  if (source.startsWith('file:')) return fileSource(source);
  throw new PluginError('ERR_CONFIG_INVALID', 'stats source: use unix:/path, tcp://host:port, http(s)://… or file:/path');
}

// --- internal ---

function socketSource(description: string, address: NetConnectOpts, timeoutMs: number): StatsSource {
  return {
    description,
    fetch: () =>
      new Promise((resolve, reject) => {
        let reply = '';
        const socket = connect(address, () => socket.write('show stat\n'));
        // The whole fetch, not just idle time, is bounded: a CLI that trickles must not stall a poll.
        const timer = setTimeout(() => {
          socket.destroy();
          reject(fetchError(description, `no complete reply within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (reply += chunk));
        // HAProxy answers one command per connection and then closes: the close ends the reply.
        socket.once('end', () => {
          clearTimeout(timer);
          if (reply === '') reject(fetchError(description, 'empty reply'));
          else resolve(reply);
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          socket.destroy();
          reject(fetchError(description, reasonOf(error), error));
        });
      }),
  };
}

function httpSource(settings: StatsSettings): StatsSource {
  const url = new URL(settings.source);
  url.username = '';
  url.password = '';
  const description = url.href;
  let credentials: Promise<Credentials> | undefined;

  return {
    description,
    async fetch() {
      // Secrets are read once; a failed read is retried on the next poll.
      credentials ??= readCredentials(settings, description).catch((error: unknown) => {
        credentials = undefined;
        throw error;
      });
      const { password, ca } = await credentials;

      // Loaded on first use: start-up with a socket source never pays for got.
      const { got } = await import('got');
      let response;
      try {
        response = await got(description, {
          timeout: { request: settings.timeoutMs },
          retry: { limit: 0 },
          throwHttpErrors: false,
          // A fresh connection per poll. Node 20 keeps connections alive by default, but HAProxy
          // closes one after a 401 without saying so: every other poll failed with "socket hang up".
          agent: { http: false, https: false },
          username: settings.username ?? '',
          password: password ?? '',
          https: { certificateAuthority: ca, rejectUnauthorized: settings.insecure !== true },
        });
      } catch (error) {
        // got's own error carries the request options, password included: keep only its cause.
        const cause = error instanceof Error ? error.cause : undefined;
        if (error instanceof Error && error.name === 'TimeoutError') {
          throw fetchError(description, `no complete reply within ${settings.timeoutMs} ms`, cause);
        }
        throw fetchError(description, reasonOf(cause, errorMessage(error)), cause);
      }
      if (response.statusCode < 200 || response.statusCode > 299) {
        throw fetchError(description, `HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trimEnd());
      }
      return response.body;
    },
  };
}

interface Credentials {
  password?: string;
  ca?: string;
}

async function readCredentials(settings: StatsSettings, description: string): Promise<Credentials> {
  const read = async (what: string, path: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
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

function fileSource(source: string): StatsSource {
  const path = source.slice('file:'.length);
  return {
    description: source,
    async fetch() {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        throw fetchError(source, reasonOf(error), error);
      }
    },
  };
}

function fetchError(description: string, reason: string, cause?: unknown): PluginError {
  return new PluginError('ERR_STATS_FETCH', `stats source ${description}: ${reason}`, { source: description }, { cause });
}

/** `connect EACCES` rather than Node's message, which repeats the path already in the description. */
function reasonOf(error: unknown, otherwise = errorMessage(error)): string {
  const { syscall, code } = (error ?? {}) as NodeJS.ErrnoException;
  return typeof syscall === 'string' && typeof code === 'string' ? `${syscall} ${code}` : otherwise;
}
