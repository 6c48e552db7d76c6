import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DampeningSettings } from '../../../src/config/types.js';
import { decayed, isSuppressed, penalize, penaltyCeiling, suppressedUntil, undampened, type DampeningState } from '../../../src/health/dampening.js';

/** The schema's defaults. */
const defaults: DampeningSettings = { halfLifeMs: 60_000, penalty: 1000, suppressAbove: 2000, reuseBelow: 750, maxSuppressMs: 240_000 };
const heavy: DampeningSettings = { ...defaults, penalty: 10_000 };

function withdrawsAt(settings: DampeningSettings, times: number[]): DampeningState {
  return times.reduce((state, at) => penalize(settings, state, at), undampened(0));
}

describe('route dampening', () => {
  it.each([
    { what: 'one withdraw', settings: defaults, withdraws: [0], at: 0, penalty: 1000, suppressed: false, until: undefined },
    { what: 'two at once reach the limit but do not exceed it', settings: defaults, withdraws: [0, 0], at: 0, penalty: 2000, suppressed: false, until: undefined },
    { what: 'three at once exceed it: suppressed for two half-lives', settings: defaults, withdraws: [0, 0, 0], at: 0, penalty: 3000, suppressed: true, until: 120_000 },
    { what: 'the penalty halves in a half-life', settings: defaults, withdraws: [0], at: 60_000, penalty: 500, suppressed: false, until: undefined },
    { what: 'a withdraw a half-life later adds to half the penalty', settings: defaults, withdraws: [0, 60_000], at: 60_000, penalty: 1500, suppressed: false, until: undefined },
    { what: 'three withdraws 10 s apart', settings: defaults, withdraws: [0, 10_000, 20_000], at: 20_000, penalty: 2684.6, suppressed: true, until: 130_384.65 },
    { what: 'still suppressed just before the penalty reaches reuseBelow', settings: defaults, withdraws: [0, 10_000, 20_000], at: 130_000, penalty: 753.34, suppressed: true, until: 130_384.65 },
    { what: 'reused once it decayed below reuseBelow', settings: defaults, withdraws: [0, 10_000, 20_000], at: 131_000, penalty: 744.69, suppressed: false, until: undefined },
    { what: 'reused exactly when it reaches reuseBelow', settings: defaults, withdraws: [0, 0, 0], at: 120_000, penalty: 750, suppressed: false, until: undefined },
    { what: 'one withdraw above the limit suppresses at once', settings: heavy, withdraws: [0], at: 0, penalty: 10_000, suppressed: true, until: 224_217.94 },
    { what: 'the penalty is capped so that suppression ends within maxSuppressMs', settings: heavy, withdraws: [0, 0], at: 0, penalty: 12_000, suppressed: true, until: 240_000 },
    { what: 'the capped penalty is still suppressed 1 ms before maxSuppressMs', settings: heavy, withdraws: [0, 0], at: 239_999, penalty: 750.01, suppressed: true, until: 240_000 },
  ])('$what: withdraws at $withdraws, seen at $at → penalty $penalty, suppressed $suppressed until $until', ({ settings, withdraws, at, penalty, suppressed, until }) => {
    const state = withdrawsAt(settings, withdraws);
    expect(decayed(settings, state, at).penalty).toBeCloseTo(penalty, 1);
    expect(isSuppressed(settings, state, at)).toBe(suppressed);
    const end = suppressedUntil(settings, state, at);
    if (until === undefined) expect(end).toBeUndefined();
    else expect(end).toBeCloseTo(until, 1);
  });

  it('forgets a suppression once it ended: the decayed state says so, and a later withdraw starts from the decayed penalty', () => {
    const suppressed = withdrawsAt(defaults, [0, 0, 0]);
    const later = decayed(defaults, suppressed, 180_000);
    expect(later).toEqual({ penalty: 375, updatedAt: 180_000, suppressed: false });
    expect(penalize(defaults, later, 180_000)).toEqual({ penalty: 1375, updatedAt: 180_000, suppressed: false });
  });

  it('caps the penalty at reuseBelow × 2^(maxSuppressMs / halfLifeMs)', () => {
    expect(penaltyCeiling(defaults)).toBe(12_000);
  });

  describe('properties', () => {
    const settings: fc.Arbitrary<DampeningSettings> = fc
      .record({
        halfLifeMs: fc.integer({ min: 1000, max: 600_000 }),
        penalty: fc.integer({ min: 1, max: 20_000 }),
        reuseBelow: fc.integer({ min: 1, max: 5000 }),
        suppressOver: fc.integer({ min: 1, max: 20_000 }),
        halfLives: fc.double({ min: 0.1, max: 20, noNaN: true }),
      })
      .map(({ halfLifeMs, penalty, reuseBelow, suppressOver, halfLives }) => {
        const suppressAbove = reuseBelow + suppressOver;
        // As load-config demands: a ceiling above suppressAbove.
        const maxSuppressMs = Math.floor(halfLifeMs * Math.log2(suppressAbove / reuseBelow)) + 1 + Math.round(halfLives * halfLifeMs);
        return { halfLifeMs, penalty, suppressAbove, reuseBelow, maxSuppressMs };
      });
    /** Withdraws at increasing times, then a look some time after the last. */
    const timeline = fc.record({
      gaps: fc.array(fc.integer({ min: 0, max: 600_000 }), { minLength: 1, maxLength: 30 }),
      lookAfter: fc.integer({ min: 0, max: 3_600_000 }),
    });

    it('the penalty is never negative, and a suppression ends within maxSuppressMs of the last withdraw', () => {
      fc.assert(
        fc.property(settings, timeline, (s, { gaps, lookAfter }) => {
          let now = 0;
          let state = undampened(0);
          for (const gap of gaps) {
            now += gap;
            state = penalize(s, state, now);
            expect(state.penalty).toBeGreaterThanOrEqual(0);
            const end = suppressedUntil(s, state, now);
            if (end !== undefined) expect(end - now).toBeLessThanOrEqual(s.maxSuppressMs + 1e-6);
          }
          const look = now + lookAfter;
          expect(decayed(s, state, look).penalty).toBeGreaterThanOrEqual(0);
          expect(isSuppressed(s, state, now + s.maxSuppressMs + 1)).toBe(false);
        }),
      );
    });

    it('suppressedUntil is exact: suppressed up to it, reused from it on', () => {
      fc.assert(
        fc.property(settings, timeline, (s, { gaps }) => {
          let now = 0;
          let state = undampened(0);
          for (const gap of gaps) state = penalize(s, state, (now += gap));
          const end = suppressedUntil(s, state, now);
          fc.pre(end !== undefined && end - now > 2);
          expect(isSuppressed(s, state, end! - 1)).toBe(true);
          expect(isSuppressed(s, state, end!)).toBe(false);
          // Re-based on the way (as tick stores it each poll), the end does not move.
          expect(suppressedUntil(s, decayed(s, state, end! - 1), end! - 1)).toBeCloseTo(end!, 3);
        }),
      );
    });
  });
});
