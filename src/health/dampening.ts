import type { DampeningSettings } from '../config/types.js';

/**
 * Route dampening at the origin, in the manner of RFC 2439. Each withdraw adds a penalty that
 * halves every halfLifeMs. Once it exceeds suppressAbove the route stays withdrawn, however healthy
 * the service, until the penalty has decayed below reuseBelow. The penalty is capped so that it
 * always decays below reuseBelow within maxSuppressMs (RFC 2439's maximum penalty). Pure.
 */
export interface DampeningState {
  /** The penalty as of `updatedAt`; it decays from there. */
  penalty: number;
  updatedAt: number;
  suppressed: boolean;
}

export function undampened(now: number): DampeningState {
  return { penalty: 0, updatedAt: now, suppressed: false };
}

/** The highest penalty there can be: the one that decays to reuseBelow in exactly maxSuppressMs. */
export function penaltyCeiling({ reuseBelow, maxSuppressMs, halfLifeMs }: DampeningSettings): number {
  return reuseBelow * 2 ** (maxSuppressMs / halfLifeMs);
}

/** The state as of `now`: the penalty decayed, and the suppression over once it fell below reuseBelow. */
export function decayed(settings: DampeningSettings, state: DampeningState, now: number): DampeningState {
  const elapsed = Math.max(0, now - state.updatedAt);
  const penalty = state.penalty * 2 ** (-elapsed / settings.halfLifeMs);
  const reuseAt = suppressionEnd(settings, state);
  return { penalty, updatedAt: Math.max(now, state.updatedAt), suppressed: reuseAt !== undefined && now < reuseAt };
}

/** One withdraw at `now`: the decayed penalty plus settings.penalty, at most the ceiling. */
export function penalize(settings: DampeningSettings, state: DampeningState, now: number): DampeningState {
  const current = decayed(settings, state, now);
  const penalty = Math.min(current.penalty + settings.penalty, penaltyCeiling(settings));
  return { penalty, updatedAt: current.updatedAt, suppressed: current.suppressed || penalty > settings.suppressAbove };
}

export function isSuppressed(settings: DampeningSettings, state: DampeningState, now: number): boolean {
  return decayed(settings, state, now).suppressed;
}

/** When a suppression in force at `now` ends: the exact time the penalty decays to reuseBelow. */
export function suppressedUntil(settings: DampeningSettings, state: DampeningState, now: number): number | undefined {
  return isSuppressed(settings, state, now) ? suppressionEnd(settings, state) : undefined;
}

/** Where the one rule of reuse lives, so that decayed() and suppressedUntil() agree to the millisecond. */
function suppressionEnd(settings: DampeningSettings, state: DampeningState): number | undefined {
  if (!state.suppressed) return undefined;
  if (state.penalty <= settings.reuseBelow) return state.updatedAt;
  return state.updatedAt + settings.halfLifeMs * Math.log2(state.penalty / settings.reuseBelow);
}
