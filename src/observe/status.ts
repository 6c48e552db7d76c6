import { redactUrlCredentials } from '../config/redact-url-credentials.js';
import type { ServiceConfig } from '../config/types.js';
import type { RouteRecord } from '../engine/tick.js';
import { formatAnnounce } from '../exabgp/format-command.js';
import { decayed, suppressedUntil } from '../health/dampening.js';
import type { Observation } from './observation.js';
import { wallMs, type Clock } from './plugin-metrics.js';
import type { PluginStatus, RouteStatus, ServiceStatus } from './plugin-status.js';

/** What /status says about the process itself. */
export interface ProcessFacts {
  version: string;
  pid: number;
  startedAtMs: number;
}

/** GET /status: the plugin as its observer last saw it, at `clock`. Pure. */
export function pluginStatus(observation: Observation, clock: Clock, facts: ProcessFacts): PluginStatus {
  const iso = (at: number): string => new Date(wallMs(clock, at)).toISOString();
  const { config, lastGoodPollAt, lastReload } = observation;
  return {
    version: facts.version,
    pid: facts.pid,
    startedAt: new Date(facts.startedAtMs).toISOString(),
    now: new Date(clock.wallMs).toISOString(),
    statsSource: config && redactUrlCredentials(config.stats.source),
    lastGoodPollAt: lastGoodPollAt === undefined ? null : iso(lastGoodPollAt),
    lastGoodPollAgeMs: lastGoodPollAt === undefined ? null : Math.max(0, Math.round(clock.perfMs - lastGoodPollAt)),
    statsError: observation.statsError,
    events: observation.events,
    neighbors: [...observation.neighbors].map(([address, { state, since }]) => ({ address, state, since: iso(since) })),
    services: (config?.services ?? []).map((service) => serviceStatus(observation, service, iso, facts.startedAtMs, clock.perfMs)),
    lastReload: lastReload === undefined ? null : { at: iso(lastReload.at), ok: lastReload.result.ok, error: lastReload.result.ok ? null : lastReload.result.error },
  };
}

function serviceStatus(observation: Observation, service: ServiceConfig, iso: (at: number) => string, startedAtMs: number, now: number): ServiceStatus {
  const health = observation.state?.health.get(service.name);
  const verdict = observation.verdicts.get(service.name);
  const reason = verdict?.reason ?? 'waiting for the first poll';
  return {
    name: service.name,
    verdict: health?.settled ?? 'init',
    phase: health?.phase ?? 'init',
    since: health ? iso(health.settledAt) : new Date(startedAtMs).toISOString(),
    reason,
    mode: verdict?.mode ?? 'withdrawn',
    backends: verdict?.backends ?? [],
    routes: service.prefixes.map((prefix) => routeStatus(prefix, observation.state?.routes.get(prefix), reason, iso)),
    dampening: dampeningStatus(observation, service, iso, now),
  };
}

/** The penalty as of `now`, not as of the last poll: it decays between polls. */
function dampeningStatus(observation: Observation, service: ServiceConfig, iso: (at: number) => string, now: number): ServiceStatus['dampening'] {
  const settings = service.dampening;
  if (settings === undefined) return null;
  const state = observation.state?.dampening.get(service.name);
  if (state === undefined) return { penalty: 0, suppressedUntil: null };
  const until = suppressedUntil(settings, state, now);
  return { penalty: Math.round(decayed(settings, state, now).penalty), suppressedUntil: until === undefined ? null : iso(until) };
}

function routeStatus(prefix: string, record: RouteRecord | undefined, serviceReason: string, iso: (at: number) => string): RouteStatus {
  if (record === undefined || record.status === 'unknown') {
    return {
      prefix,
      state: 'withdrawn',
      command: null,
      nextHop: null,
      neighbors: [],
      asPath: [],
      med: null,
      localPreference: null,
      communities: [],
      largeCommunities: [],
      why: record === undefined ? serviceReason : 'not decided yet: the first poll announces it or withdraws what an earlier instance may have left',
    };
  }
  const { route } = record;
  const { asPath = [], med, localPreference, communities = [], largeCommunities = [] } = route.attributes;
  const state = record.status === 'accepted' ? 'announced' : record.status === 'sent' ? 'pending' : 'rejected';
  const why = {
    announced: null,
    pending: 'sent to ExaBGP, no answer yet (with exabgp.api.ack false none ever comes)',
    rejected: `ExaBGP answered "error" ${record.rejections} time(s) in a row (is the process in the neighbor's api block?); sending it again${record.retryAt === undefined ? '' : ` at ${iso(record.retryAt)}`}`,
  }[state];
  return {
    prefix,
    state,
    command: formatAnnounce(route),
    nextHop: route.nextHop,
    neighbors: route.neighbors,
    asPath,
    med: med ?? null,
    localPreference: localPreference ?? null,
    communities,
    largeCommunities,
    why,
  };
}

