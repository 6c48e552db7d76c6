import type { RouteAttributes } from '../config/types.js';

/** One route as ExaBGP's text API sees it. Every field was validated by loadConfig. */
export interface Route {
  prefix: string;
  nextHop: string;
  /** Empty: every neighbor that lists our process. ExaBGP 4.2.21 rejects `neighbor *`, so it is never used. */
  neighbors: string[];
  attributes: RouteAttributes;
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

function neighborPrefix(route: Route): string {
  return route.neighbors.length ? `${route.neighbors.map((n) => `neighbor ${n}`).join(' , ')} ` : '';
}
