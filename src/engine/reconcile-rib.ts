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

export interface Reconciliation {
  /** Withdraws for what an earlier instance left that the config does not vouch for. */
  withdraws: Command[];
  /** Prefixes ExaBGP announces that are not ours (the config's static routes, other processes): left alone. */
  foreign: string[];
}

/**
 * What to take back at start. ExaBGP keeps what a dead instance announced, and its
 * `show adj-rib out` (`rib`; undefined when it did not answer) lists it, but also lists
 * exabgp.conf's own static routes and other processes' routes, which are not ours to withdraw.
 * Ours are the configured prefixes and those an earlier instance recorded (`previous`, the state
 * file). Of those, a route is withdrawn where no service vouches for it: a prefix no service has
 * (renamed, removed, or every one when the config is unreadable: `config` undefined) or a neighbor
 * its service no longer sends to. Configured routes are decided by the first poll. With neither a
 * config nor a record, nothing tells ours apart, so everything ExaBGP lists is withdrawn: fail
 * closed. Pure.
 */
export function reconcileRib(config: Config | undefined, rib: RibRoute[] | undefined, previous: Route[] | undefined): Reconciliation {
  const owners = new Map(config?.services.flatMap((service) => service.prefixes.map((prefix) => [prefix, service] as const)) ?? []);
  const recorded = new Map((previous ?? []).map((route) => [route.prefix, route]));
  const ownsEverything = config === undefined && previous === undefined;
  const byPrefix = new Map<string, Route>();
  const foreign = new Set<string>();

  const withdrawFrom = (prefix: string, neighbor: string | undefined, nextHop: string) => {
    const route = byPrefix.get(prefix) ?? { prefix, nextHop, neighbors: [], attributes: {} };
    if (neighbor !== undefined && !route.neighbors.includes(neighbor)) route.neighbors.push(neighbor);
    byPrefix.set(prefix, route);
  };

  if (rib === undefined) {
    // No answer: the record is all there is. What the config has is decided by the first poll.
    for (const route of recorded.values()) if (!owners.has(route.prefix)) byPrefix.set(route.prefix, route);
  } else {
    for (const entry of rib) {
      const prefix = prefixProblem(entry.prefix) === undefined ? canonicalPrefix(entry.prefix) : entry.prefix;
      const neighbor = canonicalAddress(entry.neighbor) ?? entry.neighbor;
      const owner = owners.get(prefix);
      if (owner === undefined && !recorded.has(prefix) && !ownsEverything) {
        foreign.add(prefix);
        continue;
      }
      if (owner && (owner.neighbors.length === 0 || owner.neighbors.includes(neighbor))) continue;
      withdrawFrom(prefix, neighbor, entry.nextHop ?? 'self');
    }
  }
  return { withdraws: [...byPrefix.values()].map((route) => ({ kind: 'withdraw', service: undefined, route })), foreign: [...foreign] };
}
