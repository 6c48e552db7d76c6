import type { Config, ServiceConfig } from '../config/types.js';
import { desiredRoutes, diffRoutes, withdrawLines, type RouteMode, type RouteTable } from '../exabgp/desired-routes.js';
import type { StatsSnapshot } from '../haproxy/parse-stats-csv.js';
import { serverHealth } from '../haproxy/server-health.js';
import { evaluateService } from '../health/evaluate-service.js';
import { initialHealthState, nextHealthState, type HealthState, type Signal } from '../health/health-machine.js';
import type { LogEvent } from '../log/log-event.js';

/** Everything the plugin remembers between polls. */
export interface EngineState {
  health: Map<string, HealthState>;
  /** What we told ExaBGP and have not taken back. */
  announced: RouteTable;
  lastGoodPollAt: number | undefined;
  /** The current stats failure, so it is logged when it starts, changes or ends, not every poll. */
  statsError: string | undefined;
  /** Servers without health checks already warned about. */
  uncheckedWarned: Set<string>;
}

/** One poll of the stats source: a parsed snapshot, or why there is none. */
export type PollResult = { ok: true; snapshot: StatsSnapshot } | { ok: false; error: string };

export interface TickInput {
  poll: PollResult;
  /** The maintenance file exists. */
  disabled: boolean;
  now: number;
}

/** A line for ExaBGP and the service it belongs to (none for routes a reload removed). */
export interface Command {
  service: string | undefined;
  line: string;
}

export interface TickOutput {
  state: EngineState;
  commands: Command[];
  events: LogEvent[];
}

export function initialEngineState(config: Config, now: number): EngineState {
  return {
    health: new Map(config.services.map((s) => [s.name, initialHealthState(now)])),
    announced: new Map(),
    lastGoodPollAt: undefined,
    statsError: undefined,
    uncheckedWarned: new Set(),
  };
}

/** Start withdrawn: an earlier instance of the process may have left routes announced in ExaBGP. */
export function startupCommands(config: Config): Command[] {
  return config.services.flatMap((service) => withdrawLines(service).map((line) => ({ service: service.name, line })));
}

/** Withdraw everything we announced (clean shutdown). */
export function shutdownCommands(state: EngineState): string[] {
  return [...state.announced.keys()];
}

/** Re-send what we announced, e.g. when a neighbor comes up. */
export function resendCommands(state: EngineState): string[] {
  return [...state.announced.values()];
}

/** After a config reload: services keep their health by name; routes no longer configured are withdrawn by the next tick. */
export function reloadEngineState(state: EngineState, config: Config, now: number): EngineState {
  return {
    ...state,
    health: new Map(config.services.map((s) => [s.name, state.health.get(s.name) ?? initialHealthState(now)])),
  };
}

/** One poll: observations → state machine → route changes → commands and log events. Pure. */
export function tick(config: Config, state: EngineState, input: TickInput): TickOutput {
  const { poll, disabled, now } = input;
  const events: LogEvent[] = [];
  const commands: Command[] = [];
  const health = new Map<string, HealthState>();
  const announced: RouteTable = new Map(state.announced);
  const uncheckedWarned = new Set(state.uncheckedWarned);
  const configured = new Set<string>();
  const statsError = poll.ok ? undefined : poll.error;
  const lastGoodPollAt = poll.ok ? now : state.lastGoodPollAt;

  if (statsError !== state.statsError) events.push(statsEvent(statsError, config));
  if (poll.ok) events.push(...uncheckedServerWarnings(config, poll.snapshot, uncheckedWarned));

  for (const service of config.services) {
    const before = state.health.get(service.name) ?? initialHealthState(now);
    const { signal, reason } = observe(config, service, before, input, lastGoodPollAt);
    const after = signal === undefined ? before : nextHealthState(before, signal, config, now);
    health.set(service.name, after);

    const desired = desiredRoutes(service, routeMode(service, after, now));
    const names = withdrawLines(service);
    for (const name of names) configured.add(name);
    const lines = diffRoutes(announced, desired, names);
    for (const name of names) {
      const line = desired.get(name);
      if (line === undefined) announced.delete(name);
      else announced.set(name, line);
    }
    commands.push(...lines.map((line) => ({ service: service.name, line })));
    if (after.phase !== before.phase || lines.length > 0) {
      events.push(stateEvent(service, before, after, reason, lines));
    }
  }

  // Routes of services that a reload removed.
  for (const name of [...announced.keys()].filter((n) => !configured.has(n))) {
    announced.delete(name);
    commands.push({ service: undefined, line: name });
    events.push({ level: 'info', event: 'routeRemoved', message: `route no longer configured; ${describeLine(name)}`, reason: 'notConfigured' });
  }

  return { state: { health, announced, lastGoodPollAt, statsError, uncheckedWarned }, commands, events };
}

function observe(
  config: Config,
  service: ServiceConfig,
  before: HealthState,
  { poll, disabled, now }: TickInput,
  lastGoodPollAt: number | undefined,
): { signal: Signal | undefined; reason: string } {
  if (disabled) return { signal: 'disabled', reason: `maintenance file ${config.disableFile} exists` };
  if (!poll.ok) {
    if (config.onStatsError === 'withdraw') return { signal: 'unhealthy', reason: `stats unavailable: ${poll.error}` };
    if (lastGoodPollAt !== undefined && now - lastGoodPollAt < config.staleMs) {
      return { signal: undefined, reason: `stats unavailable, holding: ${poll.error}` };
    }
    return { signal: 'lost', reason: `stats unavailable for longer than staleMs (${config.staleMs} ms): ${poll.error}` };
  }
  const result = evaluateService(service, poll.snapshot, before.settled === 'up');
  return { signal: result.healthy ? 'healthy' : 'unhealthy', reason: result.reason };
}

/** Which routes a service's state calls for. Only settled states decide; rising/falling keep the route. */
function routeMode(service: ServiceConfig, state: HealthState, now: number): RouteMode {
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

function stateEvent(service: ServiceConfig, before: HealthState, after: HealthState, reason: string, lines: string[]): LogEvent {
  const change = after.phase === before.phase ? `${after.phase}` : `${before.phase} → ${after.phase}`;
  const actions = lines.map(describeLine).join(', ');
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

/** "withdraw 9.9.9.9/32" or "announce 9.9.9.9/32 as-path [ 65010 ]" — the line without its routine parts. */
function describeLine(line: string): string {
  return line.replace(/^.*?(announce|withdraw) route /, '$1 ').replace(/ next-hop \S+/, '');
}

function statsEvent(error: string | undefined, config: Config): LogEvent {
  if (error === undefined) {
    return { level: 'info', event: 'statsRecovered', message: `stats source is readable again`, reason: 'statsRecovered' };
  }
  const policy = config.onStatsError === 'withdraw' ? 'counted as unhealthy' : `holding state for up to ${config.staleMs} ms`;
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
