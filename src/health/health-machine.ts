/** Where a service stands. rising/falling count consecutive observations against the settled state. */
export type Phase = 'init' | 'rising' | 'up' | 'falling' | 'down' | 'disabled';

/** The last phase that decided the route. rising/falling never change the route by themselves; init only lasts until the first poll. */
export type Settled = 'init' | 'up' | 'down' | 'disabled';

export interface HealthState {
  phase: Phase;
  count: number;
  settled: Settled;
  /** When `settled` last changed: the degrade timer (withdrawAfterMs) counts from here. */
  settledAt: number;
}

/**
 * One poll's input to the machine:
 * healthy / unhealthy — counted against rise and fall;
 * disabled — the maintenance file exists;
 * lost — the stats source stayed unreadable longer than a "hold" allows: down at once.
 */
export type Signal = 'healthy' | 'unhealthy' | 'disabled' | 'lost';

export interface Hysteresis {
  rise: number;
  fall: number;
}

export function initialHealthState(now: number): HealthState {
  return { phase: 'init', count: 0, settled: 'init', settledAt: now };
}

/** The transition function: pure, one call per poll. */
export function nextHealthState(state: HealthState, signal: Signal, { rise, fall }: Hysteresis, now: number): HealthState {
  const settle = (phase: 'up' | 'down' | 'disabled'): HealthState => ({
    phase,
    count: 0,
    settled: phase,
    settledAt: state.settled === phase ? state.settledAt : now,
  });
  const towards = (phase: 'rising' | 'falling', count: number): HealthState => {
    const target = phase === 'rising' ? rise : fall;
    return count >= target ? settle(phase === 'rising' ? 'up' : 'down') : { ...state, phase, count };
  };

  if (signal === 'disabled') return settle('disabled');
  if (signal === 'lost') return settle('down');
  // The first poll after start decides at once: HAProxy's own rise and fall have already passed, and
  // a restart while healthy must not move the route (an earlier instance may have announced it).
  if (state.settled === 'init') return settle(signal === 'healthy' ? 'up' : 'down');
  // Leaving maintenance starts counting afresh; the route stays as it was until rise or fall is reached.
  const phase = state.phase === 'disabled' ? 'init' : state.phase;

  if (signal === 'healthy') {
    switch (phase) {
      case 'up':
        return state;
      case 'rising':
        return towards('rising', state.count + 1);
      case 'falling':
        // A good poll cancels a pending fall: "fall" means consecutive failures.
        return state.settled === 'up' ? settle('up') : towards('rising', 1);
      default:
        return towards('rising', 1);
    }
  }
  switch (phase) {
    case 'down':
      return state;
    case 'falling':
      return towards('falling', state.count + 1);
    case 'rising':
      return state.settled === 'down' ? settle('down') : towards('falling', 1);
    default:
      return towards('falling', 1);
  }
}
