import { canonicalAddress, canonicalPrefix, prefixProblem } from '../config/prefix.js';
import type { Config } from '../config/types.js';
import type { Command, Route } from '../exabgp/format-command.js';

/** One route ExaBGP says it announces to a neighbor (a line of its `show adj-rib out` answer). */
export interface RibRoute {
  neighbor: string;
  prefix: string;
  /** The next hop ExaBGP printed, when it printed one. */
  nextHop?: string;
}

/**
 * The withdraws for what ExaBGP announces on our behalf that the config does not vouch for: a
 * prefix no service has (renamed, removed, or the config is unreadable: `config` undefined), or a
 * neighbor the prefix's service no longer sends to. What the config does vouch for is decided by
 * the first poll. Pure.
 */
export function unvouchedRoutes(config: Config | undefined, rib: RibRoute[]): Command[] {
  const owners = new Map(config?.services.flatMap((service) => service.prefixes.map((prefix) => [prefix, service] as const)) ?? []);
  const byPrefix = new Map<string, Route>();
  for (const entry of rib) {
    const prefix = prefixProblem(entry.prefix) === undefined ? canonicalPrefix(entry.prefix) : entry.prefix;
    const neighbor = canonicalAddress(entry.neighbor) ?? entry.neighbor;
    const owner = owners.get(prefix);
    if (owner && (owner.neighbors.length === 0 || owner.neighbors.includes(neighbor))) continue;
    const route = byPrefix.get(prefix) ?? { prefix, nextHop: entry.nextHop ?? 'self', neighbors: [], attributes: {} };
    if (!route.neighbors.includes(neighbor)) route.neighbors.push(neighbor);
    byPrefix.set(prefix, route);
  }
  return [...byPrefix.values()].map((route) => ({ kind: 'withdraw', service: undefined, route }));
}
