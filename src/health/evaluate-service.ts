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
  const backends = health.backends.map((name) => countBackend(name, snapshot, health.countBackup, need));
  const enoughBackends = health.mode === 'any' ? backends.some((b) => b.enough) : backends.every((b) => b.enough);
  const reasons = backends.map((b) => describeBackend(b));

  let frontendOk = true;
  if (health.frontend !== undefined) {
    const status = snapshot.frontends.get(health.frontend)?.status;
    frontendOk = status === 'OPEN';
    if (!frontendOk) reasons.push(`frontend ${health.frontend}: ${status ?? 'not found in HAProxy stats'}, need OPEN`);
  }
  return { healthy: enoughBackends && frontendOk, reason: reasons.join('; '), backends };
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

function countBackend(name: string, snapshot: StatsSnapshot, countBackup: boolean, need: Thresholds): BackendCount {
  const backend = snapshot.backends.get(name);
  if (!backend) return { backend: name, found: false, up: 0, total: 0, need: describeThresholds(need), enough: false };
  const servers = backend.servers.filter((s) => countBackup || !s.backup);
  const up = servers.filter((s) => serverHealth(s, snapshot) !== 'down').length;
  const total = servers.length;
  const enough =
    total > 0 &&
    (need.minUp === undefined || up >= need.minUp) &&
    (need.minUpPercent === undefined || reachesPercent(up, total, need.minUpPercent));
  return { backend: name, found: true, up, total, need: describeThresholds(need), enough };
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

function describeBackend(count: BackendCount): string {
  if (!count.found) return `${count.backend}: not found in HAProxy stats`;
  return `${count.backend}: ${count.up}/${count.total} servers up, need ${count.need}`;
}

function describeThresholds(need: Thresholds): string {
  return [need.minUp !== undefined ? `≥ ${need.minUp}` : undefined, need.minUpPercent !== undefined ? `≥ ${need.minUpPercent}%` : undefined]
    .filter(Boolean)
    .join(' and ');
}
