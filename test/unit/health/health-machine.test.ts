import { describe, expect, it } from 'vitest';
import { initialHealthState, nextHealthState, type HealthState, type Signal } from '../../../src/health/health-machine.js';

const letters: Record<string, Signal> = { H: 'healthy', U: 'unhealthy', D: 'disabled', L: 'lost' };

/** Feeds a sequence like "HHU" through the machine and returns the phase after each poll. */
function trail(sequence: string, rise = 2, fall = 2, start: HealthState = initialHealthState(0)): string[] {
  let state = start;
  return [...sequence].map((letter, i) => {
    state = nextHealthState(state, letters[letter] as Signal, { rise, fall }, i + 1);
    return state.phase;
  });
}

describe('nextHealthState', () => {
  it.each([
    ['decides on the first poll: healthy is up at once, whatever rise', 'H', 3, 3, ['up']],
    ['decides on the first poll: unhealthy is down at once, whatever fall', 'U', 3, 3, ['down']],
    ['falls to down after three consecutive failures with fall 3', 'HUUU', 2, 3, ['up', 'falling', 'falling', 'down']],
    ['cancels a pending fall on one healthy poll', 'HUHU', 2, 2, ['up', 'falling', 'up', 'falling']],
    ['cancels a pending rise from down on one unhealthy poll', 'UHUH', 2, 2, ['down', 'rising', 'down', 'rising']],
    ['comes up after rise healthy polls once down', 'UHH', 2, 2, ['down', 'rising', 'up']],
    ['skips rising when rise is 1', 'UH', 1, 1, ['down', 'up']],
    ['skips falling when fall is 1', 'HU', 1, 1, ['up', 'down']],
    ['goes disabled at once, whatever the state', 'HD', 2, 2, ['up', 'disabled']],
    ['counts the rise afresh after maintenance ends', 'HDHH', 2, 2, ['up', 'disabled', 'rising', 'up']],
    ['counts the rise after maintenance that began at start', 'DHH', 2, 2, ['disabled', 'rising', 'up']],
    ['goes down at once when the stats source is lost', 'HL', 2, 5, ['up', 'down']],
  ])('%s', (_title, sequence, rise, fall, expected) => {
    expect(trail(sequence, rise, fall)).toEqual(expected);
  });

  it('keeps the settled state while rising or falling, so the route does not move early', () => {
    let state = initialHealthState(0);
    for (const signal of ['healthy', 'unhealthy'] as const) state = nextHealthState(state, signal, { rise: 2, fall: 3 }, 1);
    expect(state).toMatchObject({ phase: 'falling', settled: 'up' });
  });

  it('keeps the disabled route after maintenance ends until rise is reached', () => {
    let state = nextHealthState(initialHealthState(0), 'disabled', { rise: 2, fall: 2 }, 5);
    state = nextHealthState(state, 'healthy', { rise: 2, fall: 2 }, 6);
    expect(state).toMatchObject({ phase: 'rising', settled: 'disabled', settledAt: 5 });
  });

  it('records when the settled state changed, for the degrade timer', () => {
    let state = initialHealthState(0);
    state = nextHealthState(state, 'healthy', { rise: 2, fall: 2 }, 5);
    state = nextHealthState(state, 'unhealthy', { rise: 2, fall: 2 }, 10);
    state = nextHealthState(state, 'unhealthy', { rise: 2, fall: 2 }, 20);
    state = nextHealthState(state, 'unhealthy', { rise: 2, fall: 2 }, 30);
    expect(state).toMatchObject({ settled: 'down', settledAt: 20 });
  });
});
