import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { canonicalAddress, canonicalPrefix, prefixProblem } from '../config/prefix.js';
import { errorMessage } from '../errors.js';
import type { Route } from '../exabgp/format-command.js';
import type { Logger } from '../log/logger.js';

/**
 * The state file: which routes this plugin may have left in ExaBGP. ExaBGP's `show adj-rib out`
 * is the truth of what is announced, but it also lists exabgp.conf's static routes and other
 * processes' routes; this record says which of them are ours, so a respawned instance can take
 * back a renamed prefix, or everything it announced when its own config is unreadable. Kept in
 * ExaBGP's runtime directory it lives exactly as long as ExaBGP's routes do.
 */
export interface RouteRecordFile {
  /** The recorded routes; undefined when there is no file to trust (none configured, or unreadable). */
  read(): Route[] | undefined;
  /** Records `routes` (written only when they changed, atomically). */
  write(routes: Route[]): void;
}

export function openRouteRecordFile(path: string | undefined, log: Logger): RouteRecordFile {
  let written: string | undefined;
  let failureLogged = false;
  return {
    read() {
      if (path === undefined) return undefined;
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        log({ level: 'warn', event: 'stateUnreadable', message: `cannot read the state file ${path}: ${errorMessage(error)}` });
        return undefined;
      }
      const routes = parseRecord(text);
      if (routes === undefined) log({ level: 'warn', event: 'stateUnreadable', message: `the state file ${path} is not one this plugin wrote; ignoring it` });
      written = text;
      return routes;
    },
    write(routes) {
      if (path === undefined) return;
      const text = `${JSON.stringify({ routes: routes.map(({ prefix, nextHop, neighbors }) => ({ prefix, nextHop, neighbors })) })}\n`;
      if (text === written) return;
      try {
        writeFileSync(`${path}.tmp`, text);
        renameSync(`${path}.tmp`, path);
        written = text;
      } catch (error) {
        if (failureLogged) return;
        failureLogged = true;
        log({
          level: 'warn',
          event: 'stateUnwritable',
          message: `cannot write the state file ${path} (${errorMessage(error)}); a respawned instance will not know which routes in ExaBGP were this plugin's — make its directory writable for the plugin's user, or set --state-file`,
        });
      }
    },
  };
}

function parseRecord(text: string): Route[] | undefined {
  try {
    const data = JSON.parse(text) as { routes?: unknown };
    if (!Array.isArray(data.routes)) return undefined;
    const routes: Route[] = [];
    for (const item of data.routes as unknown[]) {
      const { prefix, nextHop, neighbors } = (item ?? {}) as Record<string, unknown>;
      // Its words go into withdraw lines: only a prefix, addresses and `self`, never other text.
      if (typeof prefix !== 'string' || prefixProblem(prefix) !== undefined) return undefined;
      if (typeof nextHop !== 'string' || (nextHop !== 'self' && canonicalAddress(nextHop) === undefined)) return undefined;
      if (!Array.isArray(neighbors) || !neighbors.every((n) => typeof n === 'string' && canonicalAddress(n) !== undefined)) return undefined;
      routes.push({ prefix: canonicalPrefix(prefix), nextHop, neighbors: neighbors.map((n: string) => canonicalAddress(n) ?? n), attributes: {} });
    }
    return routes;
  } catch {
    return undefined;
  }
}
