import type { HealthRule, ServiceConfig } from '../config/types.js';
import type { StatsSnapshot } from '../haproxy/parse-stats-csv.js';
import { serverHealth } from '../haproxy/server-health.js';

export interface BackendCount {
  backend: string;
  /** False when the backend is not in HAProxy's stats at all. */
  found: boolean;
  up: number;
  total: number;
  /** The threshold that applied, in words: "≥ 1", "≥ 2 and ≥ 50%". */
  need: string;
  enough: boolean;
}

export interface ServiceHealth {
  healthy: boolean;
  /**
   * Not healthy on the servers up alone, but it would be if the servers HAProxy has not checked yet
   * (INI, after its start or reload) were up: the snapshot cannot tell, so the verdict must wait.
   */
  undecided: boolean;
  /** Words for the log, e.g. "http_back: 0/2 servers up, need ≥ 1". */
  reason: string;
  backends: BackendCount[];
}

/**
 * Decides whether a service has enough healthy backends in one stats snapshot.
 * `announced` selects the thresholds: a service that is down must reach the (possibly higher)
 * recover levels to come back, so capacity hovering at the edge does not flap the route.
 */
export function evaluateService(service: ServiceConfig, snapshot: StatsSnapshot, announced: boolean): ServiceHealth {
  const { health } = service;
  const need = thresholds(health, announced);
  const counted = health.backends.map((name) => countBackend(name, snapshot, health.countBackup, need));
  const combine = (enough: (b: CountedBackend) => boolean): boolean => (health.mode === 'any' ? counted.some(enough) : counted.every(enough));
  const enoughBackends = combine((b) => b.enough);
  const enoughOnceChecked = combine((b) => b.enoughIfUnknownUp);
  const reasons = counted.map((b) => describeBackend(b));

  let frontendOk = true;
  if (health.frontend !== undefined) {
    const status = snapshot.frontends.get(health.frontend)?.status;
    frontendOk = status === 'OPEN';
    if (!frontendOk) reasons.push(`frontend ${health.frontend}: ${status ?? 'not found in HAProxy stats'}, need OPEN`);
  }
  const backends = counted.map(({ unknown: _unknown, enoughIfUnknownUp: _enoughIfUnknownUp, ...count }) => count);
  const healthy = enoughBackends && frontendOk;
  return { healthy, undecided: !healthy && enoughOnceChecked && frontendOk, reason: reasons.join('; '), backends };
}

/** A backend's count, with the servers not checked yet that may still tip it either way. */
interface CountedBackend extends BackendCount {
  unknown: number;
  enoughIfUnknownUp: boolean;
}

interface Thresholds {
  minUp?: number;
  minUpPercent?: number;
}

function thresholds(health: HealthRule, announced: boolean): Thresholds {
  const minUp = announced ? health.minUp : health.recoverMinUp ?? health.minUp;
  const minUpPercent = announced ? health.minUpPercent : health.recoverMinUpPercent ?? health.minUpPercent;
  // With no threshold at all, one healthy server is enough.
  return minUp === undefined && minUpPercent === undefined ? { minUp: 1 } : { minUp, minUpPercent };
}

function countBackend(name: string, snapshot: StatsSnapshot, countBackup: boolean, need: Thresholds): CountedBackend {
  const backend = snapshot.backends.get(name);
  if (!backend) return { backend: name, found: false, up: 0, total: 0, need: describeThresholds(need), enough: false, unknown: 0, enoughIfUnknownUp: false };
  const servers = backend.servers.filter((s) => countBackup || !s.backup);
  const health = servers.map((s) => serverHealth(s, snapshot));
  const up = health.filter((h) => h === 'up' || h === 'unchecked').length;
  const unknown = health.filter((h) => h === 'unknown').length;
  const total = servers.length;
  const meets = (count: number): boolean =>
    total > 0 &&
    (need.minUp === undefined || count >= need.minUp) &&
    (need.minUpPercent === undefined || reachesPercent(count, total, need.minUpPercent));
  return { backend: name, found: true, up, total, need: describeThresholds(need), enough: meets(up), unknown, enoughIfUnknownUp: meets(up + unknown) };
}

/**
 * Whether up/total reaches `percent` %, exactly for the decimal the config wrote. Floating point
 * falls short at the threshold itself: 29 / 100 * 100 < 29, and 161 * 100 < 64.4 * 250.
 */
function reachesPercent(up: number, total: number, percent: number): boolean {
  const { digits, scale } = decimalOf(percent);
  return BigInt(up) * 100n * 10n ** BigInt(scale) >= digits * BigInt(total);
}

/** `value` (positive) as digits / 10^scale, from its shortest decimal form (exponent form too: 1e-7). */
function decimalOf(value: number): { digits: bigint; scale: number } {
  const [mantissa = '', exponent = '0'] = String(value).split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = BigInt(whole + fraction);
  const scale = fraction.length - Number(exponent);
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

function describeBackend(count: CountedBackend): string {
  if (!count.found) return `${count.backend}: not found in HAProxy stats`;
  const unknown = count.unknown > 0 ? `, ${count.unknown} not checked yet since HAProxy's (re)start` : '';
  return `${count.backend}: ${count.up}/${count.total} servers up${unknown}, need ${count.need}`;
}

function describeThresholds(need: Thresholds): string {
  return [need.minUp !== undefined ? `≥ ${need.minUp}` : undefined, need.minUpPercent !== undefined ? `≥ ${need.minUpPercent}%` : undefined]
    .filter(Boolean)
    .join(' and ');
}
