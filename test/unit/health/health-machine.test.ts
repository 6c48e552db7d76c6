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
    ['starts rising and comes up after rise healthy polls', 'HH', 2, 2, ['rising', 'up']],
    ['starts falling and settles down after fall unhealthy polls', 'UU', 2, 2, ['falling', 'down']],
    ['falls to down after three consecutive failures with fall 3', 'HHUUU', 2, 3, ['rising', 'up', 'falling', 'falling', 'down']],
    ['cancels a pending fall on one healthy poll', 'HHUHU', 2, 2, ['rising', 'up', 'falling', 'up', 'falling']],
    ['cancels a pending rise from down on one unhealthy poll', 'UUHUH', 2, 2, ['falling', 'down', 'rising', 'down', 'rising']],
    ['restarts the rise count after an interruption from init', 'HUHH', 2, 2, ['rising', 'falling', 'rising', 'up']],
    ['skips rising when rise is 1', 'UH', 1, 1, ['down', 'up']],
    ['skips falling when fall is 1', 'HU', 1, 1, ['up', 'down']],
    ['goes disabled at once, whatever the state', 'HHD', 2, 2, ['rising', 'up', 'disabled']],
    ['counts the rise afresh after maintenance ends', 'HHDHH', 2, 2, ['rising', 'up', 'disabled', 'rising', 'up']],
    ['goes down at once when the stats source is lost', 'HHL', 2, 5, ['rising', 'up', 'down']],
  ])('%s', (_title, sequence, rise, fall, expected) => {
    expect(trail(sequence, rise, fall)).toEqual(expected);
  });

  it('keeps the settled state while rising or falling, so the route does not move early', () => {
    let state = initialHealthState(0);
    for (const signal of ['healthy', 'healthy', 'unhealthy'] as const) state = nextHealthState(state, signal, { rise: 2, fall: 3 }, 1);
    expect(state).toMatchObject({ phase: 'falling', settled: 'up' });
  });

  it('keeps the disabled route after maintenance ends until rise is reached', () => {
    let state = nextHealthState(initialHealthState(0), 'disabled', { rise: 2, fall: 2 }, 5);
    state = nextHealthState(state, 'healthy', { rise: 2, fall: 2 }, 6);
    expect(state).toMatchObject({ phase: 'rising', settled: 'disabled', settledAt: 5 });
  });

  it('records when the settled state changed, for the degrade timer', () => {
    let state = initialHealthState(0);
    state = nextHealthState(state, 'unhealthy', { rise: 1, fall: 1 }, 10);
    state = nextHealthState(state, 'unhealthy', { rise: 1, fall: 1 }, 20);
    expect(state).toMatchObject({ settled: 'down', settledAt: 10 });
  });
});
