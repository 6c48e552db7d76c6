import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/types.js';
import { initialEngineState, reloadEngineState, resendCommands, tick, withdrawEverything, type EngineState, type PollResult } from '../../../src/engine/tick.js';
import { formatCommand } from '../../../src/exabgp/format-command.js';
import type { StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';
import { config, stats } from '../../support/engine-fixtures.js';

/** HAProxy just (re)started: `up` servers checked UP, `unknown` more UP but not checked yet (INI), the rest down. */
function statsAfterReload(up: number, unknown: number, total = 2): PollResult {
  const servers = Array.from({ length: total }, (_, i) => {
    if (i < up) return { name: `s${i}`, status: 'UP', checkStatus: 'L4OK', backup: false };
    if (i < up + unknown) return { name: `s${i}`, status: 'UP', checkStatus: 'INI', backup: false };
    return { name: `s${i}`, status: 'DOWN', checkStatus: 'L4CON', backup: false };
  });
  const snapshot: StatsSnapshot = { frontends: new Map(), backends: new Map([['be_app', { name: 'be_app', status: 'UP', servers }]]) };
  return { ok: true, snapshot };
}
const failed: PollResult = { ok: false, error: 'stats source unix:/run/haproxy/admin.sock: connect ENOENT' };
const timedOut: PollResult = { ok: false, error: 'stats source unix:/run/haproxy/admin.sock: no complete reply within 500 ms' };

/** Runs polls one interval apart; returns the lines written at each poll and the final state. */
function run(cfg: Config, polls: Array<PollResult | 'disabled'>, start?: EngineState, knownNeighbors: string[] = []) {
  let state = start ?? initialEngineState(cfg, 0);
  const lines: string[][] = [];
  const messages: string[] = [];
  polls.forEach((poll, i) => {
    const now = (i + 1) * cfg.intervalMs;
    const input = { disabled: poll === 'disabled', poll: poll === 'disabled' ? stats(2) : poll, now, knownNeighbors: new Set(knownNeighbors) };
    const out = tick(cfg, state, input);
    state = out.state;
    lines.push(out.commands.map(formatCommand));
    messages.push(...out.events.map((e) => e.message));
  });
  return { lines, messages, state };
}

/** The state after the config's routes were announced and ExaBGP holds them. */
const announcedState = (cfg: Config) => run(cfg, [stats(2)]).state;

const announce = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]';
const withdraw = 'withdraw route 198.18.0.10/32 next-hop self';

describe('tick', () => {
  it('announces on the first poll when HAProxy reports the service healthy, without waiting for rise', () => {
    const { lines, messages } = run(config({}, { rise: 5 }), [stats(2), stats(2)]);
    expect(lines).toEqual([[announce], []]);
    expect(messages).toContain('www: init → up (be_app: 2/2 servers up, need ≥ 1); announce 198.18.0.10/32 as-path [ 65010 65010 65010 ]');
  });

  it('withdraws on the first poll when the service is unhealthy: an earlier instance may have left the route', () => {
    expect(run(config({}, { fall: 5 }), [stats(0), stats(0)]).lines).toEqual([[withdraw], []]);
  });

  it('withdraws on the first poll when the stats source is unreadable, even with onStatsError hold', () => {
    expect(run(config({}, { onStatsError: 'hold' }), [failed]).lines).toEqual([[withdraw]]);
  });

  it('after the first poll, withdraws after fall unhealthy polls and logs why', () => {
    const { lines, messages } = run(config(), [stats(2), stats(0), stats(0), stats(0)]);
    expect(lines).toEqual([[announce], [], [withdraw], []]);
    expect(messages).toContain('www: falling → down (be_app: 0/2 servers up, need ≥ 1); withdraw 198.18.0.10/32');
  });

  it('after the first poll, announces again after rise healthy polls', () => {
    expect(run(config(), [stats(0), stats(2), stats(2), stats(2)]).lines).toEqual([[withdraw], [], [announce], []]);
  });

  it('fails closed: an unreadable stats source counts as unhealthy, and is logged once', () => {
    const { lines, messages } = run(config(), [stats(2), failed, failed, failed]);
    expect(lines).toEqual([[announce], [], [withdraw], []]);
    expect(messages.filter((m) => m.startsWith('stats unavailable'))).toEqual([
      'stats unavailable (counted as unhealthy): stats source unix:/run/haproxy/admin.sock: connect ENOENT',
    ]);
  });

  it('with onStatsError hold, keeps the route for staleMs, then goes down at once', () => {
    const cfg = config({}, { onStatsError: 'hold', staleMs: 2500, fall: 5 });
    // Last good poll at 1 s; 2 s and 3 s are within 2.5 s; 4 s is not.
    expect(run(cfg, [stats(2), timedOut, timedOut, timedOut]).lines).toEqual([[announce], [], [], [withdraw]]);
  });

  it.each(['connect ENOENT', 'connect ECONNREFUSED'])(
    'with onStatsError hold, does not hold when HAProxy is not running (%s): nothing serves the service',
    (cause) => {
      const gone: PollResult = { ok: false, error: `stats source unix:/run/haproxy/exabgp-anycast.sock: ${cause}` };
      const { lines, messages } = run(config({}, { onStatsError: 'hold', staleMs: 10_000, fall: 1 }), [stats(2), gone]);
      expect(lines).toEqual([[announce], [withdraw]]);
      expect(messages).toContain(`stats unavailable (counted as unhealthy): stats source unix:/run/haproxy/exabgp-anycast.sock: ${cause}`);
      expect(messages).toContain(`www: up → down (HAProxy is not running, not held: stats source unix:/run/haproxy/exabgp-anycast.sock: ${cause}); withdraw 198.18.0.10/32`);
    },
  );

  it('withdraws while the maintenance file exists and announces again after rise', () => {
    const { lines, messages } = run(config(), [stats(2), 'disabled', 'disabled', stats(2), stats(2)]);
    expect(lines).toEqual([[announce], [withdraw], [], [], [announce]]);
    expect(messages).toContain('www: up → disabled (maintenance file /run/maint exists); withdraw 198.18.0.10/32');
  });

  it('degrades instead of withdrawing, then withdraws after withdrawAfterMs', () => {
    const cfg = config({ onDown: { asPath: [65010, 65010, 65010, 65010, 65010], withdrawAfterMs: 2000 } });
    const degraded = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 65010 65010 ]';
    const { lines } = run(cfg, [stats(2), stats(0), stats(0), stats(0), stats(0), stats(2), stats(2)]);
    // down settles at 3 s; 5 s is 2000 ms later.
    expect(lines).toEqual([[announce], [], [degraded], [], [withdraw], [], [announce]]);
  });

  it('withdraws at once with withdrawAfterMs 0, never showing the degraded route', () => {
    const cfg = config({ onDown: { asPath: [65010, 65010, 65010, 65010, 65010], withdrawAfterMs: 0 } }, { fall: 1 });
    expect(run(cfg, [stats(0)]).lines).toEqual([[withdraw]]);
    expect(run(cfg, [stats(2), stats(0)]).lines).toEqual([[announce], [withdraw]]);
  });

  it('comes back only at the recover level (capacity hysteresis)', () => {
    const cfg = config({ health: { backends: ['be_app'], minUp: 1, recoverMinUp: 2 } }, { rise: 1, fall: 1 });
    expect(run(cfg, [stats(2), stats(1), stats(0), stats(1), stats(2)]).lines).toEqual([[announce], [], [withdraw], [], [announce]]);
  });

  it('withdraws everything that may be announced, and re-sends what was sent', () => {
    const state = announcedState(config());
    expect(withdrawEverything(state).commands.map(formatCommand)).toEqual([withdraw]);
    expect(resendCommands(state).map(formatCommand)).toEqual([announce]);
    // Before the first poll every configured route may be announced by an earlier instance.
    expect(withdrawEverything(initialEngineState(config(), 0)).commands.map(formatCommand)).toEqual([withdraw]);
  });

  it('warns once about servers without health checks', () => {
    const servers = [{ name: 's1', status: 'no check', checkStatus: '', backup: false }];
    const poll: PollResult = { ok: true, snapshot: { frontends: new Map(), backends: new Map([['be_app', { name: 'be_app', status: 'UP', servers }]]) } };
    const { messages } = run(config(), [poll, poll, poll]);
    expect(messages.filter((m) => m.includes('no health check'))).toHaveLength(1);
  });

  it('reports a verdict per service with its backends, for dry-run', () => {
    const cfg = config();
    const out = tick(cfg, initialEngineState(cfg, 0), { poll: stats(1), disabled: false, now: 0, knownNeighbors: new Set() });
    expect(out.verdicts).toEqual([
      { service: 'www', phase: 'up', mode: 'announced', reason: 'be_app: 1/2 servers up, need ≥ 1', backends: [{ backend: 'be_app', found: true, up: 1, total: 2, need: '≥ 1', enough: true }] },
    ]);
  });
});

describe('tick when HAProxy has not checked the servers yet (INI, after its start or reload)', () => {
  // minUp is every server, and the plugin acts on the first poll that sees a change (rise 1, fall 1).
  const strict = (top: Record<string, unknown> = {}) =>
    config({ health: { backends: ['be_app'], minUp: 2 } }, { rise: 1, fall: 1, staleMs: 2500, onStatsError: 'hold', ...top });
  const notChecked = statsAfterReload(0, 2);

  it('keeps an announced route through an HAProxy reload, and logs the hold and its end', () => {
    const { lines, messages } = run(strict(), [stats(2), notChecked, statsAfterReload(1, 1), stats(2), stats(2)]);
    expect(lines).toEqual([[announce], [], [], [], []]);
    expect(messages).toContain(
      "www: up (be_app: 0/2 servers up, 2 not checked yet since HAProxy's (re)start, need ≥ 2; holding the last verdict (up) for up to staleMs (2500 ms))",
    );
    expect(messages).toContain('www: up (be_app: 2/2 servers up, need ≥ 2); no longer holding');
    expect(messages.filter((m) => m.includes('holding'))).toHaveLength(2);
  });

  it('holds for staleMs from the first unchecked poll, then counts it as unhealthy', () => {
    // Unchecked from 2 s on; 3 s and 4 s are within 2.5 s of it, 5 s is not.
    const { lines, messages } = run(strict(), [stats(2), notChecked, notChecked, notChecked, notChecked]);
    expect(lines).toEqual([[announce], [], [], [], [withdraw]]);
    expect(messages).toContain(
      "www: up → down (be_app: 0/2 servers up, 2 not checked yet since HAProxy's (re)start, need ≥ 2; not checked for longer than staleMs (2500 ms)); withdraw 198.18.0.10/32",
    );
  });

  it('does not restart the hold after failed polls in between', () => {
    // The unchecked run starts at 2 s; the failed polls at 3 s and 4 s hold on their own, and 5 s is past 2.5 s from 2 s.
    expect(run(strict(), [stats(2), notChecked, timedOut, timedOut, notChecked]).lines).toEqual([[announce], [], [], [], [withdraw]]);
  });

  it('starts a new hold after a poll that decided', () => {
    expect(run(strict(), [stats(2), notChecked, notChecked, stats(2), notChecked, notChecked]).lines).toEqual([[announce], [], [], [], [], []]);
  });

  it('withdraws at once when a checked server is down, even with others unchecked', () => {
    expect(run(strict(), [stats(2), statsAfterReload(0, 1)]).lines).toEqual([[announce], [withdraw]]);
  });

  it('keeps a withdrawn service withdrawn while its servers are unchecked', () => {
    expect(run(strict(), [stats(1), notChecked, notChecked]).lines).toEqual([[withdraw], [], []]);
  });

  it('withdraws on the first poll, as unhealthy: with no verdict yet, unknown servers are not healthy', () => {
    const { lines, messages } = run(strict(), [notChecked, stats(2)]);
    expect(lines).toEqual([[withdraw], [announce]]);
    expect(messages).toContain(
      "www: init → down (be_app: 0/2 servers up, 2 not checked yet since HAProxy's (re)start, need ≥ 2; no verdict to hold yet); withdraw 198.18.0.10/32",
    );
  });

  it('does not hold with enough servers checked up: the others do not matter', () => {
    const lenient = config({ health: { backends: ['be_app'], minUp: 1 } }, { rise: 1, fall: 1 });
    const { lines, messages } = run(lenient, [stats(2), statsAfterReload(1, 1)]);
    expect(lines).toEqual([[announce], []]);
    expect(messages.filter((m) => m.includes('holding'))).toEqual([]);
  });
});

describe('tick after a reload', () => {
  const reloaded = (from: Config, to: Config, knownNeighbors: string[] = []) =>
    run(to, [stats(2)], reloadEngineState(announcedState(from), to, 5000), knownNeighbors).lines;

  it('withdraws prefixes the new config dropped', () => {
    expect(reloaded(config({ prefixes: ['198.18.0.10/32', '198.18.0.11/32'] }), config())).toEqual([['withdraw route 198.18.0.11/32 next-hop self']]);
  });

  it('announces new attributes without a withdraw', () => {
    expect(reloaded(config(), config({ asPath: [65010] }))).toEqual([['announce route 198.18.0.10/32 next-hop self as-path [ 65010 ]']]);
  });

  it.each([
    ['self to an address', {}, { nextHop: '127.0.0.9' }, ['announce route 198.18.0.10/32 next-hop 127.0.0.9 as-path [ 65010 65010 65010 ]']],
    ['an address to self', { nextHop: '127.0.0.9' }, {}, [announce]],
    [
      'a neighbor added',
      { neighbors: ['127.0.0.2'] },
      { neighbors: ['127.0.0.2', '127.0.0.3'] },
      ['neighbor 127.0.0.2 , neighbor 127.0.0.3 announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]'],
    ],
    [
      'a neighbor removed: withdrawn from it alone, before the announce',
      { neighbors: ['127.0.0.2', '127.0.0.3'] },
      { neighbors: ['127.0.0.2'] },
      ['neighbor 127.0.0.3 withdraw route 198.18.0.10/32 next-hop self', 'neighbor 127.0.0.2 announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]'],
    ],
    ['every neighbor instead of a list', { neighbors: ['127.0.0.2'] }, {}, [announce]],
  ])('never withdraws a healthy route from a peer that keeps it when the change is %s', (_title, before, after, lines) => {
    expect(reloaded(config(before), config(after))).toEqual([lines]);
  });

  it('narrowing "every neighbor" to one withdraws from the other neighbors ExaBGP told us of', () => {
    expect(reloaded(config(), config({ neighbors: ['127.0.0.2'] }), ['127.0.0.2', '127.0.0.3'])).toEqual([
      [
        'neighbor 127.0.0.3 withdraw route 198.18.0.10/32 next-hop self',
        'neighbor 127.0.0.2 announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]',
      ],
    ]);
  });

  it('moves a prefix between services without withdrawing it', () => {
    const from = config({ prefixes: ['198.18.0.10/32'] });
    const to = validateConfig(
      {
        stats: { source: 'unix:/run/haproxy/admin.sock' },
        services: [{ name: 'api', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] } }],
      },
      'test',
    );
    expect(reloaded(from, to)).toEqual([[]]);
  });
});
