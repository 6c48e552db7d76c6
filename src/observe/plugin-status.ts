import type { BackendCount } from '../health/evaluate-service.js';

/**
 * What a running plugin reports at GET /status: the contract between `run` and the `status`
 * command (and anyone scripting against it). Times are ISO 8601 strings in UTC.
 */
export interface PluginStatus {
  version: string;
  pid: number;
  startedAt: string;
  /** When this status was taken. */
  now: string;
  /** Where the stats come from (never with credentials). */
  statsSource: string | undefined;
  /** The last successful poll, and its age at `now`; null before the first one. */
  lastGoodPollAt: string | null;
  lastGoodPollAgeMs: number | null;
  /** Why the last poll failed; null when it succeeded. */
  statsError: string | null;
  /** HAProxy's event stream, where configured (issue 7); null otherwise. */
  events: { ring: string; connected: boolean } | null;
  neighbors: NeighborStatus[];
  services: ServiceStatus[];
  /** The last reload (SIGHUP or POST /-/reload) and its outcome; null when there was none. */
  lastReload: { at: string; ok: boolean; error: string | null } | null;
}

export interface NeighborStatus {
  address: string;
  state: 'connected' | 'up' | 'down';
  since: string;
}

export interface ServiceStatus {
  name: string;
  /** The settled verdict that decides the route; `init` until the first poll. */
  verdict: 'init' | 'up' | 'down' | 'disabled';
  /** Where the state machine stands (rising and falling are on the way to a new verdict). */
  phase: 'init' | 'rising' | 'up' | 'falling' | 'down' | 'disabled';
  /** When the verdict last changed. */
  since: string;
  reason: string;
  /** Which routes the state calls for: the normal ones, the degraded ones (onDown), or none. */
  mode: 'announced' | 'degraded' | 'withdrawn';
  backends: BackendStatus[];
  routes: RouteStatus[];
  /** Route dampening, where configured (issue 7); null otherwise. */
  dampening: { penalty: number; suppressedUntil: string | null } | null;
}

/** A backend's servers counted against the threshold that applied, as the verdict saw them. */
export type BackendStatus = BackendCount;

export interface RouteStatus {
  prefix: string;
  /**
   * announced: ExaBGP answered done; pending: sent, no answer yet (or acks are off);
   * rejected: ExaBGP answered error, re-sent on a back-off; withdrawn: not announced.
   */
  state: 'announced' | 'pending' | 'rejected' | 'withdrawn';
  /** The exact `announce route …` line while announced, pending or rejected; null when withdrawn. */
  command: string | null;
  nextHop: string | null;
  neighbors: string[];
  asPath: number[];
  med: number | null;
  localPreference: number | null;
  communities: string[];
  largeCommunities: string[];
  /** Why it is not announced (the service's reason, or ExaBGP's rejection); null when announced. */
  why: string | null;
}
