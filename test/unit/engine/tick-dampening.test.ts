import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/types.js';
import { initialEngineState, reloadEngineState, tick, type EngineState, type PollResult, type ServiceVerdict } from '../../../src/engine/tick.js';
import { formatCommand } from '../../../src/exabgp/format-command.js';
import { isSuppressed, suppressedUntil } from '../../../src/health/dampening.js';
import { stats } from '../../support/engine-fixtures.js';

/** Acts on the first poll that sees a change (rise 1, fall 1); the penalty halves in 10 s. */
const dampening = { halfLifeMs: 10_000, penalty: 1000, suppressAbove: 2000, reuseBelow: 750, maxSuppressMs: 60_000 };

function config(service: Record<string, unknown> = { dampening }): Config {
  return validateConfig(
    {
      stats: { source: 'unix:/run/haproxy/admin.sock' },
      intervalMs: 1000,
      rise: 1,
      fall: 1,
      disableFile: '/run/maint',
      services: [{ name: 'www', prefixes: ['198.18.0.10/32'], health: { backends: ['be_app'] }, ...service }],
    },
    'test',
  );
}

const up = stats(2);
const down = stats(0);

/** Polls one second apart from `start` on; the lines, log messages and verdicts of each. */
function run(cfg: Config, polls: Array<PollResult | 'disabled'>, start: EngineState = initialEngineState(cfg, 0)) {
  let state = start;
  const lines: string[][] = [];
  const messages: string[][] = [];
  const verdicts: ServiceVerdict[] = [];
  polls.forEach((poll, i) => {
    const out = tick(cfg, state, { poll: poll === 'disabled' ? up : poll, disabled: poll === 'disabled', now: (i + 1) * 1000, knownNeighbors: new Set() });
    state = out.state;
    lines.push(out.commands.map(formatCommand));
    messages.push(out.events.map((e) => e.message));
    verdicts.push(...out.verdicts);
  });
  return { lines, messages, verdicts, state };
}

const announce = 'announce route 198.18.0.10/32 next-hop self';
const withdraw = 'withdraw route 198.18.0.10/32 next-hop self';
/** Up and down, one poll each, `times` times. */
const flaps = (times: number) => Array.from({ length: times }, () => [up, down]).flat();

describe('tick with route dampening', () => {
  it('keeps a flapping service withdrawn once its third withdraw exceeds the suppress limit, though healthy', () => {
    // Withdraws at 2 s (1000), 4 s (1870), 6 s (2628): suppressed until 6 s + 10 s × log2(2628 / 750) = 24.1 s.
    const { lines, verdicts } = run(config(), [...flaps(3), up, up]);
    expect(lines).toEqual([[announce], [withdraw], [announce], [withdraw], [announce], [withdraw], [], []]);
    expect(verdicts.at(-1)).toMatchObject({ phase: 'up', mode: 'withdrawn', reason: 'be_app: 2/2 servers up, need ≥ 1; suppressed until 17 s from now: flap penalty 2288, reuse below 750' });
  });

  it('says "suppressed until" in the log line of the withdraw that starts the suppression, and of every change while it lasts', () => {
    const { messages } = run(config(), [...flaps(3), up]);
    expect(messages[5]).toEqual(['www: up → down (be_app: 0/2 servers up, need ≥ 1; suppressed until 19 s from now: flap penalty 2628, reuse below 750); withdraw 198.18.0.10/32']);
    expect(messages[6]).toEqual(['www: down → up (be_app: 2/2 servers up, need ≥ 1; suppressed until 18 s from now: flap penalty 2452, reuse below 750)']);
  });

  it('announces again once the penalty has decayed below the reuse limit, and says so', () => {
    const { lines, messages } = run(config(), [...flaps(3), ...Array<PollResult>(19).fill(up)]);
    // Poll 24 (24 s) is still within the suppression; poll 25 (25 s) is past it.
    expect(lines.slice(6).findIndex((l) => l.length > 0) + 7).toBe(25);
    expect(lines[24]).toEqual([announce]);
    expect(messages[24]).toEqual(['www: up (be_app: 2/2 servers up, need ≥ 1; no longer suppressed: flap penalty 704 is below 750); announce 198.18.0.10/32']);
  });

  it('counts each withdraw once: a service that stays down while suppressed adds nothing', () => {
    const { state } = run(config(), [...flaps(3), down, down, down]);
    expect(state.dampening.get('www')?.penalty).toBeCloseTo(2628 * 2 ** -0.3, 0);
  });

  it('follows health as before when the service configures no dampening', () => {
    const { lines, state } = run(config({}), [...flaps(3), up]);
    expect(lines).toEqual([[announce], [withdraw], [announce], [withdraw], [announce], [withdraw], [announce]]);
    expect(state.dampening.size).toBe(0);
  });

  it.each([
    ['the first poll, which withdraws what an earlier instance may have left', [down, up, down, up, down, up]],
    ['maintenance, which is the operator\'s own withdraw', ['disabled', up, 'disabled', up, 'disabled', up, 'disabled', up] as Array<PollResult | 'disabled'>],
  ])('adds no penalty for %s', (_what, polls) => {
    const { lines, state } = run(config(), polls);
    expect(lines.at(-1)).toEqual([announce]);
    expect(state.dampening.get('www')?.penalty).toBeLessThanOrEqual(2000);
  });

  it('keeps the penalty across a reload, and forgets it when the reload turns dampening off', () => {
    const { state } = run(config(), flaps(3));
    const kept = reloadEngineState(state, config(), 6000);
    expect(isSuppressed(dampening, kept.dampening.get('www')!, 7000)).toBe(true);
    expect(reloadEngineState(state, config({}), 6000).dampening.size).toBe(0);
  });

  it('never announces while suppressed, and a suppression lasts at most maxSuppressMs', () => {
    const cfg = config({ dampening: { ...dampening, penalty: 1500, maxSuppressMs: 20_000 } });
    const settings = cfg.services[0]!.dampening!;
    const polls = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(polls, (runs) => {
        let state = initialEngineState(cfg, 0);
        let now = 0;
        let suppressedSince: number | undefined;
        for (const [healthy, length] of runs) {
          for (let i = 0; i < length; i++) {
            now += 1000;
            const out = tick(cfg, state, { poll: healthy ? up : down, disabled: false, now, knownNeighbors: new Set() });
            state = out.state;
            const damp = state.dampening.get('www')!;
            expect(damp.penalty).toBeGreaterThanOrEqual(0);
            if (suppressedUntil(settings, damp, now) === undefined) {
              suppressedSince = undefined;
              continue;
            }
            suppressedSince ??= now;
            expect(now - suppressedSince).toBeLessThanOrEqual(settings.maxSuppressMs);
            expect(out.commands.filter((c) => c.kind === 'announce')).toEqual([]);
            expect(state.routes.has('198.18.0.10/32')).toBe(false);
            expect(out.verdicts[0]).toMatchObject({ mode: 'withdrawn' });
          }
        }
      }),
    );
  });
});
