import { canonicalAddress } from '../config/prefix.js';
import type { Config } from '../config/types.js';
import type { PluginObserver, ReloadResult } from '../engine/poll-loop.js';
import type { EngineState, ServiceVerdict } from '../engine/tick.js';
import type { NeighborState } from '../exabgp/parse-exabgp-message.js';
import type { RouteMode } from '../exabgp/desired-routes.js';
import type { Settled } from '../health/health-machine.js';
import { newHistogram, observe, type Histogram } from './exposition.js';
import { pollErrorReason, pollErrorReasons, type PollErrorReason } from '../haproxy/poll-error-reason.js';

/** The `to` label of exabgp_anycast_service_transitions_total. */
export const transitionTargets = ['up', 'down', 'disabled', 'degraded'] as const;
export type TransitionTarget = (typeof transitionTargets)[number];

/** From 1 ms (a file or a local socket) to past the largest stats.timeoutMs a poll loop uses by default (2 s). */
export const pollDurationBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** From well under the 20 ms target (event line → command) to a poll that hit a slow source. */
export const reactionBounds = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Everything /metrics and /status are made of: what the plugin told its observer, as plain data.
 * Times are on the performance.now() clock, like the engine's; they become wall time when shown.
 */
export interface Observation {
  config: Config | undefined;
  state: EngineState | undefined;
  verdicts: Map<string, ServiceVerdict>;
  lastTransition: Map<string, TransitionTarget>;
  transitions: Map<string, Record<TransitionTarget, number>>;
  pollDurations: Histogram;
  pollErrors: Record<PollErrorReason, number>;
  lastGoodPollAt: number | undefined;
  statsError: string | null;
  neighbors: Map<string, { state: NeighborState; since: number }>;
  commands: { done: number; error: number };
  reloads: { success: number; failure: number };
  lastReload: { at: number; result: ReloadResult } | undefined;
  /** HAProxy's event stream, where configured. */
  events: { ring: string; connected: boolean } | null;
  /** Event line received → commands written, for event-triggered polls that wrote any. */
  reactions: Histogram;
}

export function newObservation(): Observation {
  return {
    config: undefined,
    state: undefined,
    verdicts: new Map(),
    lastTransition: new Map(),
    transitions: new Map(),
    pollDurations: newHistogram(pollDurationBounds),
    pollErrors: Object.fromEntries(pollErrorReasons.map((reason) => [reason, 0])) as Record<PollErrorReason, number>,
    lastGoodPollAt: undefined,
    statsError: null,
    neighbors: new Map(),
    commands: { done: 0, error: 0 },
    reloads: { success: 0, failure: 0 },
    lastReload: undefined,
    events: null,
    reactions: newHistogram(reactionBounds),
  };
}

/**
 * What a service's state is called in transitions: a service that is down but still announced
 * with its degraded attributes is "degraded"; one still on its way (init) is nothing yet.
 */
export function transitionTarget(settled: Settled, mode: RouteMode): TransitionTarget | undefined {
  if (settled === 'init') return undefined;
  return settled === 'down' && mode === 'degraded' ? 'degraded' : settled;
}

/** Records what the plugin reports into `observation`. Each call is constant work per service. */
export function recordInto(observation: Observation, now: () => number = () => performance.now()): PluginObserver {
  return {
    polled(durationMs, error) {
      observe(observation.pollDurations, durationMs / 1000);
      if (error === undefined) {
        observation.lastGoodPollAt = now();
        observation.statsError = null;
      } else {
        observation.pollErrors[pollErrorReason(error)] += 1;
        observation.statsError = error;
      }
    },
    decided(config, state, verdicts) {
      for (const verdict of verdicts) {
        const settled = state.health.get(verdict.service)?.settled ?? 'init';
        const target = transitionTarget(settled, verdict.mode);
        if (target === undefined || target === observation.lastTransition.get(verdict.service)) continue;
        observation.lastTransition.set(verdict.service, target);
        const counts = observation.transitions.get(verdict.service) ?? { up: 0, down: 0, disabled: 0, degraded: 0 };
        counts[target] += 1;
        observation.transitions.set(verdict.service, counts);
      }
      observation.config = config;
      observation.state = state;
      observation.verdicts = new Map(verdicts.map((verdict) => [verdict.service, verdict]));
    },
    answered(_command, ok, state) {
      observation.commands[ok ? 'done' : 'error'] += 1;
      observation.state = state;
    },
    neighbor(peer, state) {
      const address = canonicalAddress(peer) ?? peer;
      if (observation.neighbors.get(address)?.state === state) return;
      observation.neighbors.set(address, { state, since: now() });
    },
    reloaded(result) {
      observation.reloads[result.ok ? 'success' : 'failure'] += 1;
      observation.lastReload = { at: now(), result };
    },
    eventStream(ring, connected) {
      observation.events = ring === undefined ? null : { ring, connected };
    },
    reacted(seconds) {
      observe(observation.reactions, seconds);
    },
  };
}
