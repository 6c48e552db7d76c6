import type { MetricFamily, Sample } from './exposition.js';
import type { Observation } from './observation.js';
import { transitionTargets } from './observation.js';
import { pollErrorReasons } from '../haproxy/poll-error-reason.js';

/** Both clocks read at one moment: converts the engine's performance.now() times to wall time. */
export interface Clock {
  wallMs: number;
  perfMs: number;
}

export const wallMs = (clock: Clock, at: number): number => clock.wallMs - (clock.perfMs - at);

/**
 * The plugin's own metric families, from what it reported. The names are a public interface
 * (README, "Metrics and status"). Series exist for the services of the config in use; the
 * HAProxy event-stream families only where stats.events is set, rather than with made-up values.
 */
export function pluginFamilies(observation: Observation, clock: Clock): MetricFamily[] {
  const services = observation.config?.services ?? [];
  const state = observation.state;
  const flag = (yes: boolean): number => (yes ? 1 : 0);
  const perService = (make: (name: string) => Sample[]): Sample[] => services.flatMap((s) => make(s.name));

  return [
    {
      name: 'exabgp_anycast_service_healthy',
      help: 'Whether the service is up: the settled verdict that decides its route (1 up, 0 otherwise).',
      type: 'gauge',
      samples: perService((service) => [{ labels: { service }, value: flag(state?.health.get(service)?.settled === 'up') }]),
    },
    {
      name: 'exabgp_anycast_route_announced',
      help: 'Whether the prefix is announced and ExaBGP acknowledged it with done (1), or not (0).',
      type: 'gauge',
      samples: services.flatMap((s) =>
        s.prefixes.map((prefix) => ({ labels: { service: s.name, prefix }, value: flag(state?.routes.get(prefix)?.status === 'accepted') })),
      ),
    },
    {
      name: 'exabgp_anycast_service_transitions_total',
      help: 'Changes of a service state, by the state reached: up, down (withdrawn), disabled (maintenance file), degraded (down, announced with the degraded attributes).',
      type: 'counter',
      samples: perService((service) =>
        transitionTargets.map((to) => ({ labels: { service, to }, value: observation.transitions.get(service)?.[to] ?? 0 })),
      ),
    },
    {
      name: 'exabgp_anycast_backend_servers_up',
      help: 'Servers of the backend counted as up in the last poll that counted them.',
      type: 'gauge',
      samples: perService((service) =>
        (observation.verdicts.get(service)?.backends ?? []).map((b) => ({ labels: { service, backend: b.backend }, value: b.up })),
      ),
    },
    {
      name: 'exabgp_anycast_backend_servers',
      help: 'Servers of the backend counted in all (backup servers only with countBackup) in the last poll that counted them.',
      type: 'gauge',
      samples: perService((service) =>
        (observation.verdicts.get(service)?.backends ?? []).map((b) => ({ labels: { service, backend: b.backend }, value: b.total })),
      ),
    },
    {
      name: 'exabgp_anycast_stats_poll_duration_seconds',
      help: 'Time of one poll of the stats source, read and parse.',
      type: 'histogram',
      histograms: [{ histogram: observation.pollDurations }],
    },
    {
      name: 'exabgp_anycast_stats_poll_errors_total',
      help: 'Failed polls of the stats source, by reason (see the README for the mapping from the logged error).',
      type: 'counter',
      samples: pollErrorReasons.map((reason) => ({ labels: { reason }, value: observation.pollErrors[reason] })),
    },
    {
      name: 'exabgp_anycast_last_successful_poll_timestamp_seconds',
      help: 'Unix time of the last successful poll of the stats source; 0 before the first.',
      type: 'gauge',
      samples: [{ value: observation.lastGoodPollAt === undefined ? 0 : wallMs(clock, observation.lastGoodPollAt) / 1000 }],
    },
    {
      name: 'exabgp_anycast_bgp_neighbor_up',
      help: "Whether the BGP session is up (1) or connected/down (0), from ExaBGP's neighbor messages.",
      type: 'gauge',
      samples: [...observation.neighbors].map(([neighbor, { state: session }]) => ({ labels: { neighbor }, value: flag(session === 'up') })),
    },
    {
      name: 'exabgp_anycast_exabgp_commands_total',
      help: "ExaBGP's answers to the plugin's announce and withdraw commands: done or error.",
      type: 'counter',
      samples: (['done', 'error'] as const).map((result) => ({ labels: { result }, value: observation.commands[result] })),
    },
    {
      name: 'exabgp_anycast_config_reloads_total',
      help: 'Config reloads (SIGHUP or POST /-/reload): success, or failure (the running config kept).',
      type: 'counter',
      samples: (['success', 'failure'] as const).map((result) => ({ labels: { result }, value: observation.reloads[result] })),
    },
    ...eventFamilies(observation),
  ];
}

function eventFamilies({ events, reactions }: Observation): MetricFamily[] {
  if (events === null) return [];
  return [
    {
      name: 'exabgp_anycast_events_connected',
      help: "Whether HAProxy's event stream (show events on the stats socket) is established (1) or not (0); polling goes on either way.",
      type: 'gauge',
      samples: [{ labels: { ring: events.ring }, value: events.connected ? 1 : 0 }],
    },
    {
      name: 'exabgp_anycast_reaction_seconds',
      help: "Time from HAProxy's event line to the commands it caused, for event-triggered polls that wrote any.",
      type: 'histogram',
      histograms: [{ histogram: reactions }],
    },
  ];
}
