import { describe, expect, it } from 'vitest';
import { pluginStatus } from '../../../src/observe/status.js';
import { config, observedPlugin, stats } from './observed-plugin.js';

const facts = { version: '9.9.9', pid: 4242, startedAtMs: Date.parse('2027-01-15T10:00:00.000Z') };
/** Wall time 2027-01-15T10:00:10Z when the performance clock reads `perfMs`. */
const clockAt = (perfMs: number) => ({ wallMs: Date.parse('2027-01-15T10:00:10.000Z'), perfMs });
const statusOf = (plugin: ReturnType<typeof observedPlugin>) => pluginStatus(plugin.observation, clockAt(plugin.perf()), facts);

describe('GET /status, built from what the plugin reported', () => {
  it('says nothing about services before the first poll, and names the process', () => {
    const status = statusOf(observedPlugin(config()));
    expect(status).toMatchObject({
      version: '9.9.9',
      pid: 4242,
      startedAt: '2027-01-15T10:00:00.000Z',
      now: '2027-01-15T10:00:10.000Z',
      statsSource: undefined,
      lastGoodPollAt: null,
      lastGoodPollAgeMs: null,
      statsError: null,
      events: null,
      neighbors: [],
      services: [],
      lastReload: null,
    });
  });

  it('shows an announced route with its exact command and attributes once ExaBGP answered done, with times in wall time', () => {
    const plugin = observedPlugin(config({ med: 20, communities: ['65010:100'] }));
    plugin.poll(stats(2)); // perf 1000: up
    plugin.poll(stats(2)); // perf 2000
    plugin.answer(true);
    const status = statusOf(plugin);
    expect(status.statsSource).toBe('unix:/run/haproxy/admin.sock');
    // The last good poll is the one at perf 2000, which is now.
    expect(status.lastGoodPollAt).toBe('2027-01-15T10:00:10.000Z');
    expect(status.lastGoodPollAgeMs).toBe(0);
    expect(status.services).toEqual([
      {
        name: 'www',
        verdict: 'up',
        phase: 'up',
        since: '2027-01-15T10:00:09.000Z',
        reason: 'be_app: 2/2 servers up, need ≥ 1',
        mode: 'announced',
        backends: [{ backend: 'be_app', found: true, up: 2, total: 2, need: '≥ 1', enough: true }],
        routes: [
          {
            prefix: '198.18.0.10/32',
            state: 'announced',
            command: 'announce route 198.18.0.10/32 next-hop self med 20 community [ 65010:100 ] as-path [ 65010 65010 65010 ]',
            nextHop: 'self',
            neighbors: [],
            asPath: [65010, 65010, 65010],
            med: 20,
            localPreference: null,
            communities: ['65010:100'],
            largeCommunities: [],
            why: null,
          },
        ],
        dampening: null,
      },
    ]);
  });

  it('tells a route waiting for its answer from one ExaBGP rejected, and says when it is sent again', () => {
    const pending = observedPlugin(config());
    pending.poll(stats(2));
    expect(statusOf(pending).services[0]?.routes[0]).toMatchObject({ state: 'pending', why: expect.stringMatching(/no answer yet/) });

    const rejected = observedPlugin(config());
    rejected.poll(stats(2)); // perf 1000
    rejected.answer(false); // re-sent 1 s later: perf 2000, i.e. now (10:00:10) + 1 s
    expect(statusOf(rejected).services[0]?.routes[0]).toMatchObject({
      state: 'rejected',
      command: 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]',
      why: expect.stringMatching(/answered "error" 1 time\(s\).*at 2027-01-15T10:00:11\.000Z$/),
    });
  });

  it('gives a withdrawn route the service reason, and measures a down service against its recover threshold', () => {
    const plugin = observedPlugin(config({ health: { backends: ['be_app'], minUp: 1, recoverMinUp: 2 } }, { fall: 1 }));
    plugin.poll(stats(2));
    plugin.poll(stats(0));
    plugin.poll(stats(1));
    const [service] = statusOf(plugin).services;
    expect(service).toMatchObject({
      verdict: 'down',
      phase: 'down',
      mode: 'withdrawn',
      reason: 'be_app: 1/2 servers up, need ≥ 2',
      backends: [{ backend: 'be_app', up: 1, total: 2, need: '≥ 2', enough: false }],
    });
    expect(service?.routes[0]).toMatchObject({ state: 'withdrawn', command: null, nextHop: null, asPath: [], why: 'be_app: 1/2 servers up, need ≥ 2' });
  });

  it('shows a dampened service\'s penalty as of now, and until when its healthy service stays withdrawn', () => {
    const dampening = { halfLifeMs: 10_000, penalty: 3000, suppressAbove: 2000, reuseBelow: 750, maxSuppressMs: 60_000 };
    const plugin = observedPlugin(config({ dampening }, { rise: 1, fall: 1 }));
    plugin.poll(stats(2)); // perf 1000: announced
    expect(statusOf(plugin).services[0]?.dampening).toEqual({ penalty: 0, suppressedUntil: null });
    plugin.poll(stats(0)); // perf 2000: withdrawn, penalty 3000, suppressed until 2000 + 10 s × log2(3000 / 750)
    plugin.poll(stats(2)); // perf 3000
    const [service] = statusOf(plugin).services;
    expect(service).toMatchObject({ verdict: 'up', mode: 'withdrawn', dampening: { penalty: 2799, suppressedUntil: '2027-01-15T10:00:29.000Z' } });
    expect(service?.routes[0]).toMatchObject({ state: 'withdrawn', why: expect.stringContaining('suppressed until 19 s from now') });
  });

  it('reports a failing stats source, the age of the last good poll, neighbors and the last reload', () => {
    const plugin = observedPlugin(config());
    plugin.poll(stats(2)); // perf 1000
    plugin.observer.neighbor('127.0.0.2', 'up');
    plugin.poll({ ok: false, error: 'stats source unix:/run/haproxy/admin.sock: connect ENOENT' }); // perf 2000
    plugin.observer.reloaded({ ok: false, error: 'test: invalid configuration:\n  - /rise: must be >= 1' });
    const status = statusOf(plugin);
    expect(status).toMatchObject({
      lastGoodPollAt: '2027-01-15T10:00:09.000Z',
      lastGoodPollAgeMs: 1000,
      statsError: 'stats source unix:/run/haproxy/admin.sock: connect ENOENT',
      neighbors: [{ address: '127.0.0.2', state: 'up', since: '2027-01-15T10:00:09.000Z' }],
      lastReload: { at: '2027-01-15T10:00:10.000Z', ok: false, error: 'test: invalid configuration:\n  - /rise: must be >= 1' },
    });
    expect(status.services[0]?.backends).toEqual([]);
    expect(status.services[0]?.reason).toMatch(/^stats unavailable/);
  });
});
