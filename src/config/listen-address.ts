import { isIPv4, isIPv6 } from 'node:net';
import { PluginError } from '../errors.js';

/** Where the metrics listener binds. */
export interface ListenAddress {
  /** An IP address literal, IPv6 without brackets. */
  host: string;
  port: number;
  /** As written, e.g. "127.0.0.1:9834" or "[::1]:9834". */
  text: string;
}

/**
 * Reads metrics.listen / --metrics-listen: "host:port" with an IP literal as host, so that where
 * the plugin listens never depends on name resolution. `origin` names the setting in the error.
 * loadConfig checks the setting with it; `run` binds where it says.
 */
export function parseListenAddress(text: string, origin: string): ListenAddress {
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  const fix = 'write host:port with an IP address as host, e.g. "127.0.0.1:9834" (this machine only) or "[::1]:9834"';
  if (match === null || host === undefined) throw new PluginError('ERR_CONFIG_INVALID', `${origin}: "${text}" is not host:port; ${fix}`);
  if (match[1] !== undefined ? !isIPv6(host) : !isIPv4(host)) {
    const what = match[1] !== undefined ? 'not an IPv6 address' : 'not an IPv4 address (names are not resolved; IPv6 goes in brackets)';
    throw new PluginError('ERR_CONFIG_INVALID', `${origin}: "${host}" in "${text}" is ${what}; ${fix}`);
  }
  if (!(port >= 1 && port <= 65535)) throw new PluginError('ERR_CONFIG_INVALID', `${origin}: port ${match[3]} in "${text}" is not 1-65535; ${fix}`);
  return { host, port, text };
}

/** A client (or bind) address on this machine's loopback: 127.0.0.0/8, ::1, or 127.x mapped into IPv6. */
export function isLoopback(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '');
  return address === '::1' || (isIPv4(v4) && v4.startsWith('127.'));
}
