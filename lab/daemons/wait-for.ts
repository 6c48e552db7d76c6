import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Default 10 s. */
  timeoutMs?: number;
  /** Pause between probes; default 50 ms. */
  intervalMs?: number;
  /** Extra text for the failure message, e.g. the last log lines of the daemons involved. */
  context?: () => string;
  /** Returns a reason to give up early (e.g. "bird exited with code 1"), or undefined to go on. */
  abortIf?: () => string | undefined;
}

type Falsy = undefined | null | false;

/**
 * Polls `probe` until it returns a truthy value and returns that value. A probe that throws counts
 * as "not yet": daemons refuse connections while starting, so errors are expected for a while;
 * the last one is reported if time runs out.
 */
export async function waitFor<T>(
  description: string,
  probe: () => T | Falsy | Promise<T | Falsy>,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50 } = options;
  const started = Date.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    // Checked after the probe, so a condition that became true just before the abort still counts.
    const abortReason = options.abortIf?.();
    if (abortReason !== undefined) {
      throw new Error(failure(`Gave up waiting for ${description}: ${abortReason}`, lastError, options));
    }
    if (Date.now() - started >= timeoutMs) {
      throw new Error(failure(`Timed out after ${timeoutMs} ms waiting for ${description}`, lastError, options));
    }
    await delay(intervalMs);
  }
}

export interface SteadyOptions {
  /** How long the condition must keep holding. */
  durationMs: number;
  /** Default 50 ms. */
  intervalMs?: number;
  context?: () => string;
}

/**
 * Checks that `probe` stays truthy for the whole of `durationMs`. This is how a test proves that
 * something does NOT happen (a route is not withdrawn) without a blind sleep: every poll is an
 * assertion, and the first false one fails at once.
 */
export async function assertSteady(
  description: string,
  probe: () => unknown,
  options: SteadyOptions,
): Promise<void> {
  const { durationMs, intervalMs = 50 } = options;
  const started = Date.now();
  for (;;) {
    let held: unknown;
    let error: unknown;
    try {
      held = await probe();
    } catch (caught) {
      error = caught;
    }
    if (!held) {
      const elapsed = Date.now() - started;
      throw new Error(failure(`Expected ${description} to hold for ${durationMs} ms, but it failed after ${elapsed} ms`, error, options));
    }
    if (Date.now() - started >= durationMs) return;
    await delay(intervalMs);
  }
}

// --- internal ---

function failure(headline: string, lastError: unknown, options: { context?: () => string }): string {
  const parts = [headline];
  if (lastError !== undefined) {
    parts.push(`last probe error: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }
  const context = options.context?.();
  if (context) parts.push(context);
  return parts.join('\n');
}
