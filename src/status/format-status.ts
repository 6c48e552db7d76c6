import type { PluginStatus, RouteStatus, ServiceStatus } from '../observe/plugin-status.js';
import { formatTable } from '../cli/format-table.js';

/**
 * Exit codes of `status`, as monitoring plugins use them: 0 every service up with every route
 * acknowledged by ExaBGP, 1 anything less, 2 the plugin could not be asked.
 */
export type StatusExitCode = 0 | 1 | 2;

export function statusExitCode(status: PluginStatus): StatusExitCode {
  // A valid config has a service at least, so none means no config is in force.
  return status.services.length > 0 && status.services.every(isAllAnnounced) ? 0 : 1;
}

export function isAllAnnounced(service: ServiceStatus): boolean {
  return service.verdict === 'up' && service.routes.every((route) => route.state === 'announced');
}

/** What `status` prints: one table of the services, then the plugin's surroundings. Pure. */
export function formatStatus(status: PluginStatus): string {
  const now = Date.parse(status.now);
  const rows = status.services.flatMap((service) => serviceRows(service, now));
  const table = formatTable(['SERVICE', 'VERDICT', 'SINCE', 'BACKEND', 'UP', 'NEED', 'PREFIX', 'ROUTE', 'EXABGP', 'REASON'], rows);
  const none = 'no services: no valid config is in force (the plugin started with an invalid one and waits; fix it, then reload)\n';
  return `${status.services.length > 0 ? table : none}\n${surroundings(status, now).join('\n')}\n`;
}

/** The route as the hub receives it, in ExaBGP's words: "next-hop self med 10 as-path [ 65010 ]". */
export function describeRoute(route: RouteStatus): string {
  const parts = [`next-hop ${route.nextHop ?? '?'}`];
  if (route.med !== null) parts.push(`med ${route.med}`);
  if (route.localPreference !== null) parts.push(`local-preference ${route.localPreference}`);
  if (route.communities.length > 0) parts.push(`community [ ${route.communities.join(' ')} ]`);
  if (route.largeCommunities.length > 0) parts.push(`large-community [ ${route.largeCommunities.join(' ')} ]`);
  if (route.asPath.length > 0) parts.push(`as-path [ ${route.asPath.join(' ')} ]`);
  if (route.neighbors.length > 0) parts.push(`to ${route.neighbors.join(', ')}`);
  return parts.join(' ');
}

/** "350ms", "12s", "4m12s", "3h04m", "2d03h": short enough for a table cell. */
export function formatDuration(ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s === 0) return `${Math.max(0, Math.round(ms))}ms`;
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor(s / 3600) % 24)}h`;
}

// --- internal ---

/** One row per backend or prefix, side by side; the service's own cells only on its first row. */
function serviceRows(service: ServiceStatus, now: number): string[][] {
  const count = Math.max(1, service.backends.length, service.routes.length);
  return Array.from({ length: count }, (_, i) => {
    const backend = service.backends[i];
    const route = service.routes[i];
    const first = i === 0;
    return [
      first ? service.name : '',
      first ? verdictText(service) : '',
      first ? `${formatDuration(now - Date.parse(service.since))} ago` : '',
      backend?.backend ?? '',
      backend === undefined ? '' : backend.found ? `${backend.up}/${backend.total}` : 'missing',
      backend?.need ?? '',
      route?.prefix ?? '',
      route === undefined ? '' : routeText(route, service),
      route === undefined ? '' : exabgpText(route),
      first ? service.reason : '',
    ];
  });
}

/** "up", "up (falling)", "down (degraded)": the settled verdict and where it is heading. */
function verdictText(service: ServiceStatus): string {
  const notes = [
    ...(service.phase !== service.verdict ? [service.phase] : []),
    ...(service.mode === 'degraded' ? ['degraded'] : []),
  ];
  return notes.length > 0 ? `${service.verdict} (${notes.join(', ')})` : service.verdict;
}

function routeText(route: RouteStatus, service: ServiceStatus): string {
  if (route.state !== 'withdrawn') return describeRoute(route);
  // The service's reason is already in its row; repeat only a reason of the route's own.
  return route.why === null || route.why === service.reason ? 'withdrawn' : `withdrawn: ${route.why}`;
}

function exabgpText(route: RouteStatus): string {
  switch (route.state) {
    case 'announced':
      return 'done';
    case 'pending':
      return 'no answer yet';
    case 'rejected':
      return `error: ${route.why ?? 'rejected'}`;
    case 'withdrawn':
      return '';
  }
}

function surroundings(status: PluginStatus, now: number): string[] {
  const ago = (iso: string) => `${formatDuration(now - Date.parse(iso))}`;
  const neighbors = status.neighbors.length
    ? status.neighbors.map((n) => `${n.address} ${n.state} for ${ago(n.since)}`).join('; ')
    : 'none reported by ExaBGP yet';
  const lastGood = status.lastGoodPollAgeMs === null ? 'none yet' : `${formatDuration(status.lastGoodPollAgeMs)} ago`;
  const lines = [
    `BGP neighbors: ${neighbors}`,
    `stats: last good poll ${lastGood}${status.statsSource === undefined ? '' : ` from ${status.statsSource}`}` +
      (status.statsError === null ? '' : `; the last poll failed: ${status.statsError}`),
  ];
  if (status.events !== null) lines.push(`HAProxy event stream: ${status.events.ring} ${status.events.connected ? 'connected' : 'not connected'}`);
  for (const service of status.services) {
    if (service.dampening === null) continue;
    const { penalty, suppressedUntil } = service.dampening;
    const suppressed = suppressedUntil === null ? 'not suppressed' : `suppressed for ${formatDuration(Date.parse(suppressedUntil) - now)} more`;
    lines.push(`dampening ${service.name}: penalty ${penalty}, ${suppressed}`);
  }
  if (status.lastReload !== null) {
    const { at, ok, error } = status.lastReload;
    // A rejected config lists its problems on several lines: keep them under this one.
    const why = (error ?? 'no reason given').split('\n').join('\n  ');
    lines.push(`last reload: ${ago(at)} ago, ${ok ? 'accepted' : `rejected: ${why}`}`);
  }
  lines.push(`plugin: pid ${status.pid}, version ${status.version}, up for ${ago(status.startedAt)}`);
  return lines;
}
