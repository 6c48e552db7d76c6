import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialHealthState, nextHealthState, type HealthState, type Hysteresis, type Signal } from '../../../src/health/health-machine.js';
import { initialHealthModel, modelPhase, stepHealthModel } from '../../support/health-model.js';

/**
 * Signal sequences built from runs of one signal, so that runs long enough to reach rise and fall
 * are common; healthy and unhealthy dominate, as on a real poller.
 */
const signals: fc.Arbitrary<Signal[]> = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constant<Signal>('healthy') },
        { weight: 4, arbitrary: fc.constant<Signal>('unhealthy') },
        { weight: 1, arbitrary: fc.constant<Signal>('disabled') },
        { weight: 1, arbitrary: fc.constant<Signal>('lost') },
      ),
      fc.integer({ min: 1, max: 6 }),
    ),
    { minLength: 1, maxLength: 12 },
  )
  .map((runs) => runs.flatMap(([signal, length]) => Array<Signal>(length).fill(signal)));

const hysteresis: fc.Arbitrary<Hysteresis> = fc.record({ rise: fc.integer({ min: 1, max: 5 }), fall: fc.integer({ min: 1, max: 5 }) });

/** The machine's state after each signal; signal i arrives at time i + 1. */
function play(sequence: Signal[], h: Hysteresis): HealthState[] {
  let state = initialHealthState(0);
  return sequence.map((signal, i) => (state = nextHealthState(state, signal, h, i + 1)));
}

/** How many signals at the end of `sequence` (up to and including index `end`) equal `signal`. */
function trailingRun(sequence: Signal[], end: number, signal: Signal): number {
  let length = 0;
  for (let i = end; i >= 0 && sequence[i] === signal; i--) length++;
  return length;
}

const announced = (state: HealthState | undefined): boolean => state?.settled === 'up';

describe('nextHealthState over arbitrary signal sequences', () => {
  it('matches the reference model after every signal: settled state, since when, and phase', () => {
    fc.assert(
      fc.property(signals, hysteresis, (sequence, h) => {
        let model = initialHealthModel(0);
        const expected = sequence.map((signal, i) => {
          model = stepHealthModel(model, signal, h, i + 1);
          return { settled: model.settled, settledAt: model.settledAt, phase: modelPhase(model) };
        });
        const actual = play(sequence, h).map(({ settled, settledAt, phase }) => ({ settled, settledAt, phase }));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('decides on the first signal at once: healthy is up, anything else is not', () => {
    fc.assert(
      fc.property(signals, hysteresis, (sequence, h) => {
        const [first] = play(sequence, h);
        expect(first?.settled).toBe({ healthy: 'up', unhealthy: 'down', disabled: 'disabled', lost: 'down' }[sequence[0] as Signal]);
      }),
    );
  });

  it('is never up when the last signal was lost or disabled', () => {
    fc.assert(
      fc.property(signals, hysteresis, (sequence, h) => {
        play(sequence, h).forEach((state, i) => {
          if (sequence[i] === 'lost' || sequence[i] === 'disabled') expect(state.settled).not.toBe('up');
        });
      }),
    );
  });

  it('is never up once fall unhealthy signals in a row were seen, nor after an unhealthy first signal', () => {
    fc.assert(
      fc.property(signals, hysteresis, (sequence, h) => {
        play(sequence, h).forEach((state, i) => {
          const run = trailingRun(sequence, i, 'unhealthy');
          if (run >= h.fall || run === i + 1) expect(state.settled).not.toBe('up');
        });
      }),
    );
  });

  it('after the first signal, changes its settled state only on rise healthy or fall unhealthy signals in a row, or at once on disabled or lost', () => {
    fc.assert(
      fc.property(signals, hysteresis, (sequence, h) => {
        const states = play(sequence, h);
        for (let i = 1; i < states.length; i++) {
          const before = states[i - 1] as HealthState;
          const after = states[i] as HealthState;
          if (after.settled === before.settled) continue;
          const signal = sequence[i] as Signal;
          if (signal === 'disabled') expect(after.settled).toBe('disabled');
          else if (signal === 'lost') expect(after.settled).toBe('down');
          else if (signal === 'healthy') expect([after.settled, trailingRun(sequence, i, 'healthy') >= h.rise]).toEqual(['up', true]);
          else expect([after.settled, trailingRun(sequence, i, 'unhealthy') >= h.fall]).toEqual(['down', true]);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never moves the route twice closer than rise (to announce) or fall (to withdraw) signals, unless maintenance or lost stats force it', () => {
    fc.assert(
      fc.property(signals, hysteresis, (sequence, h) => {
        const states = play(sequence, h);
        let lastChange = 0;
        for (let i = 1; i < states.length; i++) {
          if (announced(states[i]) === announced(states[i - 1])) continue;
          const signal = sequence[i] as Signal;
          if (signal === 'healthy') expect(i - lastChange).toBeGreaterThanOrEqual(h.rise);
          if (signal === 'unhealthy') expect(i - lastChange).toBeGreaterThanOrEqual(h.fall);
          lastChange = i;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
