import type { ServerStat, StatsSnapshot } from './parse-stats-csv.js';

/**
 * `unchecked`: HAProxy sends traffic to it but has no check to say whether it works (`no check`).
 * `unknown`: it says up, but HAProxy has not checked it yet (check status INI, as after every start
 * or reload), so nothing is known either way.
 */
export type ServerHealth = 'up' | 'unchecked' | 'unknown' | 'down';

/**
 * Reads a server's HAProxy state. Only HAProxy's documented up forms count: `UP`, and `UP n/m`
 * (going down, still taking traffic). `DOWN n/m` (going up), NOLB, DRAIN, MAINT and any word
 * HAProxy does not document are down.
 * A server says UP before its first check has run (check status INI), which proves nothing: it is
 * unknown. A tracking server (`track px/srv`) has no check of its own and says UP as long as the
 * server it tracks does, so it is as known as the end of its tracking chain: unknown while that is
 * INI, down when the chain is broken or that server has no check status at all.
 */
export function serverHealth(server: ServerStat, snapshot: StatsSnapshot): ServerHealth {
  const { status } = server;
  if (status === 'no check') return 'unchecked';
  if (!UP_FORMS.test(status)) return 'down';
  if (server.checkStatus === 'INI') return 'unknown';
  return server.tracked === undefined ? 'up' : trackedCheck(server.tracked, snapshot);
}

// --- internal ---

const UP_FORMS = /^UP(?: \d+\/\d+)?$/;

/** What the check of the server at the end of the chain starting at `tracked` (`px/srv`) says. */
function trackedCheck(tracked: string, snapshot: StatsSnapshot): ServerHealth {
  // HAProxy refuses tracking loops, but a snapshot is only text: a loop must end, as down.
  const visited = new Set<string>();
  let target = tracked;
  for (;;) {
    if (visited.has(target)) return 'down';
    visited.add(target);
    const server = findServer(target, snapshot);
    if (server === undefined) return 'down';
    if (server.tracked === undefined) {
      if (server.checkStatus === 'INI') return 'unknown';
      return server.checkStatus === '' ? 'down' : 'up';
    }
    target = server.tracked;
  }
}

/** The server named by `px/srv` (HAProxy names hold no slash). */
function findServer(path: string, snapshot: StatsSnapshot): ServerStat | undefined {
  const slash = path.indexOf('/');
  if (slash === -1) return undefined;
  const backend = snapshot.backends.get(path.slice(0, slash));
  const name = path.slice(slash + 1);
  return backend?.servers.find((s) => s.name === name);
}
