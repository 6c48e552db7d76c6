import type { ServerStat, StatsSnapshot } from './parse-stats-csv.js';

/** `unchecked`: HAProxy sends traffic to it but has no check to say whether it works (`no check`). */
export type ServerHealth = 'up' | 'unchecked' | 'down';

/**
 * Reads a server's HAProxy state. Only HAProxy's documented up forms count: `UP`, and `UP n/m`
 * (going down, still taking traffic). `DOWN n/m` (going up), NOLB, DRAIN, MAINT and any word
 * HAProxy does not document are down.
 * A server says UP before its first check has run (check status INI), which proves nothing. A
 * tracking server (`track px/srv`) has no check of its own and says UP as long as the server it
 * tracks does, so it counts only once the end of its tracking chain has been checked.
 */
export function serverHealth(server: ServerStat, snapshot: StatsSnapshot): ServerHealth {
  const { status } = server;
  if (status === 'no check') return 'unchecked';
  if (!UP_FORMS.test(status) || server.checkStatus === 'INI') return 'down';
  return server.tracked === undefined || trackedServerChecked(server.tracked, snapshot) ? 'up' : 'down';
}

// --- internal ---

const UP_FORMS = /^UP(?: \d+\/\d+)?$/;

/** Whether the server at the end of the chain starting at `tracked` (`px/srv`) has been checked. */
function trackedServerChecked(tracked: string, snapshot: StatsSnapshot): boolean {
  // HAProxy refuses tracking loops, but a snapshot is only text: a loop must end, as "not checked".
  const visited = new Set<string>();
  let target = tracked;
  for (;;) {
    if (visited.has(target)) return false;
    visited.add(target);
    const server = findServer(target, snapshot);
    if (server === undefined) return false;
    if (server.tracked === undefined) return server.checkStatus !== '' && server.checkStatus !== 'INI';
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
