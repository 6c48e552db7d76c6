import { isIPv4 } from 'node:net';

/**
 * The lab may only listen on or talk to 127.0.0.0/8: it runs on shared machines, next to real
 * networks. Every address a daemon binds or dials goes through this check.
 */
export function assertLoopback(address: string, what: string): void {
  if (!isIPv4(address) || !address.startsWith('127.')) {
    throw new Error(`${what} must be an IPv4 loopback address (127.0.0.0/8), got '${address}'`);
  }
}

/**
 * Inside the lab's own network namespaces the links use 198.18.0.0/15 (reserved for benchmarks),
 * so nothing there can be mistaken for, or routed to, a real network.
 */
export function assertLabNetAddress(address: string, what: string): void {
  if (!isIPv4(address) || !/^198\.1[89]\./.test(address)) {
    throw new Error(`${what} must be an IPv4 address in the lab's 198.18.0.0/15, got '${address}'`);
  }
}
