// Independent models for checking tick: ExaBGP's table (what the commands leave at each peer) and
// the engine's decision (which routes a service should have, from the oracle's health verdict and
// the health reference model). Shares no logic with src/engine; only types and the command format.
//
//   new ExabgpTable(neighbors).apply(commands)   replays commands as ExaBGP would hold them
//   tableOfRecords(state.routes, neighbors)      what the engine's state says it announced
//   new EngineModel(config)                      .step(observation) → each service's phase and mode
//   expectedTable(config, model, neighbors)      the routes the model calls for
import type { Config, RouteAttributes, ServiceConfig } from '../../src/config/types.js';
import type { RouteRecord } from '../../src/engine/tick.js';
import { formatAnnounce, type Command, type Route } from '../../src/exabgp/format-command.js';
import type { StatsSnapshot } from '../../src/haproxy/parse-stats-csv.js';
import type { Phase, Signal } from '../../src/health/health-machine.js';
import { initialHealthModel, modelPhase, stepHealthModel, type HealthModel } from './health-model.js';
import { oracleVerdict } from './stats-oracle.js';

/** One route at one peer: "neighbor prefix → announce line" (the line without its neighbor part). */
export type TableEntries = string[];

/**
 * ExaBGP's adj-rib-out as the API changes it: an announce sets the prefix's line for the neighbors
 * it names (all of them when it names none), a withdraw deletes the prefix for those neighbors.
 */
export class ExabgpTable {
  private readonly routes = new Map<string, string>();
  /** Which services ever announced each prefix. */
  readonly announcers = new Map<string, Set<string | undefined>>();

  constructor(private readonly neighbors: readonly string[]) {}

  /** What an earlier instance may have left: `route` announced with other attributes. */
  leave(route: Route): void {
    for (const neighbor of targets(route, this.neighbors)) this.routes.set(`${neighbor} ${route.prefix}`, formatAnnounce({ ...route, neighbors: [], attributes: { med: 999 } }));
  }

  apply(commands: readonly Command[]): void {
    for (const command of commands) {
      if (command.kind === 'query') continue;
      const { route } = command;
      for (const neighbor of targets(route, this.neighbors)) {
        const key = `${neighbor} ${route.prefix}`;
        if (command.kind === 'withdraw') this.routes.delete(key);
        else this.routes.set(key, formatAnnounce({ ...route, neighbors: [] }));
      }
      if (command.kind === 'announce') {
        const services = this.announcers.get(route.prefix) ?? new Set();
        this.announcers.set(route.prefix, services.add(command.service));
      }
    }
  }

  entries(): TableEntries {
    return entriesOf(this.routes);
  }

  /** The prefixes announced to at least one neighbor. */
  prefixes(): Set<string> {
    return new Set([...this.routes.keys()].map((key) => key.slice(key.indexOf(' ') + 1)));
  }
}

/** The table the engine's state accounts for: every route it sent and has not taken back. */
export function tableOfRecords(records: ReadonlyMap<string, RouteRecord>, neighbors: readonly string[]): TableEntries {
  const routes = new Map<string, string>();
  for (const { route, status } of records.values()) {
    if (status === 'unknown') continue;
    for (const neighbor of targets(route, neighbors)) routes.set(`${neighbor} ${route.prefix}`, formatAnnounce({ ...route, neighbors: [] }));
  }
  return entriesOf(routes);
}

/** One poll as the model sees it: the oracle's snapshot, or none when the stats were unreadable. */
export interface Observation {
  snapshot: StatsSnapshot | undefined;
  disabled: boolean;
  now: number;
}

export type ModelMode = 'announced' | 'degraded' | 'withdrawn';

/** The engine's decisions, from the rules in words (see README "How it behaves"). */
export class EngineModel {
  readonly health = new Map<string, HealthModel>();
  private lastGoodPollAt: number | undefined;
  /** Per service, the first poll of the current run of undecided ones (failed polls do not end a run). */
  private readonly undecidedFrom = new Map<string, number>();
  private now = 0;

  constructor(private readonly config: Config) {
    for (const service of config.services) this.health.set(service.name, initialHealthModel(0));
  }

  step({ snapshot, disabled, now }: Observation): void {
    this.now = now;
    if (snapshot !== undefined) this.lastGoodPollAt = now;
    for (const service of this.config.services) {
      const before = this.health.get(service.name) ?? initialHealthModel(0);
      const signal = this.signal(service, before, snapshot, disabled);
      if (signal !== undefined) this.health.set(service.name, stepHealthModel(before, signal, this.config, now));
    }
  }

  phase(service: ServiceConfig): Phase {
    return modelPhase(this.health.get(service.name) ?? initialHealthModel(0));
  }

  mode(service: ServiceConfig): ModelMode {
    const { settled, settledAt } = this.health.get(service.name) ?? initialHealthModel(0);
    if (settled === 'up') return 'announced';
    if (settled === 'init' || service.onDown === 'withdraw') return 'withdrawn';
    const { withdrawAfterMs } = service.onDown;
    return withdrawAfterMs !== undefined && this.now - settledAt >= withdrawAfterMs ? 'withdrawn' : 'degraded';
  }

  /**
   * A failed poll counts as unhealthy, or with "hold" changes nothing for up to staleMs and then is lost.
   * An undecided snapshot (unknown servers would tip it) changes nothing for up to staleMs from the
   * first of a run of them, then counts as unhealthy; with no up or down verdict yet it is unhealthy.
   */
  private signal(service: ServiceConfig, before: HealthModel, snapshot: StatsSnapshot | undefined, disabled: boolean): Signal | undefined {
    if (disabled) {
      this.undecidedFrom.delete(service.name);
      return 'disabled';
    }
    if (snapshot !== undefined) {
      const verdict = oracleVerdict(service.health, snapshot, before.settled === 'up');
      if (verdict !== 'undecided') {
        this.undecidedFrom.delete(service.name);
        return verdict;
      }
      const from = this.undecidedFrom.get(service.name) ?? this.now;
      this.undecidedFrom.set(service.name, from);
      const hasVerdict = before.settled === 'up' || before.settled === 'down';
      return hasVerdict && this.now - from < this.config.staleMs ? undefined : 'unhealthy';
    }
    if (this.config.onStatsError === 'withdraw') return 'unhealthy';
    const holding = this.lastGoodPollAt !== undefined && this.now - this.lastGoodPollAt < this.config.staleMs;
    return holding ? undefined : 'lost';
  }
}

/** The table the model calls for: each service's prefixes with its own attributes, the degraded ones, or nothing. */
export function expectedTable(config: Config, model: EngineModel, neighbors: readonly string[]): TableEntries {
  const routes = new Map<string, string>();
  for (const service of config.services) {
    const mode = model.mode(service);
    if (mode === 'withdrawn') continue;
    const attributes = mode === 'announced' ? ownAttributes(service) : { ...ownAttributes(service), ...ownAttributes(service.onDown as RouteAttributes) };
    for (const prefix of service.prefixes) {
      const route: Route = { prefix, nextHop: service.nextHop, neighbors: service.neighbors, attributes };
      for (const neighbor of targets(route, neighbors)) routes.set(`${neighbor} ${prefix}`, formatAnnounce({ ...route, neighbors: [] }));
    }
  }
  return entriesOf(routes);
}

function ownAttributes(from: RouteAttributes): RouteAttributes {
  const picked: RouteAttributes = {};
  if (from.med !== undefined) picked.med = from.med;
  if (from.localPreference !== undefined) picked.localPreference = from.localPreference;
  if (from.communities !== undefined) picked.communities = from.communities;
  if (from.largeCommunities !== undefined) picked.largeCommunities = from.largeCommunities;
  if (from.asPath !== undefined) picked.asPath = from.asPath;
  return picked;
}

function targets(route: Route, neighbors: readonly string[]): readonly string[] {
  return route.neighbors.length > 0 ? route.neighbors : neighbors;
}

function entriesOf(routes: ReadonlyMap<string, string>): TableEntries {
  return [...routes].map(([key, line]) => `${key} → ${line}`).sort();
}
