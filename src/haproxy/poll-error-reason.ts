/** The `reason` label of exabgp_anycast_stats_poll_errors_total: few, stable, documented in the README. */
export const pollErrorReasons = ['timeout', 'refused', 'denied', 'not_found', 'http_status', 'redirect', 'too_large', 'parse', 'other'] as const;
export type PollErrorReason = (typeof pollErrorReasons)[number];

/**
 * Sorts a failed poll's message (as src/haproxy and the poll loop word it) into a reason. The
 * messages end with the cause ("…: connect ECONNREFUSED", "…: HTTP 503 Service Unavailable"), so
 * the patterns are anchored at the end: a path or URL earlier in the text cannot mislead them.
 */
export function pollErrorReason(message: string): PollErrorReason {
  // src/haproxy/parse-stats-csv.ts words every parse failure "stats from <source>: …".
  if (message.startsWith('stats from ') || / empty reply$/.test(message)) return 'parse';
  if (/no complete reply within \d+ ms$| ETIMEDOUT$/.test(message)) return 'timeout';
  if (/ ECONNREFUSED$/.test(message)) return 'refused';
  if (/ (EACCES|EPERM)$|: HTTP 40[13](?: [^:]*)?$/.test(message)) return 'denied';
  if (/ (ENOENT|ENOTFOUND)$/.test(message)) return 'not_found';
  if (/: HTTP 3\d\d .*redirects are not followed/.test(message)) return 'redirect';
  if (/: HTTP [1-9]\d\d(?: [^:]*)?$/.test(message)) return 'http_status';
  if (/ is larger than stats\.maxBodyBytes /.test(message)) return 'too_large';
  return 'other';
}

/**
 * Whether a failed poll says HAProxy is not running: its socket is absent or refuses connections.
 * Then nothing serves the service either, so onStatsError "hold" must not keep its route.
 */
export function haproxyIsNotRunning(message: string): boolean {
  return / (ECONNREFUSED|ENOENT)$/.test(message);
}
