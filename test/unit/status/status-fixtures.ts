import type { PluginStatus, RouteStatus, ServiceStatus } from '../../../src/observe/plugin-status.js';

export const now = '2025-03-01T10:00:00.000Z';
/** An ISO time `ms` before `now`. */
export const ago = (ms: number) => new Date(Date.parse(now) - ms).toISOString();

export function route(overrides: Partial<RouteStatus> = {}): RouteStatus {
  return {
    prefix: '198.18.0.100/32',
    state: 'announced',
    command: 'announce route 198.18.0.100/32 next-hop self as-path [ 65010 ]',
    nextHop: 'self',
    neighbors: [],
    asPath: [65010],
    med: null,
    localPreference: null,
    communities: [],
    largeCommunities: [],
    why: null,
    ...overrides,
  };
}

export function withdrawn(prefix: string, why: string): RouteStatus {
  return route({ prefix, state: 'withdrawn', command: null, nextHop: null, asPath: [], why });
}

export function service(overrides: Partial<ServiceStatus> = {}): ServiceStatus {
  return {
    name: 'www',
    verdict: 'up',
    phase: 'up',
    since: ago(252_000),
    reason: 'be_app: 2/2 servers up, need ≥ 1',
    mode: 'announced',
    backends: [{ backend: 'be_app', found: true, up: 2, total: 2, need: '≥ 1', enough: true }],
    routes: [route()],
    dampening: null,
    ...overrides,
  };
}

export function status(overrides: Partial<PluginStatus> = {}): PluginStatus {
  return {
    version: '0.1.0',
    pid: 4242,
    startedAt: ago(3_723_000),
    now,
    statsSource: 'unix:/run/haproxy/admin.sock',
    lastGoodPollAt: ago(180),
    lastGoodPollAgeMs: 180,
    statsError: null,
    events: null,
    neighbors: [{ address: '198.18.1.1', state: 'up', since: ago(250_000) }],
    services: [service()],
    lastReload: null,
    ...overrides,
  };
}
