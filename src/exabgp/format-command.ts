import type { RouteAttributes } from '../config/types.js';

/** One route as ExaBGP's text API sees it. Every field was validated (and made canonical) by loadConfig. */
export interface Route {
  prefix: string;
  nextHop: string;
  /** Empty: every neighbor that lists our process. ExaBGP 4.2.21 rejects `neighbor *`, so it is never used. */
  neighbors: string[];
  attributes: RouteAttributes;
}

/**
 * What the plugin writes to ExaBGP, as typed data until `formatCommand` turns it into a line.
 * `service` names the service a route belongs to (none for routes no service vouches for).
 * A query's answer arrives on stdin before its `done`.
 */
export type Command =
  | { kind: 'announce'; service: string | undefined; route: Route }
  | { kind: 'withdraw'; service: string | undefined; route: Route }
  | { kind: 'query'; text: 'show adj-rib out' };

export function formatCommand(command: Command): string {
  switch (command.kind) {
    case 'announce':
      return formatAnnounce(command.route);
    case 'withdraw':
      return formatWithdraw(command.route);
    case 'query':
      return command.text;
  }
}

/** `announce route …` in the syntax shared by ExaBGP 4.2 and 5.x; attribute order as ExaBGP's healthcheck. */
export function formatAnnounce(route: Route): string {
  const { med, localPreference, communities, largeCommunities, asPath } = route.attributes;
  const parts = [`${neighborPrefix(route)}announce route ${route.prefix} next-hop ${route.nextHop}`];
  if (med !== undefined) parts.push(`med ${med}`);
  if (localPreference !== undefined) parts.push(`local-preference ${localPreference}`);
  if (communities?.length) parts.push(`community [ ${communities.join(' ')} ]`);
  if (largeCommunities?.length) parts.push(`large-community [ ${largeCommunities.join(' ')} ]`);
  if (asPath?.length) parts.push(`as-path [ ${asPath.join(' ')} ]`);
  return parts.join(' ');
}

export function formatWithdraw(route: Route): string {
  return `${neighborPrefix(route)}withdraw route ${route.prefix} next-hop ${route.nextHop}`;
}

/** "announce 9.9.9.9/32 as-path [ 65010 ]" or "withdraw 9.9.9.9/32 from 127.0.0.2": a command for people. */
export function describeCommand(command: Command): string {
  if (command.kind === 'query') return command.text;
  const { route } = command;
  const to = route.neighbors.length ? ` ${command.kind === 'announce' ? 'to' : 'from'} ${route.neighbors.join(', ')}` : '';
  const attributes = command.kind === 'announce' ? formatAnnounce({ ...route, neighbors: [] }).replace(/^announce route \S+ next-hop \S+/, '') : '';
  return `${command.kind} ${route.prefix}${attributes}${to}`;
}

function neighborPrefix(route: Route): string {
  return route.neighbors.length ? `${route.neighbors.map((n) => `neighbor ${n}`).join(' , ')} ` : '';
}
