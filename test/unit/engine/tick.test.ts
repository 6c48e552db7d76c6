import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/types.js';
import {
  initialEngineState,
  reloadEngineState,
  resendCommands,
  shutdownCommands,
  startupCommands,
  tick,
  type EngineState,
  type PollResult,
} from '../../../src/engine/tick.js';
import type { StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';

function config(service: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Config {
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

function stats(up: number, total = 2): PollResult {
  const servers = Array.from({ length: total }, (_, i) => ({ name: `s${i}`, status: i < up ? 'UP' : 'DOWN', checkStatus: 'L4OK', backup: false }));
  const snapshot: StatsSnapshot = { frontends: new Map(), backends: new Map([['be_app', { name: 'be_app', status: 'UP', servers }]]) };
  return { ok: true, snapshot };
}
const failed: PollResult = { ok: false, error: 'stats source unix:/run/haproxy/admin.sock: connect ENOENT' };

/** Runs polls one interval apart; returns the lines written at each poll (joined) and the final state. */
function run(cfg: Config, polls: Array<PollResult | 'disabled'>, start?: EngineState) {
  let state = start ?? initialEngineState(cfg, 0);
  const lines: string[][] = [];
  const messages: string[] = [];
  polls.forEach((poll, i) => {
    const now = (i + 1) * cfg.intervalMs;
    const out = tick(cfg, state, poll === 'disabled' ? { poll: stats(2), disabled: true, now } : { poll, disabled: false, now });
    state = out.state;
    lines.push(out.commands.map((c) => c.line));
    messages.push(...out.events.map((e) => e.message));
  });
  return { lines, messages, state };
}

const announce = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]';
const withdraw = 'withdraw route 198.18.0.10/32 next-hop self';

describe('tick', () => {
  it('starts by withdrawing every configured prefix', () => {
    expect(startupCommands(config({ prefixes: ['198.18.0.10/32', '198.18.0.11/32'] }))).toEqual([
      { service: 'www', line: withdraw },
      { service: 'www', line: 'withdraw route 198.18.0.11/32 next-hop self' },
    ]);
  });

  it('announces after rise healthy polls and then stays quiet', () => {
    expect(run(config(), [stats(2), stats(2), stats(2), stats(1)]).lines).toEqual([[], [announce], [], []]);
  });

  it('withdraws after fall unhealthy polls and logs why', () => {
    const { lines, messages } = run(config(), [stats(2), stats(2), stats(0), stats(0), stats(0)]);
    expect(lines).toEqual([[], [announce], [], [withdraw], []]);
    expect(messages).toContain(
      'www: falling → down (be_app: 0/2 servers up, need ≥ 1); withdraw 198.18.0.10/32',
    );
    expect(messages).toContain('www: rising → up (be_app: 2/2 servers up, need ≥ 1); announce 198.18.0.10/32 as-path [ 65010 65010 65010 ]');
  });

  it('fails closed: an unreadable stats source counts as unhealthy, and is logged once', () => {
    const { lines, messages } = run(config(), [stats(2), stats(2), failed, failed, failed]);
    expect(lines).toEqual([[], [announce], [], [withdraw], []]);
    expect(messages.filter((m) => m.startsWith('stats unavailable'))).toEqual([
      'stats unavailable (counted as unhealthy): stats source unix:/run/haproxy/admin.sock: connect ENOENT',
    ]);
  });

  it('with onStatsError hold, keeps the route for staleMs, then goes down at once', () => {
    const cfg = config({}, { onStatsError: 'hold', staleMs: 2500, fall: 5 });
    const { lines } = run(cfg, [stats(2), stats(2), failed, failed, failed]);
    // Last good poll at 2 s; 3 s and 4 s are within 2.5 s; 5 s is not.
    expect(lines).toEqual([[], [announce], [], [], [withdraw]]);
  });

  it('withdraws while the maintenance file exists and announces again after rise', () => {
    const { lines, messages } = run(config(), [stats(2), stats(2), 'disabled', 'disabled', stats(2), stats(2)]);
    expect(lines).toEqual([[], [announce], [withdraw], [], [], [announce]]);
    expect(messages).toContain('www: up → disabled (maintenance file /run/maint exists); withdraw 198.18.0.10/32');
  });

  it('degrades instead of withdrawing, then withdraws after withdrawAfterMs', () => {
    const cfg = config({ onDown: { asPath: [65010, 65010, 65010, 65010, 65010], withdrawAfterMs: 2000 } });
    const degraded = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 65010 65010 ]';
    const { lines } = run(cfg, [stats(2), stats(2), stats(0), stats(0), stats(0), stats(0), stats(2), stats(2)]);
    // down settles at 4 s; 6 s is 2000 ms later.
    expect(lines).toEqual([[], [announce], [], [degraded], [], [withdraw], [], [announce]]);
  });

  it('comes back only at the recover level (capacity hysteresis)', () => {
    const cfg = config({ health: { backends: ['be_app'], minUp: 1, recoverMinUp: 2 } }, { rise: 1, fall: 1 });
    expect(run(cfg, [stats(1), stats(2), stats(1), stats(0), stats(1), stats(2)]).lines).toEqual([
      [],
      [announce],
      [],
      [withdraw],
      [],
      [announce],
    ]);
  });

  it('withdraws what is announced on shutdown and re-sends it on request', () => {
    const { state } = run(config(), [stats(2), stats(2)]);
    expect(shutdownCommands(state)).toEqual([withdraw]);
    expect(resendCommands(state)).toEqual([announce]);
  });

  it('keeps health across a reload and withdraws prefixes the new config dropped', () => {
    const { state } = run(config({ prefixes: ['198.18.0.10/32', '198.18.0.11/32'] }), [stats(2), stats(2)]);
    const next = config({ prefixes: ['198.18.0.10/32'] });
    const { lines } = run(next, [stats(2)], reloadEngineState(state, next, 3000));
    expect(lines).toEqual([[ 'withdraw route 198.18.0.11/32 next-hop self' ]]);
  });

  it('announces new attributes without a withdraw when a reload changes them', () => {
    const { state } = run(config(), [stats(2), stats(2)]);
    const next = config({ asPath: [65010] });
    expect(run(next, [stats(2)], reloadEngineState(state, next, 3000)).lines).toEqual([
      ['announce route 198.18.0.10/32 next-hop self as-path [ 65010 ]'],
    ]);
  });

  it('warns once about servers without health checks', () => {
    const servers = [{ name: 's1', status: 'no check', checkStatus: '', backup: false }];
    const poll: PollResult = { ok: true, snapshot: { frontends: new Map(), backends: new Map([['be_app', { name: 'be_app', status: 'UP', servers }]]) } };
    const { messages } = run(config(), [poll, poll, poll]);
    expect(messages.filter((m) => m.includes('no health check'))).toHaveLength(1);
  });
});
