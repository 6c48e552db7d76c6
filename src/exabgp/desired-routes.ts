import type { RouteAttributes, ServiceConfig } from '../config/types.js';
import { formatAnnounce, type Command, type Route } from './format-command.js';

/** What a service should have on the wire: its normal attributes, the degraded ones, or nothing. */
export type RouteMode = 'announced' | 'degraded' | 'withdrawn';

/** The routes a service calls for in a mode; empty when withdrawn (or degraded with onDown "withdraw"). */
export function desiredRoutes(service: ServiceConfig, mode: RouteMode): Route[] {
  if (mode === 'withdrawn' || (mode === 'degraded' && service.onDown === 'withdraw')) return [];
  // A degrade changes only the attributes it names; the service's others still apply.
  const attributes = mode === 'degraded' && service.onDown !== 'withdraw' ? { ...pickAttributes(service), ...pickAttributes(service.onDown) } : pickAttributes(service);
  return configuredRoutes(service, attributes);
}

/** Every route a service may announce, whatever its state, with the given attributes. */
export function configuredRoutes(service: ServiceConfig, attributes: RouteAttributes = {}): Route[] {
  return service.prefixes.map((prefix) => ({ prefix, nextHop: service.nextHop, neighbors: service.neighbors, attributes }));
}

function pickAttributes({ med, localPreference, communities, largeCommunities, asPath }: RouteAttributes): RouteAttributes {
  const attributes: RouteAttributes = { med, localPreference, communities, largeCommunities, asPath };
  for (const key of Object.keys(attributes) as Array<keyof RouteAttributes>) if (attributes[key] === undefined) delete attributes[key];
  return attributes;
}

/**
 * The commands that move one prefix from what ExaBGP holds (`current`) to `desired`, so that a peer
 * that keeps the route never loses it. ExaBGP matches a withdraw on the prefix and the neighbors it
 * names, not on the whole line: a withdraw of the old form after an announce of the new one removes
 * the new one. So only neighbors that no longer get the route are withdrawn from, before the announce.
 * `knownNeighbors` are the peers ExaBGP told us of; they stand for "every neighbor" when a route
 * that went to all of them is narrowed to some.
 */
export function routeChanges(
  service: string | undefined,
  current: Route | undefined,
  desired: Route | undefined,
  knownNeighbors: ReadonlySet<string>,
): Command[] {
  if (desired === undefined) return current === undefined ? [] : [{ kind: 'withdraw', service, route: current }];
  const announce: Command = { kind: 'announce', service, route: desired };
  if (current === undefined) return [announce];
  const leaving = neighborsLeaving(current.neighbors, desired.neighbors, knownNeighbors);
  return leaving.length > 0 ? [{ kind: 'withdraw', service, route: { ...current, neighbors: leaving } }, announce] : [announce];
}

/** True when announcing `b` over `a` changes nothing at any peer. */
export function sameAnnouncement(a: Route, b: Route): boolean {
  return formatAnnounce(a) === formatAnnounce(b);
}

function neighborsLeaving(before: string[], after: string[], known: ReadonlySet<string>): string[] {
  if (after.length === 0) return [];
  const staying = new Set(after);
  return (before.length === 0 ? [...known] : before).filter((n) => !staying.has(n));
}
