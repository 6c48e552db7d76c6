import type { Platform } from './platform.js';

/** The validated plugin configuration. After loadConfig returns one, its fields are trusted. */
export interface Config {
  /** Whose BGP rules the config is checked against. */
  platform: Platform;
  stats: StatsSettings;
  intervalMs: number;
  rise: number;
  fall: number;
  disableFile?: string;
  onStatsError: 'withdraw' | 'hold';
  /** With onStatsError "hold": how long a failing stats source may keep the last state. */
  staleMs: number;
  services: ServiceConfig[];
  /** Metrics, status and reload over HTTP; none: no listener, and none of that code is loaded. */
  metrics?: MetricsSettings;
}

export interface MetricsSettings {
  /** "host:port", the host an IP literal (IPv6 in brackets), e.g. "127.0.0.1:9834". */
  listen: string;
}

export interface StatsSettings {
  /** unix:/path, tcp://host:port, http(s)://…, or file:/path.csv */
  source: string;
  /** Defaults to half of intervalMs, at most 2000 (defaultTimeoutMs). */
  timeoutMs: number;
  /** A stats reply bigger than this is a failed poll. */
  maxBodyBytes: number;
  username?: string;
  passwordFile?: string;
  passwordEnv?: string;
  caFile?: string;
  insecure?: boolean;
  /** The HAProxy log ring whose server state changes trigger a poll at once (unix: and tcp:// sources only). */
  events?: string;
}

export interface RouteAttributes {
  med?: number;
  localPreference?: number;
  communities?: string[];
  largeCommunities?: string[];
  asPath?: number[];
}

export interface ServiceConfig extends RouteAttributes {
  name: string;
  prefixes: string[];
  nextHop: string;
  /** Peer addresses the commands are limited to; empty means every neighbor that lists the process. */
  neighbors: string[];
  health: HealthRule;
  onDown: 'withdraw' | DegradePolicy;
  /** Keeps a flapping service's routes withdrawn for a while (RFC 2439); none: no dampening. */
  dampening?: DampeningSettings;
}

/** Route dampening (src/health/dampening.ts); the defaults are RFC 2439's common ones, with minutes for quarter hours. */
export interface DampeningSettings {
  /** The penalty halves in this time. */
  halfLifeMs: number;
  /** Added at each withdraw caused by the service going down. */
  penalty: number;
  /** A penalty above this keeps the routes withdrawn… */
  suppressAbove: number;
  /** …until it has decayed below this. */
  reuseBelow: number;
  /** The longest a suppression lasts: the penalty is capped at reuseBelow × 2^(maxSuppressMs / halfLifeMs). */
  maxSuppressMs: number;
}

export interface DegradePolicy extends RouteAttributes {
  /** Withdraw once the service has been degraded this long. */
  withdrawAfterMs?: number;
}

export interface HealthRule {
  backends: string[];
  mode: 'all' | 'any';
  minUp?: number;
  minUpPercent?: number;
  /** Higher thresholds needed to come back up (capacity hysteresis). */
  recoverMinUp?: number;
  recoverMinUpPercent?: number;
  countBackup: boolean;
  frontend?: string;
}
