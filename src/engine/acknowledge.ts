import { sameAnnouncement } from '../exabgp/desired-routes.js';
import { describeCommand, type Command } from '../exabgp/format-command.js';
import type { LogEvent } from '../log/log-event.js';
import type { EngineState, RouteRecord } from './tick.js';

const firstRetryMs = 1000;
const longestRetryMs = 30_000;

/** 1 s, 2 s, 4 s … 30 s after the 1st, 2nd, 3rd … rejection in a row. */
export function retryDelay(rejections: number): number {
  return Math.min(longestRetryMs, firstRetryMs * 2 ** Math.max(0, rejections - 1));
}

/**
 * ExaBGP's answer to one of our commands. Only `done` makes a route announced: after `error` the
 * route is not announced, and it is re-sent on a back-off until ExaBGP takes it or it is no
 * longer wanted. An answer to a line that has since been replaced changes nothing. Pure.
 */
export function acknowledge(state: EngineState, command: Command, ok: boolean, now: number): { state: EngineState; events: LogEvent[] } {
  if (command.kind === 'withdraw') {
    if (ok) return { state, events: [] };
    const message = `ExaBGP answered "error" to: ${describeCommand(command)}; it may still be announced — ${fixHint}`;
    return { state, events: [{ level: 'error', event: 'commandRejected', service: command.service, message }] };
  }
  if (command.kind !== 'announce') return { state, events: [] };
  const record = state.routes.get(command.route.prefix);
  if (!record || record.status === 'unknown' || !sameAnnouncement(record.route, command.route)) return { state, events: [] };

  const routes = new Map(state.routes);
  if (ok) {
    routes.set(command.route.prefix, { ...record, status: 'accepted', rejections: 0, retryAt: undefined });
    const events: LogEvent[] =
      record.rejections > 0
        ? [{ level: 'info', event: 'commandAccepted', service: record.service, message: `ExaBGP accepted ${describeCommand(command)} after ${record.rejections} rejection(s); it is announced` }]
        : [];
    return { state: { ...state, routes }, events };
  }
  const rejections = record.rejections + 1;
  const delay = retryDelay(rejections);
  routes.set(command.route.prefix, { ...record, status: 'rejected', rejections, retryAt: now + delay });
  const message = `ExaBGP answered "error" to: ${describeCommand(command)}; it is NOT announced, re-sending in ${delay / 1000} s — ${fixHint}`;
  return { state: { ...state, routes }, events: [{ level: 'error', event: 'commandRejected', service: record.service, message }] };
}

const fixHint = "check that exabgp.conf's neighbor api block lists this process and that the route's family is configured, then reload ExaBGP";

/** Re-sends the rejected routes whose back-off has run out. Pure. */
export function retryDue(state: EngineState, now: number): { state: EngineState; commands: Command[] } {
  const due = [...state.routes.values()].filter((r) => r.status === 'rejected' && (r.retryAt ?? 0) <= now);
  if (due.length === 0) return { state, commands: [] };
  const routes = new Map(state.routes);
  for (const record of due) routes.set(record.route.prefix, { ...record, status: 'sent', retryAt: undefined });
  return { state: { ...state, routes }, commands: due.map((r) => ({ kind: 'announce', service: r.service, route: r.route })) };
}

/** When the next rejected route is due, if any. */
export function nextRetryAt(state: EngineState): number | undefined {
  const times = [...state.routes.values()].flatMap((r: RouteRecord) => (r.status === 'rejected' && r.retryAt !== undefined ? [r.retryAt] : []));
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** Makes every rejected route due now (SIGUSR1, SIGHUP: the operator says "try again"). */
export function retryNow(state: EngineState, now: number): EngineState {
  if (![...state.routes.values()].some((r) => r.status === 'rejected')) return state;
  const routes = new Map([...state.routes].map(([prefix, r]) => [prefix, r.status === 'rejected' ? { ...r, retryAt: now } : r]));
  return { ...state, routes };
}
