// A reference for the health state machine, written from the rules in words rather than from
// src/health/health-machine.ts: it keeps the last run of like signals instead of phases and counts.
//
// - The first signal decides at once: healthy is up, unhealthy is down.
// - disabled (maintenance) and lost (stats unreadable too long) decide at once, and end any run.
// - Otherwise the settled state becomes up once the last `rise` signals were all healthy, and down
//   once the last `fall` were all unhealthy (counted since the last disabled or lost); else it stays.
import type { Hysteresis, Phase, Settled, Signal } from '../../src/health/health-machine.js';

export interface HealthModel {
  settled: Settled;
  /** When `settled` last changed. */
  settledAt: number;
  /** The trailing run of healthy or unhealthy signals; none right after disabled or lost. */
  run: { signal: 'healthy' | 'unhealthy'; length: number } | undefined;
}

export function initialHealthModel(now: number): HealthModel {
  return { settled: 'init', settledAt: now, run: undefined };
}

export function stepHealthModel(model: HealthModel, signal: Signal, { rise, fall }: Hysteresis, now: number): HealthModel {
  const run = signal === 'healthy' || signal === 'unhealthy' ? { signal, length: model.run?.signal === signal ? model.run.length + 1 : 1 } : undefined;
  let settled: Settled = model.settled;
  if (signal === 'disabled') settled = 'disabled';
  else if (signal === 'lost') settled = 'down';
  else if (model.settled === 'init') settled = signal === 'healthy' ? 'up' : 'down';
  else if (run?.signal === 'healthy' && run.length >= rise) settled = 'up';
  else if (run?.signal === 'unhealthy' && run.length >= fall) settled = 'down';
  return { settled, settledAt: settled === model.settled ? model.settledAt : now, run };
}

/** Where the service stands: its settled state, or rising/falling while the last run pulls the other way. */
export function modelPhase(model: HealthModel): Phase {
  const { settled, run } = model;
  if (run?.signal === 'healthy' && settled !== 'up' && settled !== 'init') return 'rising';
  if (run?.signal === 'unhealthy' && settled !== 'down' && settled !== 'init') return 'falling';
  return settled;
}
