import { readFileSync } from 'node:fs';
import type { ReloadResult } from '../engine/poll-loop.js';
import { errorMessage } from '../errors.js';
import { parseListenAddress } from '../config/listen-address.js';
import type { PluginStatus } from '../observe/plugin-status.js';

/** Where `run` serves /status and /-/reload when neither --url nor metrics.listen says otherwise. */
export const defaultPluginUrl = 'http://127.0.0.1:9834';

/** A plugin's answer, or a one-line reason why there was none. */
export type Reply<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * The plugin's base URL from `--config`'s metrics.listen, read tolerantly: the config is not
 * validated here (a `status` must work whatever else the file holds). A wildcard listen address
 * is reached on loopback.
 */
export function pluginUrlFromConfig(configFile: string): Reply<string> {
  let listen: unknown;
  try {
    const config: unknown = JSON.parse(readFileSync(configFile, 'utf8'));
    listen = typeof config === 'object' && config !== null ? (config as { metrics?: { listen?: unknown } }).metrics?.listen : undefined;
  } catch (error) {
    return { ok: false, reason: `cannot read ${configFile}: ${errorMessage(error)}` };
  }
  if (listen === undefined) return { ok: true, value: defaultPluginUrl };
  if (typeof listen !== 'string') return { ok: false, reason: `${configFile}: /metrics/listen must be a "host:port" string` };
  try {
    return { ok: true, value: urlOfListenAddress(listen, `${configFile}: /metrics/listen`) };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

/** "127.0.0.1:9834" → "http://127.0.0.1:9834"; "0.0.0.0:9834" → loopback; IPv6 in brackets. */
export function urlOfListenAddress(listen: string, origin: string): string {
  const { host, port } = parseListenAddress(listen, origin);
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** The plugin's base URL for an address of the topology: "198.18.1.2" → "http://198.18.1.2:9834". */
export function urlOfAddress(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

/** GET /status, checked to be a status object (another service on the port is not the plugin). */
export async function readStatus(baseUrl: string, timeoutMs: number): Promise<Reply<PluginStatus>> {
  const url = endpoint(baseUrl, '/status');
  if (!url.ok) return url;
  const reply = await request('GET', url.value, timeoutMs);
  if (!reply.ok) return reply;
  if (reply.value.statusCode !== 200) return { ok: false, reason: `${url.value} answered HTTP ${reply.value.statusCode}` };
  const status = parseJson(reply.value.body);
  if (!isPluginStatus(status)) return { ok: false, reason: `${url.value} did not answer with the plugin's status JSON (is this port the plugin's?)` };
  return { ok: true, value: status };
}

/**
 * POST /-/reload: the new config's services, or why it was rejected (the old one keeps running).
 * A refusal (403: not from loopback) or any other answer means the reload could not be asked for.
 * The request leaves from loopback: the plugin takes reloads only from there, and a plugin that
 * listens on its machine's own address (for the fleet view) would otherwise see that address.
 */
export async function requestReload(baseUrl: string, timeoutMs: number): Promise<Reply<ReloadResult>> {
  const url = endpoint(baseUrl, '/-/reload');
  if (!url.ok) return url;
  const reply = await request('POST', url.value, timeoutMs, true);
  if (!reply.ok) return reply;
  const { statusCode, body } = reply.value;
  const result = parseJson(body);
  if ((statusCode === 200 || statusCode === 400) && isReloadResult(result)) return { ok: true, value: result };
  const said = isReloadResult(result) && !result.ok ? result.error : body.trim().slice(0, 200);
  return { ok: false, reason: `${url.value} answered HTTP ${statusCode}${said ? `: ${said}` : ''}` };
}

// --- internal ---

/** Replies are small; a bigger one is not the plugin's. */
const maxBodyBytes = 4 * 1024 * 1024;

function endpoint(baseUrl: string, path: string): Reply<string> {
  if (!URL.canParse(baseUrl) || !/^http:$/.test(new URL(baseUrl).protocol)) {
    return { ok: false, reason: `"${baseUrl}" is not an http:// URL of the plugin, e.g. ${defaultPluginUrl}` };
  }
  return { ok: true, value: new URL(path, baseUrl).href };
}

async function request(method: 'GET' | 'POST', url: string, timeoutMs: number, fromLoopback = false): Promise<Reply<{ statusCode: number; body: string }>> {
  // Loaded here: the other commands never pay for node:http at start-up.
  const http = await import('node:http');
  return new Promise((resolve) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `cannot reach the plugin at ${url}: ${reason}` });
    };
    const localAddress = fromLoopback ? (new URL(url).hostname.startsWith('[') ? '::1' : '127.0.0.1') : undefined;
    const req = http.request(url, { method, headers: { accept: 'application/json' }, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBodyBytes) req.destroy(new Error(`reply larger than ${maxBodyBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ ok: true, value: { statusCode: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') } });
      });
      res.on('error', (error) => fail(errorMessage(error)));
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      // From loopback, only this machine's own addresses can be reached.
      const elsewhere = localAddress !== undefined && error.code === 'EINVAL';
      fail(elsewhere ? `${errorMessage(error)}; a reload is taken only on the plugin's own machine, so run it there` : errorMessage(error));
    });
    req.end();
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isReloadResult(value: unknown): value is ReloadResult {
  if (typeof value !== 'object' || value === null) return false;
  const { ok, services, error } = value as Record<string, unknown>;
  return ok === true ? Array.isArray(services) : ok === false && typeof error === 'string';
}

function isPluginStatus(value: unknown): value is PluginStatus {
  if (typeof value !== 'object' || value === null) return false;
  const { services, neighbors, now } = value as Record<string, unknown>;
  return Array.isArray(services) && Array.isArray(neighbors) && typeof now === 'string';
}
