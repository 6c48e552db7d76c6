/**
 * HAProxy's own log lines as `show events <ring>` streams them (rfc3164 format, HAProxy 2.6:
 * test/fixtures/haproxy/2.6-events.txt), and its answers when it refuses the subscription.
 * An event only says "look now": the stats CSV stays the one truth about health.
 */
export interface HaproxyEvent {
  /** The process that wrote the line (`haproxy[PID]:`); undefined when the line carries none. */
  pid: number | undefined;
  /** The backend whose servers changed state; undefined for a line about anything else. */
  backend: string | undefined;
  /**
   * The process is stopping its proxies ("Proxy X stopped"), as an old process does the moment a
   * reload (`-sf`, or the master's SIGUSR2) hands over to a new one.
   */
  stopping: boolean;
}

// `<129>Dec  2 03:53:58 localhost haproxy[13509]: ` (the host and program are HAProxy's defaults, kept general).
const header = /^<\d+>.*?\[(\d+)\]: (.*)$/;
const serverChange =
  /^(?:Backup )?Server ([^/\s]+)\/\S+ (?:is UP|is DOWN|is going DOWN for maintenance|was DOWN and now enters maintenance|enters maintenance|enters drain state)/;
const backendDown = /^backend (\S+) has no server available!/;
const proxyStopped = /^Proxy \S+ stopped/;

/** Classifies one line of the stream. Never throws: anything unrecognised is an event about nothing we watch. */
export function parseHaproxyEvent(line: string): HaproxyEvent {
  const match = header.exec(line);
  const pid = match ? Number(match[1]) : undefined;
  const text = match?.[2] ?? line;
  const backend = serverChange.exec(text)?.[1] ?? backendDown.exec(text)?.[1];
  return { pid, backend, stopping: proxyStopped.test(text) };
}

/**
 * Why HAProxy refused `show events`, and how to fix it, from what it answered before closing the
 * connection. HAProxy says nothing when it accepts, so an answer before any event is a refusal.
 */
export function describeEventsRefusal(answer: string, ring: string): string {
  const said = answer.trim().split('\n')[0] ?? '';
  if (said === 'Permission denied') {
    return 'HAProxy answered "Permission denied": the stats socket is at level user, and show events needs level operator; add "level operator" to its "stats socket" line in haproxy.cfg (or point stats.source at a socket that has it)';
  }
  if (said === 'No such event sink') {
    return `HAProxy has no ring named "${ring}": add a "ring ${ring}" section and "log ring@${ring} local0 notice" in its global section (and "log global" in defaults), or set stats.events to the ring it has`;
  }
  if (/^Unknown command/.test(said)) {
    return 'HAProxy does not know "show events": it needs HAProxy 2.2 or later; remove stats.events to poll only';
  }
  return `HAProxy answered ${JSON.stringify(said.slice(0, 200))} instead of streaming events`;
}

/** The `Pid:` of a `show info` answer: the process that answers the stats socket now. */
export function pidOfShowInfo(answer: string): number | undefined {
  const match = /^Pid: (\d+)$/m.exec(answer);
  return match ? Number(match[1]) : undefined;
}
