import type { ServerStat } from './parse-stats-csv.js';

/** `unchecked`: HAProxy sends traffic to it but has no check to say whether it works (`no check`). */
export type ServerHealth = 'up' | 'unchecked' | 'down';

/**
 * Reads a server's HAProxy state. `UP n/m` (going down) still takes traffic, so it is up;
 * `DOWN n/m` (going up), NOLB, DRAIN and MAINT take no new traffic, so they are down.
 * A server says UP before its first check has run (check status INI), which proves nothing.
 */
export function serverHealth(server: ServerStat): ServerHealth {
  const { status } = server;
  if (status === 'no check') return 'unchecked';
  const up = status === 'UP' || status.startsWith('UP ');
  return up && server.checkStatus !== 'INI' ? 'up' : 'down';
}
