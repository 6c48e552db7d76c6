import type { Config } from '../../../src/config/types.js';
import { acknowledge } from '../../../src/engine/acknowledge.js';
import { initialEngineState, tick, type EngineState, type PollResult } from '../../../src/engine/tick.js';
import type { Command } from '../../../src/exabgp/format-command.js';
import { newObservation, recordInto } from '../../../src/observe/observation.js';
import { config, stats } from '../../support/engine-fixtures.js';

export { config, stats };

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
