import type { RouteAttributes, ServiceConfig } from '../config/types.js';
import { formatAnnounce, formatWithdraw, type Route } from './format-command.js';

/** What a service should have on the wire: its normal attributes, the degraded ones, or nothing. */
export type RouteMode = 'announced' | 'degraded' | 'withdrawn';

/**
 * Routes keyed by their withdraw line, valued by their announce line. The withdraw line names the
 * route (neighbors, prefix, next hop); the announce line carries the attributes, so comparing two
 * of these maps tells exactly which lines to send.
 */
export type RouteTable = Map<string, string>;

function serviceRoutes(service: ServiceConfig, attributes: RouteAttributes): Route[] {
  return service.prefixes.map((prefix) => ({ prefix, nextHop: service.nextHop, neighbors: service.neighbors, attributes }));
}

/** The withdraw lines that name every route of a service, whatever its state. */
export function withdrawLines(service: ServiceConfig): string[] {
  return serviceRoutes(service, {}).map(formatWithdraw);
}

/** The announce lines for a service in a mode, keyed by withdraw line; empty when withdrawn. */
export function desiredRoutes(service: ServiceConfig, mode: RouteMode): RouteTable {
  const table: RouteTable = new Map();
  if (mode === 'withdrawn') return table;
  let attributes: RouteAttributes = service;
  if (mode === 'degraded') {
    if (service.onDown === 'withdraw') return table;
    // A degrade changes only the attributes it names; the service's others still apply.
    attributes = { ...service, ...degradedAttributes(service.onDown) };
  }
  for (const route of serviceRoutes(service, attributes)) table.set(formatWithdraw(route), formatAnnounce(route));
  return table;
}

function degradedAttributes({ withdrawAfterMs: _, ...attributes }: RouteAttributes & { withdrawAfterMs?: number }): RouteAttributes {
  return attributes;
}

/** The lines that turn `current` into `desired` for the given route names. */
export function diffRoutes(current: RouteTable, desired: RouteTable, names: Iterable<string>): string[] {
  const lines: string[] = [];
  for (const name of names) {
    const want = desired.get(name);
    const have = current.get(name);
    if (want === undefined && have !== undefined) lines.push(name);
    else if (want !== undefined && want !== have) lines.push(want);
  }
  return lines;
}
