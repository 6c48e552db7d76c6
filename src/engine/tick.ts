import type { Config, ServiceConfig } from '../config/types.js';
import { configuredRoutes, desiredRoutes, routeChanges, sameAnnouncement, type RouteMode } from '../exabgp/desired-routes.js';
import { describeCommand, type Command, type Route } from '../exabgp/format-command.js';
import type { StatsSnapshot } from '../haproxy/parse-stats-csv.js';
import { haproxyIsNotRunning } from '../haproxy/poll-error-reason.js';
import { serverHealth } from '../haproxy/server-health.js';
import { decayed, penalize, suppressedUntil, undampened, type DampeningState } from '../health/dampening.js';
import { evaluateService, type BackendCount } from '../health/evaluate-service.js';
import { initialHealthState, nextHealthState, type HealthState, type Signal } from '../health/health-machine.js';
import type { LogEvent } from '../log/log-event.js';

/**
 * A route ExaBGP may hold for us, keyed by prefix in EngineState.routes.
 * - unknown: configured, and an earlier instance may have left it announced; the first poll decides.
 * - sent: written, no answer yet.
 * - accepted: ExaBGP answered `done`.
 * - rejected: ExaBGP answered `error`, so it is not announced; re-sent at `retryAt`.
 */
export interface RouteRecord {
  service: string | undefined;
  route: Route;
  status: 'unknown' | 'sent' | 'accepted' | 'rejected';
  /** Rejections in a row, for the back-off. */
  rejections: number;
  retryAt?: number;
}

/** Everything the plugin remembers between polls. */
export interface EngineState {
  health: Map<string, HealthState>;
  /** Route dampening, for the services that configure it. */
  dampening: Map<string, DampeningState>;
  /** What we asked ExaBGP to announce and have not taken back, by prefix. */
  routes: Map<string, RouteRecord>;
  lastGoodPollAt: number | undefined;
  /** The current stats failure, so it is logged when it starts, changes or ends, not every poll. */
  statsError: string | undefined;
  /** Servers without health checks already warned about. */
  uncheckedWarned: Set<string>;
  /**
   * When each service's current run of undecided polls began (servers HAProxy has not checked
   * yet would tip the verdict): its last verdict holds for staleMs from here. Failed polls leave
   * it alone; a decided poll or maintenance ends it.
   */
  undecidedSince: Map<string, number>;
}

/** One poll of the stats source: a parsed snapshot, or why there is none. */
export type PollResult = { ok: true; snapshot: StatsSnapshot } | { ok: false; error: string };

export interface TickInput {
  poll: PollResult;
  /** The maintenance file exists. */
  disabled: boolean;
  now: number;
  /** Peers ExaBGP told us of: "every neighbor" when a route sent to all of them is narrowed to some. */
  knownNeighbors: ReadonlySet<string>;
}

/** Where one service stands after a poll, and why: what dry-run prints and run logs. */
export interface ServiceVerdict {
  service: string;
  phase: HealthState['phase'];
  reason: string;
  /** Per-backend counts; none when the stats were unreadable or the service is in maintenance. */
  backends: BackendCount[];
  mode: RouteMode;
}

export interface TickOutput {
  state: EngineState;
  commands: Command[];
  events: LogEvent[];
  verdicts: ServiceVerdict[];
}

/**
 * A fresh start. Every configured route counts as possibly announced: ExaBGP keeps what a dead
 * instance announced, so the first poll either announces each route or withdraws it.
 */
export function initialEngineState(config: Config, now: number): EngineState {
  const routes = new Map<string, RouteRecord>();
  for (const service of config.services) {
    for (const route of configuredRoutes(service)) routes.set(route.prefix, { service: service.name, route, status: 'unknown', rejections: 0 });
  }
  return {
    health: new Map(config.services.map((s) => [s.name, initialHealthState(now)])),
    dampening: new Map(dampenedServices(config).map((s) => [s.name, undampened(now)])),
    routes,
    lastGoodPollAt: undefined,
    statsError: undefined,
    uncheckedWarned: new Set(),
    undecidedSince: new Map(),
  };
}

function dampenedServices(config: Config): ServiceConfig[] {
  return config.services.filter((s) => s.dampening !== undefined);
}

/** Withdraw everything that may be announced (clean shutdown, or a core that cannot decide). */
export function withdrawEverything(state: EngineState): { state: EngineState; commands: Command[] } {
  const commands: Command[] = [...state.routes.values()].map((r) => ({ kind: 'withdraw', service: r.service, route: r.route }));
  return { state: { ...state, routes: new Map() }, commands };
}

/** Re-send what ExaBGP should hold, e.g. when a neighbor comes up. */
export function resendCommands(state: EngineState): Command[] {
  return [...state.routes.values()]
    .filter((r) => r.status === 'sent' || r.status === 'accepted')
    .map((r) => ({ kind: 'announce', service: r.service, route: r.route }));
}

/** After a config reload: services keep their health and penalty by name; routes are reconciled by the next tick. */
export function reloadEngineState(state: EngineState, config: Config, now: number): EngineState {
  return {
    ...state,
    health: new Map(config.services.map((s) => [s.name, state.health.get(s.name) ?? initialHealthState(now)])),
    dampening: new Map(dampenedServices(config).map((s) => [s.name, state.dampening.get(s.name) ?? undampened(now)])),
  };
}

/** One poll: observations → state machine → route changes → commands and log events. Pure. */
export function tick(config: Config, state: EngineState, input: TickInput): TickOutput {
  const { poll, now } = input;
  const events: LogEvent[] = [];
  const commands: Command[] = [];
  const verdicts: ServiceVerdict[] = [];
  const health = new Map<string, HealthState>();
  const dampening = new Map<string, DampeningState>();
  const routes = new Map(state.routes);
  const uncheckedWarned = new Set(state.uncheckedWarned);
  const undecidedSince = new Map<string, number>();
  const configured = new Set<string>();
  const statsError = poll.ok ? undefined : poll.error;
  const lastGoodPollAt = poll.ok ? now : state.lastGoodPollAt;

  if (statsError !== state.statsError) events.push(statsEvent(statsError, config));
  if (poll.ok) events.push(...uncheckedServerWarnings(config, poll.snapshot, uncheckedWarned));

  for (const service of config.services) {
    const before = state.health.get(service.name) ?? initialHealthState(now);
    const observed = observe(config, service, before, input, lastGoodPollAt, state.undecidedSince.get(service.name));
    const { signal, backends } = observed;
    if (observed.undecidedSince !== undefined) undecidedSince.set(service.name, observed.undecidedSince);
    const after = signal === undefined ? before : nextHealthState(before, signal, config, now);
    health.set(service.name, after);
    const healthMode = routeMode(service, after, now);
    const damped = dampen(service, state, after, healthMode, observed.reason, now);
    if (damped.state) dampening.set(service.name, damped.state);
    const { mode, reason } = damped;
    verdicts.push({ service: service.name, phase: after.phase, reason, backends, mode });

    const desired = new Map(desiredRoutes(service, mode).map((route) => [route.prefix, route]));
    const changes: Command[] = [];
    for (const prefix of service.prefixes) {
      configured.add(prefix);
      const record = routes.get(prefix);
      const want = desired.get(prefix);
      // A rejected route is re-sent on its own back-off (retryDue), not on every poll.
      if (record && want && record.status !== 'unknown' && sameAnnouncement(record.route, want)) continue;
      changes.push(...routeChanges(service.name, record?.route, want, input.knownNeighbors));
      if (want) routes.set(prefix, { service: service.name, route: want, status: 'sent', rejections: 0 });
      else routes.delete(prefix);
    }
    commands.push(...changes);
    // A good poll that changes nothing is a hold on an undecided verdict.
    const holdBegan = signal === undefined && poll.ok && !state.undecidedSince.has(service.name);
    const undecidedEnded = state.undecidedSince.has(service.name) && !undecidedSince.has(service.name);
    if (after.phase !== before.phase || changes.length > 0) events.push(stateEvent(service, before, after, reason, changes));
    else if (holdBegan || undecidedEnded) events.push(holdEvent(service, after, reason, holdBegan));
  }

  // Routes of services (or prefixes) that a reload removed.
  for (const [prefix, record] of routes) {
    if (configured.has(prefix)) continue;
    routes.delete(prefix);
    const command: Command = { kind: 'withdraw', service: record.service, route: record.route };
    commands.push(command);
    events.push({ level: 'info', event: 'routeRemoved', message: `route no longer configured; ${describeCommand(command)}`, reason: 'notConfigured' });
  }

  return { state: { health, dampening, routes, lastGoodPollAt, statsError, uncheckedWarned, undecidedSince }, commands, events, verdicts };
}

/**
 * Route dampening's say on a service's routes. A penalty comes with each withdraw that the service
 * going down causes (unhealthy, or stats lost): not maintenance, the first poll or a reload.
 * While suppressed the routes stay withdrawn, so no further withdraw can add to the penalty.
 */
function dampen(
  service: ServiceConfig,
  before: EngineState,
  after: HealthState,
  healthMode: RouteMode,
  reason: string,
  now: number,
): { mode: RouteMode; reason: string; state?: DampeningState } {
  const settings = service.dampening;
  if (settings === undefined) return { mode: healthMode, reason };
  const previous = before.dampening.get(service.name) ?? undampened(now);
  // Routes of ours that are announced (or being announced): "unknown" ones are an earlier instance's.
  const announced = service.prefixes.some((prefix) => {
    const status = before.routes.get(prefix)?.status;
    return status !== undefined && status !== 'unknown';
  });
  const withdrawn = announced && healthMode === 'withdrawn' && after.settled === 'down';
  const state = withdrawn ? penalize(settings, previous, now) : decayed(settings, previous, now);
  const until = suppressedUntil(settings, state, now);
  const penalty = Math.round(state.penalty);
  if (until !== undefined) {
    const seconds = Math.ceil((until - now) / 1000);
    return { mode: 'withdrawn', reason: `${reason}; suppressed until ${seconds} s from now: flap penalty ${penalty}, reuse below ${settings.reuseBelow}`, state };
  }
  if (withdrawn) return { mode: healthMode, reason: `${reason}; flap penalty ${penalty}, suppressed above ${settings.suppressAbove}`, state };
  if (previous.suppressed) return { mode: healthMode, reason: `${reason}; no longer suppressed: flap penalty ${penalty} is below ${settings.reuseBelow}`, state };
  return { mode: healthMode, reason, state };
}

interface Observation {
  signal: Signal | undefined;
  reason: string;
  backends: BackendCount[];
  /** The start of the service's run of undecided polls, while it lasts. */
  undecidedSince: number | undefined;
}

/**
 * What this poll says of a service. An undecided snapshot (servers HAProxy has not checked yet, as
 * after its reload, would tip the verdict) holds the last verdict for staleMs from the first such
 * poll, then counts as unhealthy. With no verdict to hold (first poll, maintenance just ended) it
 * counts as unhealthy at once: the first poll decides, and unknown is not healthy.
 */
function observe(
  config: Config,
  service: ServiceConfig,
  before: HealthState,
  { poll, disabled, now }: TickInput,
  lastGoodPollAt: number | undefined,
  undecidedBefore: number | undefined,
): Observation {
  if (disabled) return { signal: 'disabled', reason: `maintenance file ${config.disableFile} exists`, backends: [], undecidedSince: undefined };
  if (!poll.ok) {
    const failed = { backends: [], undecidedSince: undecidedBefore };
    if (config.onStatsError === 'withdraw') return { ...failed, signal: 'unhealthy', reason: `stats unavailable: ${poll.error}` };
    if (haproxyIsNotRunning(poll.error)) return { ...failed, signal: 'unhealthy', reason: `HAProxy is not running, not held: ${poll.error}` };
    if (lastGoodPollAt !== undefined && now - lastGoodPollAt < config.staleMs) {
      return { ...failed, signal: undefined, reason: `stats unavailable, holding: ${poll.error}` };
    }
    const since = lastGoodPollAt === undefined ? 'no good poll yet' : `longer than staleMs (${config.staleMs} ms)`;
    return { ...failed, signal: 'lost', reason: `stats unavailable, ${since}: ${poll.error}` };
  }
  const result = evaluateService(service, poll.snapshot, before.settled === 'up');
  const { reason, backends } = result;
  if (!result.undecided) return { signal: result.healthy ? 'healthy' : 'unhealthy', reason, backends, undecidedSince: undefined };
  const undecidedSince = undecidedBefore ?? now;
  if (before.settled !== 'up' && before.settled !== 'down') {
    return { signal: 'unhealthy', reason: `${reason}; no verdict to hold yet`, backends, undecidedSince };
  }
  if (now - undecidedSince < config.staleMs) {
    return { signal: undefined, reason: `${reason}; holding the last verdict (${before.settled}) for up to staleMs (${config.staleMs} ms)`, backends, undecidedSince };
  }
  return { signal: 'unhealthy', reason: `${reason}; not checked for longer than staleMs (${config.staleMs} ms)`, backends, undecidedSince };
}

/** Which routes a service's state calls for. Only settled states decide; rising/falling keep the route. */
export function routeMode(service: ServiceConfig, state: HealthState, now: number): RouteMode {
  switch (state.settled) {
    case 'up':
      return 'announced';
    case 'init':
      return 'withdrawn';
    default: {
      if (service.onDown === 'withdraw') return 'withdrawn';
      const limit = service.onDown.withdrawAfterMs;
      return limit !== undefined && now - state.settledAt >= limit ? 'withdrawn' : 'degraded';
    }
  }
}

function stateEvent(service: ServiceConfig, before: HealthState, after: HealthState, reason: string, changes: Command[]): LogEvent {
  const change = after.phase === before.phase ? `${after.phase}` : `${before.phase} → ${after.phase}`;
  const actions = changes.map(describeCommand).join(', ');
  return {
    level: after.phase === 'down' || after.phase === 'falling' ? 'warn' : 'info',
    event: 'stateChange',
    service: service.name,
    from: before.phase,
    to: after.phase,
    reason,
    message: `${service.name}: ${change} (${reason})${actions ? `; ${actions}` : ''}`,
  };
}

/** A hold on an undecided verdict began, or ended, without changing the phase. */
function holdEvent(service: ServiceConfig, state: HealthState, reason: string, holding: boolean): LogEvent {
  return {
    level: 'info',
    event: holding ? 'verdictHeld' : 'verdictHoldEnded',
    service: service.name,
    reason,
    message: `${service.name}: ${state.phase} (${reason})${holding ? '' : '; no longer holding'}`,
  };
}

function statsEvent(error: string | undefined, config: Config): LogEvent {
  if (error === undefined) {
    return { level: 'info', event: 'statsRecovered', message: `stats source is readable again`, reason: 'statsRecovered' };
  }
  const policy =
    config.onStatsError === 'withdraw' || haproxyIsNotRunning(error) ? 'counted as unhealthy' : `holding state for up to ${config.staleMs} ms`;
  return { level: 'error', event: 'statsUnavailable', message: `stats unavailable (${policy}): ${error}`, reason: error };
}

function uncheckedServerWarnings(config: Config, snapshot: StatsSnapshot, warned: Set<string>): LogEvent[] {
  const events: LogEvent[] = [];
  for (const service of config.services) {
    for (const backendName of service.health.backends) {
      for (const server of snapshot.backends.get(backendName)?.servers ?? []) {
        const key = `${backendName}/${server.name}`;
        if (serverHealth(server, snapshot) !== 'unchecked' || warned.has(key)) continue;
        warned.add(key);
        events.push({
          level: 'warn',
          event: 'serverUnchecked',
          service: service.name,
          message: `${service.name}: ${key} has no health check ("no check"); it counts as up, but its health is unknown — add "check" to the server line`,
        });
      }
    }
  }
  return events;
}
