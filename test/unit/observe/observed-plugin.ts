import { validateConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/types.js';
import { acknowledge } from '../../../src/engine/acknowledge.js';
import { initialEngineState, tick, type EngineState, type PollResult } from '../../../src/engine/tick.js';
import type { Command } from '../../../src/exabgp/format-command.js';
import type { StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';
import { newObservation, recordInto } from '../../../src/observe/observation.js';

/** One service on backend be_app, validated like a real config file. */
export function config(service: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Config {
  return validateConfig(
    {
      stats: { source: 'unix:/run/haproxy/admin.sock' },
      intervalMs: 1000,
      rise: 2,
      fall: 2,
      disableFile: '/run/maint',
      ...top,
      services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] }, ...service }],
    },
    'test',
  );
}

/** A poll where `up` of `total` servers of be_app are up and checked. */
export function stats(up: number, total = 2): PollResult {
  const servers = Array.from({ length: total }, (_, i) => ({ name: `s${i}`, status: i < up ? 'UP' : 'DOWN', checkStatus: 'L4OK', backup: false }));
  const snapshot: StatsSnapshot = { frontends: new Map(), backends: new Map([['be_app', { name: 'be_app', status: 'UP', servers }]]) };
  return { ok: true, snapshot };
}

/**
 * The engine driven as the poll loop drives it, with the observer told what the poll loop tells
 * it, on a performance clock that starts at 0 and moves one interval per poll.
 */
export function observedPlugin(cfg: Config) {
  const observation = newObservation();
  let perf = 0;
  const observer = recordInto(observation, () => perf);
  let state: EngineState = initialEngineState(cfg, 0);
  const unanswered: Command[] = [];
  return {
    observation,
    observer,
    perf: () => perf,
    poll(result: PollResult, disabled = false, durationMs = 3): Command[] {
      perf += cfg.intervalMs;
      observer.polled(durationMs, result.ok ? undefined : result.error);
      const out = tick(cfg, state, { poll: result, disabled, now: perf, knownNeighbors: new Set() });
      state = out.state;
      unanswered.push(...out.commands);
      observer.decided(cfg, state, out.verdicts, perf);
      return out.commands;
    },
    /** ExaBGP answers the oldest unanswered command. */
    answer(ok: boolean): void {
      const command = unanswered.shift();
      if (command === undefined) throw new Error('no command to answer');
      state = acknowledge(state, command, ok, perf).state;
      observer.answered(command, ok, state);
    },
  };
}
