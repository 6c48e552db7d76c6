// The fault matrix: real BIRD, ExaBGP, HAProxy and backends in network namespaces, every verdict read at the hub
// (BIRD's table, its own route trace, and the hub's kernel route) or at the client, never in the plugin's own logs alone.
// Needs root (network namespaces): skipped otherwise, but in CI that is a failure (test/support/namespace-lab.ts).
// One lab for the whole file; every case starts from the same steady state (beforeEach), so any case runs alone
// or in any order.
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { assertSteady, waitFor, type BirdRouteEvent, type SupervisedProcess } from '../../lab/daemons/index.js';
import { pidAlive, run } from '../../lab/exec.js';
import { Lab } from '../../lab/lab.js';
import { readHaproxyBackend } from '../../lab/measure.js';
import { hubKernelRoute } from '../../lab/netns.js';
import { describeWithNamespaces } from '../support/namespace-lab.js';

const REPO = join(import.meta.dirname, '..', '..');

// HAProxy checks every 200 ms, fall 2, rise 2 (generate's default is inter 1000: faster here to keep the file short).
const H = { inter: 200, fall: 2, rise: 2 };
// The plugin runs as users get it: generate's defaults, checked against the generated config in beforeAll. The
// event stream triggers a poll at each server state change; intervalMs is the safety-net poll.
const P = { intervalMs: 1000, rise: 1, fall: 1, onStatsError: 'hold', events: 'exabgp-anycast', staleMs: 10_000 };
/**
 * Event-driven failover, from HAProxy marking the servers DOWN to the hub losing the route: the event line, one
 * poll, ExaBGP and BGP take tens of ms (bench:reaction: the plugin's share p99 7 ms), plus up to 40 ms of the hub
 * watcher's sampling and 20 ms of ours. 500 ms is ten times that, so load on a 2-core machine does not reach it;
 * a safety poll may land anywhere in its 1000 ms period, so the time alone does not say which poll acted: the
 * plugin's reaction_seconds count, which only event-triggered polls that wrote a command add to, does.
 */
const EVENT_FAILOVER_MS = 500;
const NE = 'northeurope';
const WE = 'westeurope';
const FLAP_MS = Number(process.env.FAULT_FLAP_MS ?? 20_000);

type PluginConfig = {
  stats: Record<string, unknown>;
  services: Array<Record<string, unknown> & { health: { minUp?: number } }>;
  [k: string]: unknown;
};

describeWithNamespaces('fault matrix (real daemons in network namespaces)', () => {
  let lab: Lab;
  let goodConfig = '';
  let goodHaproxyCfg = '';
  /** Set by a case that edits the primary's haproxy.cfg: restoreSteadyState then puts it back and restarts HAProxy. */
  let haproxyCfgEdited = false;

  beforeAll(async () => {
    lab = await Lab.start({ repoRoot: REPO, haproxy: H });
    goodConfig = readFileSync(lab.primary.files.pluginConf, 'utf8');
    goodHaproxyCfg = readFileSync(lab.primary.files.haproxyCfg, 'utf8');
    const cfg = JSON.parse(goodConfig) as PluginConfig & Record<string, unknown>;
    // The bounds below are stated for these: if generate's defaults change, this says so first.
    expect({ intervalMs: cfg.intervalMs, rise: cfg.rise, fall: cfg.fall, onStatsError: cfg.onStatsError, events: cfg.stats.events, staleMs: cfg.staleMs ?? 10_000 }).toEqual(P);
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  beforeEach(restoreSteadyState, 60_000);

  const ne = () => lab.primary;
  const present = (region: string) => lab.watcher.current()?.present.includes(region) ?? false;
  const log = () => ne().pluginLog();

  /**
   * Whatever an earlier case left (it may have failed half-way): the generated haproxy.cfg, every daemon and
   * backend running and reachable, the socket readable, no maintenance file; then the hub's best path is
   * northeurope's, westeurope's path is there too, the hub's kernel forwards to northeurope, and the plugin
   * follows HAProxy's event stream (when its config asks for one). The plugin config is restored by the case that
   * changes it.
   */
  async function restoreSteadyState(): Promise<void> {
    if (haproxyCfgEdited) {
      writeFileSync(ne().files.haproxyCfg, goodHaproxyCfg);
      await ne().killHaproxy();
      haproxyCfgEdited = false;
    }
    for (const nva of lab.nvas) {
      if (!nva.exabgp?.running()) {
        await nva.exabgp?.stop();
        await nva.startExabgp();
      }
      if (!nva.haproxy?.running()) {
        await nva.haproxy?.stop();
        await nva.startHaproxy();
      }
      await nva.restoreBackendPaths();
      await nva.restoreBackends();
      await run('chgrp', ['exabgp', nva.files.statsSocket]);
      rmSync(lab.etcPath(nva, 'maintenance'), { force: true });
    }
    await expectNeBest(30_000);
    expect(await lab.waitPresent(WE, true, 30_000), "westeurope's path should be at the hub").toBeDefined();
    await waitFor("the hub's kernel route via northeurope", async () => (await hubKernelRoute(lab.topo)) === '198.18.1.2');
    if ((JSON.parse(readFileSync(ne().files.pluginConf, 'utf8')) as PluginConfig).stats.events !== undefined) {
      // A stream lost with HAProxy is retried with a back-off of at most 5 s.
      await waitFor("the plugin to follow HAProxy's event stream", async () => /^exabgp_anycast_events_connected\{[^}]*\} 1$/m.test(await ne().pluginMetrics()), {
        timeoutMs: 10_000,
        intervalMs: 200,
      });
    }
  }

  /** Puts the plugin config back after the case, pass or fail; `reload` when the plugin may have applied a change. */
  function restoreConfigAfterwards(reload: boolean): void {
    onTestFinished(() => {
      writeFileSync(ne().files.pluginConf, goodConfig);
      if (reload) ne().signalPlugin('SIGHUP');
    });
  }

  /** Applies a changed plugin config with SIGHUP, as an operator would; the good one is back after the case. */
  async function applyPluginConfig(change: (cfg: PluginConfig) => void): Promise<void> {
    restoreConfigAfterwards(true);
    const cfg = JSON.parse(goodConfig) as PluginConfig;
    change(cfg);
    writeFileSync(ne().files.pluginConf, JSON.stringify(cfg, null, 2));
    const off = log().length;
    ne().signalPlugin('SIGHUP');
    await waitFor('the plugin to apply the changed config', () => /config reloaded/.test(since(off)));
  }

  async function expectNeBest(timeoutMs = 10_000): Promise<number> {
    const t = await lab.waitBest(NE, timeoutMs);
    expect(t, `the hub's best path should be northeurope again within ${timeoutMs} ms`).toBeDefined();
    return t as number;
  }

  async function expectNeGone(timeoutMs: number): Promise<number> {
    const t = await lab.waitPresent(NE, false, timeoutMs);
    expect(t, `northeurope's path should leave the hub within ${timeoutMs} ms`).toBeDefined();
    return t as number;
  }

  /** The client's view: which region answers over a short burst of requests. */
  async function clientAnswers(ms = 600): Promise<Record<string, number>> {
    const c = await lab.startClient(ms, { periodMs: 20, timeoutMs: 400 });
    await c.finished();
    return c.byRegion();
  }

  /** Lines logged by the plugin since a given offset into its log. */
  const since = (offset: number) => log().slice(offset);

  /** northeurope's path coming and going at the hub since `from`, as BIRD itself logged it (ms timestamps). */
  const neRouteEvents = (from: number): BirdRouteEvent[] => lab.hub.routeEvents().filter((e) => e.protocol === 'nva_ne' && e.t >= from);

  /**
   * The primary's own be_app servers as HAProxy reports them, read as the plugin reads them. The backend also
   * lists westeurope's servers as backups (the bridge): those keep the BACKEND row UP and are not counted.
   */
  async function primaryServers(): Promise<Array<{ status: string; checkStatus: string }>> {
    return ((await readHaproxyBackend(ne().files.statsSocket, 'be_app'))?.servers ?? []).filter((s) => !s.backup);
  }

  /** Starts watching HAProxy's stats every 20 ms; resolves with the first time (epoch ms) they satisfy `accept`. */
  function whenPrimaryServers(description: string, accept: (statuses: string[]) => boolean): Promise<number> {
    return waitFor(
      `HAProxy: ${description}`,
      async () => accept((await primaryServers()).map((s) => s.status)) && Date.now(),
      { intervalMs: 20 },
    );
  }
  const allDown = (statuses: string[]) => statuses.length === 2 && statuses.every((s) => s.startsWith('DOWN'));
  const anyUp = (statuses: string[]) => statuses.some((s) => s.startsWith('UP'));

  /** How many event-triggered polls wrote a command (the plugin's exabgp_anycast_reaction_seconds histogram). */
  async function eventReactions(): Promise<number> {
    const metrics = await ne().pluginMetrics();
    const count = /^exabgp_anycast_reaction_seconds_count(?:\{[^}]*\})? (\d+)$/m.exec(metrics)?.[1];
    if (count === undefined) throw new Error(`no exabgp_anycast_reaction_seconds_count in the plugin's metrics:\n${metrics}`);
    return Number(count);
  }

  /** Waits until the plugin follows the event stream of the HAProxy running now (its log names the pid). */
  async function expectEventStreamFollowsCurrentHaproxy(logOffset: number, timeoutMs = 10_000): Promise<void> {
    const pid = ne().haproxy?.pid;
    // The stream is retried with a back-off of at most 5 s, so a running HAProxy is followed within about that.
    await waitFor(`the plugin to follow the event stream of HAProxy pid ${pid}`, () => since(logOffset).includes(`HAProxy pid ${pid}): a server state change triggers a poll`), {
      timeoutMs,
    });
  }

  /** Rewrites the primary's haproxy.cfg (restored by restoreSteadyState before the next case). */
  function editHaproxyCfg(from: string | RegExp, to: string): void {
    const edited = goodHaproxyCfg.replace(from, to);
    expect(edited, `the generated haproxy.cfg should contain ${String(from)}`).not.toBe(goodHaproxyCfg);
    haproxyCfgEdited = true;
    writeFileSync(ne().files.haproxyCfg, edited);
  }

  describe('1. backend servers', () => {
    it('one of two primary servers dies → still announced', async () => {
      await ne().killBackend('s1');
      await whenPrimaryServers('one primary server DOWN and one UP', (st) => st.filter((s) => s.startsWith('DOWN')).length === 1 && st.filter((s) => s.startsWith('UP')).length === 1);
      // The plugin has polled these stats (on HAProxy's DOWN event, and twice more on its safety net) and kept the route.
      await assertSteady('northeurope to stay the best path with one server up', () => lab.watcher.current()?.best === NE, {
        durationMs: 2 * P.intervalMs + 500,
      });
      const a = await clientAnswers();
      expect(a[NE]).toBeGreaterThan(0);
      expect(a[WE]).toBeUndefined();
    });

    it('both die → HAProxy marks them DOWN within its checks, the primary leaves the hub within intervalMs + 1 s of that; the secondary is best', async () => {
      const tKill = Date.now();
      const downAt = whenPrimaryServers('both primary servers DOWN', allDown);
      await ne().killBackends();
      const tGone = await expectNeGone(10_000);
      const tDown = await downAt;
      // HAProxy's own detection: fall checks, one inter apart, plus up to one inter before the first.
      expect(tDown - tKill).toBeLessThanOrEqual(H.inter * (H.fall + 1) + 600);
      // HAProxy's DOWN event makes it tens of ms (the restart case in 2. proves it); this bound holds for the safety poll alone.
      expect(tGone - tDown).toBeLessThanOrEqual(P.intervalMs + 1000);
      expect(lab.watcher.current()?.best).toBe(WE);
      expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.6');
      const a = await clientAnswers();
      expect(a[WE]).toBeGreaterThan(0);
      expect(a[NE]).toBeUndefined();
    });

    it('they return → back once HAProxy has seen rise good checks, not before', async () => {
      await ne().killBackends();
      await expectNeGone(10_000);
      const upAt = whenPrimaryServers('a primary server UP again', anyUp);
      const tListening = await ne().restoreBackends();
      const tBack = await expectNeBest(10_000);
      const tUp = await upAt;
      // Not before: HAProxy needs rise good checks, one inter apart, after the backend listens (it reports when);
      // the plugin, at rise 1, acts on the first poll that sees HAProxy's UP.
      expect(tBack - tListening).toBeGreaterThanOrEqual((H.rise - 1) * H.inter - 50);
      // Not much after: the UP event's poll, or at worst the next safety poll.
      expect(tBack - tUp).toBeLessThanOrEqual(P.intervalMs + 1000);
      expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.2');
    });

    it('packets to both primary servers are dropped (blackhole) → withdrawn once, no flapping, the client reaches westeurope; restored → back once', async () => {
      onTestFinished(() => ne().restoreBackendPaths());
      const from = Date.now();
      await ne().blackholeBackends();
      // HAProxy's checks time out (after inter, as no "timeout check" is set) fall times in a row, then the event.
      await expectNeGone(H.inter * (H.fall + 1) + P.intervalMs + 2000);
      expect(lab.watcher.current()?.best).toBe(WE);
      expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.6');
      const a = await clientAnswers();
      expect(a[WE]).toBeGreaterThan(0);
      expect(a[NE]).toBeUndefined();
      // Checks keep timing out: the route stays away, and BIRD's own trace shows one withdraw, nothing else.
      await assertSteady('northeurope to stay withdrawn while the blackhole lasts', () => !present(NE), { durationMs: 3000 });
      expect(neRouteEvents(from).map((e) => e.kind)).toEqual(['removed']);
      const tRestore = Date.now();
      await ne().restoreBackendPaths();
      await expectNeBest(H.inter * (H.rise + 1) + P.intervalMs + 2000);
      await assertSteady('northeurope to stay best once restored', () => lab.watcher.current()?.best === NE, { durationMs: 1500 });
      expect(neRouteEvents(tRestore).map((e) => e.kind)).toEqual(['added']);
    });
  });

  describe('2. HAProxy itself', () => {
    it('HAProxy on the primary is killed → withdrawn at the next poll, with the cause logged; restarted → announced', async () => {
      const off = log().length;
      await ne().killHaproxy();
      // An absent or refusing socket means nothing serves the service: onStatsError hold does not cover it.
      await expectNeGone(P.intervalMs + 2000);
      expect(lab.watcher.current()?.best).toBe(WE);
      expect(since(off)).toMatch(/stats source unix:\/etc\/exabgp\/exabgp-anycast\.sock: connect (ENOENT|ECONNREFUSED)/);
      await ne().startHaproxy();
      await expectNeBest(10_000);
    });

    it('HAProxy restarted → the event stream is re-established, and the next failover is still event-driven', async () => {
      const off = log().length;
      await ne().killHaproxy();
      await expectNeGone(P.intervalMs + 2000);
      await ne().startHaproxy();
      await expectEventStreamFollowsCurrentHaproxy(off);
      expect(since(off)).toMatch(/HAProxy event stream lost/);
      await expectNeBest(10_000);
      const reactions = await eventReactions();
      const downAt = whenPrimaryServers('both primary servers DOWN', allDown);
      await ne().killBackends();
      const tGone = await expectNeGone(5000);
      const tDown = await downAt;
      // Exactly one event-triggered poll wrote a command: the withdraw (see EVENT_FAILOVER_MS).
      expect(await eventReactions()).toBe(reactions + 1);
      expect(tGone - tDown).toBeLessThanOrEqual(EVENT_FAILOVER_MS);
    });

    it('its stats socket becomes unreadable (permissions) → held for staleMs, then withdrawn, and the log names the cause', async () => {
      const off = log().length;
      const tChange = Date.now();
      await run('chgrp', ['root', ne().files.statsSocket]);
      // onStatsError hold: the last verdict stands for staleMs from the last good poll, at most intervalMs before the change.
      await assertSteady('northeurope to stay announced while the hold lasts', () => present(NE), { durationMs: P.staleMs - P.intervalMs - 1000 });
      await expectNeGone(tChange + P.staleMs + P.intervalMs + 2000 - Date.now());
      expect(since(off)).toMatch(/stats source unix:\/etc\/exabgp\/exabgp-anycast\.sock: connect EACCES/);
      await run('chgrp', ['exabgp', ne().files.statsSocket]);
      await expectNeBest(P.intervalMs + 2000);
    }, 30_000);

    it('its socket at level user → the event stream is refused with the cause and the fix logged; polling goes on and still withdraws', async () => {
      editHaproxyCfg(/(stats socket \/etc\/exabgp\/exabgp-anycast\.sock .*)level operator/, '$1level user');
      const off = log().length;
      await ne().killHaproxy();
      await ne().startHaproxy();
      // The stream is retried with a back-off of at most 5 s.
      await waitFor('the plugin to log why the event stream is refused', () => /Permission denied.*level operator/.test(since(off)), { timeoutMs: 10_000 });
      // show stat needs no more than level user: polling goes on.
      await expectNeBest(10_000);
      const reactions = await eventReactions();
      await ne().killBackends();
      // HAProxy's detection, then the next safety poll.
      await expectNeGone(H.inter * (H.fall + 1) + 600 + P.intervalMs + 2000);
      expect(await eventReactions(), 'no event stream: the safety poll withdrew').toBe(reactions);
    });

    it('HAProxy reloaded (haproxy -sf) with minUp equal to all servers → the route never moves; the plugin holds through the unchecked servers and follows the new process', async () => {
      await applyPluginConfig((cfg) => {
        (cfg.services[0] as PluginConfig['services'][number]).health.minUp = 2;
      });
      // A reload applies a changed config; this one checks every 4 s. HAProxy spreads a new process's first checks
      // over that interval (backend01 at once, backend02 a quarter in, then the two bridge servers), so backend02
      // stays unchecked (INI) for a second: long enough for a poll to see it. At inter 200 it is checked within
      // 50 ms, before any poll could, and the case would not exercise the hold.
      editHaproxyCfg(`default-server inter ${H.inter}ms`, 'default-server inter 4000ms');
      const off = log().length;
      const from = Date.now();
      const sampleMs = 10_000;
      const steady = assertSteady('northeurope to stay the best path at the hub through both reloads', () => lab.watcher.current()?.best === NE, {
        durationMs: sampleMs,
        intervalMs: 20,
      });
      // A failure below fails the case; the sampler must not outlive it as an unhandled rejection.
      steady.catch(() => undefined);
      const slow = await ne().reloadHaproxy();
      ne().signalPlugin('SIGUSR1'); // a poll now, while backend02 is unchecked
      await slow.oldExited; // the plugin let go of the old process's stream
      await waitFor('both primary servers checked by the new process', async () => (await primaryServers()).every((s) => s.checkStatus !== 'INI' && s.status.startsWith('UP')));
      // And back to the generated config, by a reload again.
      writeFileSync(ne().files.haproxyCfg, goodHaproxyCfg);
      haproxyCfgEdited = false;
      const back = await ne().reloadHaproxy();
      await back.oldExited;
      await expectEventStreamFollowsCurrentHaproxy(off);
      expect(Date.now() - from, 'both reloads should be over while the hub is sampled').toBeLessThan(sampleMs);
      await steady;
      // BIRD's own trace, free of sampling gaps: northeurope's path never left nor changed.
      expect(neRouteEvents(from)).toEqual([]);
      const logged = since(off);
      expect(logged).toMatch(/www: up \(be_app: [01]\/2 servers up, [12] not checked yet since HAProxy's \(re\)start, need ≥ 2; holding the last verdict \(up\)/);
      expect(logged).toContain(`HAProxy was reloaded (pid ${slow.oldPid} → ${slow.newPid})`);
      expect(logged).toContain(`HAProxy was reloaded (pid ${back.oldPid} → ${back.newPid})`);
      expect(logged).not.toMatch(/www: up → /);
    }, 40_000);
  });

  describe('3. HTTP stats source', () => {
    const PASSWORD = 'lab-s3cr3t-Zq7';
    let agent: SupervisedProcess | undefined;
    const control = () => lab.etcPath(ne(), 'stats-http.json');
    const setMode = (mode: string, password = PASSWORD) => writeFileSync(control(), JSON.stringify({ mode, user: 'lab', password }));

    beforeAll(async () => {
      await restoreSteadyState();
      setMode('pass');
      const pw = lab.etcPath(ne(), 'stats-password');
      writeFileSync(pw, `${PASSWORD}\n`);
      await run('chgrp', ['exabgp', pw]);
      chmodSync(pw, 0o640);
      const statsHttp = await ne().spawn({
        name: 'stats-http',
        command: process.execPath,
        // It serves what HAProxy's admin socket says, as HAProxy's own stats page would.
        args: [lab.agents.statsHttp, '127.0.0.1', '8405', '/etc/exabgp/admin.sock', '/etc/exabgp/stats-http.json'],
      });
      agent = statsHttp;
      await statsHttp.waitFor('the stats page on port 8405', () => ne().portListening(8405));
      const cfg = JSON.parse(goodConfig) as PluginConfig;
      // An HTTP source has no event stream (stats.events would be a config error), and these cases assert that each
      // failure withdraws at the next poll: so withdraw, not generate's hold (which would keep the route for staleMs).
      cfg.stats = { source: 'http://127.0.0.1:8405/stats;csv', timeoutMs: 500, username: 'lab', passwordFile: '/etc/exabgp/stats-password' };
      cfg.onStatsError = 'withdraw';
      writeFileSync(ne().files.pluginConf, JSON.stringify(cfg, null, 2));
      const off = log().length;
      ne().signalPlugin('SIGHUP');
      await waitFor('the plugin to reload', () => /config reloaded/.test(since(off)));
      await assertSteady('northeurope to stay announced through the HTTP source', () => present(NE), { durationMs: 2 * P.intervalMs + 500 });
    }, 30_000);

    // A failed case must not leave the page misbehaving for the next one.
    afterEach(() => setMode('pass'));

    afterAll(async () => {
      writeFileSync(ne().files.pluginConf, goodConfig);
      ne().signalPlugin('SIGHUP');
      await agent?.stop();
      await expectNeBest(10_000);
    }, 30_000);

    const cases: Array<[string, () => void, RegExp]> = [
      ['wrong credentials (401)', () => setMode('pass', 'another-password'), /HTTP 401/],
      ['a 500', () => setMode('500'), /HTTP 500/],
      ['a hang past the timeout', () => setMode('hang'), /no complete reply within 500 ms/],
      ['a truncated body', () => setMode('truncated'), /stats source http:\/\/127\.0\.0\.1:8405\S*: (socket hang up|.*truncat|.*premature|.*ECONNRESET)/],
      ['a garbage body', () => setMode('garbage'), /stats from http:\/\/127\.0\.0\.1:8405\S*: first line is not the .*header/],
    ];
    for (const [name, apply, reason] of cases) {
      it(`${name} → withdrawn, with its reason logged`, async () => {
        const off = log().length;
        apply();
        // The next poll (intervalMs), its timeout (500 ms), then ExaBGP and BGP.
        await expectNeGone(P.intervalMs + 500 + 2000);
        expect(lab.watcher.current()?.best).toBe(WE);
        expect(since(off)).toMatch(reason);
        setMode('pass');
        await expectNeBest(10_000);
      });
    }

    it('the password never appears in any log', () => {
      // beforeAll has polled through the HTTP source, with the password, for several intervals.
      const logs = collectLogs(lab.dir);
      expect(logs.length).toBeGreaterThan(3);
      for (const f of logs) expect(readFileSync(f, 'utf8').includes(PASSWORD), `${f} holds the password`).toBe(false);
    });
  });

  describe('4. the plugin is SIGKILLed', () => {
    it('while the primary is down → ExaBGP respawns it and the route stays withdrawn', async () => {
      await ne().killBackends();
      await expectNeGone(5000);
      const [old] = ne().signalPlugin('SIGKILL');
      expect(old).toBeDefined();
      await ne().waitForRespawnedPlugin(old);
      // Long enough for the new instance to have started, polled at start and once more, and (wrongly) announced: it must not.
      await assertSteady('northeurope to stay withdrawn after the respawn', () => !present(NE), { durationMs: P.intervalMs + 1500 });
      await ne().restoreBackends();
      await expectNeBest(10_000);
    });

    it('at the moment the primary goes down → the stale announced route ends withdrawn', async () => {
      // ExaBGP keeps a dead process's routes announced; the respawned plugin must withdraw what it cannot vouch for.
      const [old] = ne().signalPlugin('SIGKILL');
      await ne().killBackends();
      await ne().waitForRespawnedPlugin(old);
      await expectNeGone(8000);
      await assertSteady('northeurope to stay withdrawn', () => !present(NE), { durationMs: 1000 });
      await ne().restoreBackends();
      await expectNeBest(10_000);
    });

    it('while up → it comes back announced and stays', async () => {
      const [old] = ne().signalPlugin('SIGKILL');
      await ne().waitForRespawnedPlugin(old);
      const tRespawn = Date.now();
      // Holds whether a new instance keeps the route from its first poll or withdraws at start and announces
      // after rise polls: once that start-up (Node's start, then rise polls; 2 s is ample at rise 1) is over,
      // northeurope is best and stays best.
      const startUpMs = 2000;
      await waitFor('northeurope best after the respawned plugin started up', () => Date.now() - tRespawn >= startUpMs && lab.watcher.current()?.best === NE, {
        timeoutMs: 10_000,
      });
      await assertSteady('northeurope to stay best', () => lab.watcher.current()?.best === NE, { durationMs: 2 * P.intervalMs + 500 });
      expect(ne().exabgp?.running()).toBe(true);
    });
  });

  describe('6. the hub restarts its BGP sessions', () => {
    it('→ the routes leave the hub and come back without any action', async () => {
      const before = await lab.hub.sessions();
      const seen = lab.hub.routeEvents().length;
      await lab.hub.restartSession('ne');
      await lab.hub.restartSession('we');
      // BIRD's own route trace, not our polling: each region's path was removed with its session and added again.
      for (const proto of ['nva_ne', 'nva_we']) {
        await waitFor(`the hub to drop and relearn ${proto}'s path`, () => {
          const kinds = lab.hub
            .routeEvents()
            .slice(seen)
            .filter((e) => e.protocol === proto)
            .map((e) => e.kind);
          const removed = kinds.indexOf('removed');
          return removed !== -1 && kinds.indexOf('added', removed) !== -1;
        }, { timeoutMs: 30_000 });
      }
      await expectNeBest(30_000);
      expect(await lab.waitPresent(WE, true, 30_000)).toBeDefined();
      const after = await lab.hub.sessions();
      for (const proto of ['nva_ne', 'nva_we']) {
        expect(after[proto]?.established, `${proto} Established`).toBe(true);
        expect(after[proto]?.since, `${proto} was restarted`).not.toBe(before[proto]?.since);
      }
    }, 60_000);
  });

  describe('7. maintenance file', () => {
    it('appears → withdrawn at the next poll; removed → announced at the next poll', async () => {
      // HAProxy says nothing about the file: the safety poll finds it, within intervalMs.
      const file = lab.etcPath(ne(), 'maintenance');
      const tCreate = Date.now();
      writeFileSync(file, 'lab maintenance\n');
      const tGone = await expectNeGone(P.intervalMs + 2000);
      expect(tGone - tCreate).toBeLessThanOrEqual(P.intervalMs + 1000);
      expect(lab.watcher.current()?.best).toBe(WE);
      await assertSteady('northeurope to stay withdrawn while the file exists', () => !present(NE), { durationMs: P.intervalMs + 500 });
      const tRemove = Date.now();
      rmSync(file);
      const tBack = await expectNeBest(10_000);
      expect(tBack - tRemove).toBeLessThanOrEqual(P.rise * P.intervalMs + 1000);
    });
  });

  describe('8. SIGHUP', () => {
    it('with an invalid config → the old config keeps running', async () => {
      restoreConfigAfterwards(false);
      const off = log().length;
      writeFileSync(ne().files.pluginConf, '{ "stats": ');
      ne().signalPlugin('SIGHUP');
      await expect.poll(() => since(off), { timeout: 5000 }).toMatch(/reload rejected/);
      await assertSteady('northeurope to stay best on the old config', () => lab.watcher.current()?.best === NE, { durationMs: 1500 });
      writeFileSync(ne().files.pluginConf, goodConfig);
      // Still the old config: backends dying still withdraws.
      await ne().killBackends();
      await expectNeGone(5000);
      await ne().restoreBackends();
      await expectNeBest(10_000);
    });

    it('with a valid one → it applies', async () => {
      restoreConfigAfterwards(true);
      const cfg = JSON.parse(goodConfig) as { services: Array<{ asPath: number[] }> };
      (cfg.services[0] as { asPath: number[] }).asPath = [65010, 65010];
      writeFileSync(ne().files.pluginConf, JSON.stringify(cfg, null, 2));
      ne().signalPlugin('SIGHUP');
      await expect
        .poll(async () => (await lab.hub.routes()).find((r) => r.nextHop === '198.18.1.2')?.asPath.length, { timeout: 5000 })
        .toBe(2);
      writeFileSync(ne().files.pluginConf, goodConfig);
      ne().signalPlugin('SIGHUP');
      await expect
        .poll(async () => (await lab.hub.routes()).find((r) => r.nextHop === '198.18.1.2')?.asPath.length, { timeout: 5000 })
        .toBe(1);
    });
  });

  describe('9. a flapping backend under route dampening', () => {
    const DAMPENING = { halfLifeMs: 5000, penalty: 1000, suppressAbove: 2000, reuseBelow: 750 };

    it(`backends killed and restored at random 100–600 ms for ${FLAP_MS / 1000} s → withdraws at the hub bounded by the penalty, none re-announced while suppressed; ExaBGP stays up, the session never drops`, async () => {
      await applyPluginConfig((cfg) => {
        (cfg.services[0] as Record<string, unknown>).dampening = DAMPENING;
      });
      // The service had no dampening before: its penalty starts at 0 here.
      const tApplied = Date.now();
      const exabgpPid = ne().exabgp?.pid;
      const before = (await lab.hub.sessions())['nva_ne'];
      let toggles = 0;
      let sessionDrops = 0;
      const sessionWatch = setInterval(() => {
        void lab.hub.sessions().then((s) => {
          if (s['nva_ne']?.established !== true) sessionDrops++;
        });
      }, 500);
      onTestFinished(() => clearInterval(sessionWatch));
      // Seeded pseudo-random down/up periods of 100–600 ms: HAProxy (fall 2, rise 2 at 200 ms) sees some, misses others.
      let seed = 42;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      while (Date.now() - tApplied < FLAP_MS) {
        await ne().killBackends();
        // These pauses are the fault itself (how long the backends stay down, then up), not a wait for anything.
        await delay(100 + rnd() * 500);
        await ne().restoreBackends();
        await delay(100 + rnd() * 500);
        toggles += 2;
      }
      clearInterval(sessionWatch);
      const windowMs = Date.now() - tApplied;
      // The hub's own record (BIRD's route trace, ms timestamps) of northeurope's path coming and going.
      const changes = neRouteEvents(tApplied);
      const withdraws = changes.filter((e) => e.kind === 'removed');
      const bound = maxWithdrawsUnderDampening(DAMPENING, windowMs);
      console.log(`flapping under dampening: ${toggles} kills/restores in ${windowMs} ms, ${withdraws.length} withdraws at the hub (at most ${bound} allowed)`);
      expect(toggles).toBeGreaterThan(FLAP_MS / 1000);
      expect(withdraws.length).toBeLessThanOrEqual(bound);
      expect(changes.every((e, i) => i === 0 || e.kind !== (changes[i - 1] as BirdRouteEvent).kind), 'withdraws and announces alternate').toBe(true);

      // Each suppression as the plugin logged it ("suppressed until … flap penalty P"), from its withdraw until the
      // penalty has decayed to reuseBelow: the hub must not get the path back inside it, however healthy HAProxy says
      // the backends are meanwhile (they are up half the time).
      const suppressions = [...since(0).matchAll(/^(\S+) \w+ www: [^\n]*→ down \([^\n]*; suppressed until \d+ s from now: flap penalty (\d+), reuse below \d+\); withdraw/gm)]
        .map(([, at = '', penalty = '']) => ({ from: Date.parse(at), until: Date.parse(at) + DAMPENING.halfLifeMs * Math.log2(Number(penalty) / DAMPENING.reuseBelow) }))
        .filter((x) => x.from >= tApplied);
      expect(suppressions.length, 'the flapping should have been suppressed at least once').toBeGreaterThan(0);
      for (const { from, until } of suppressions) {
        // 100 ms for the log line's timestamp coming a little after the decision it reports.
        const back = changes.filter((e) => e.kind === 'added' && e.t > from && e.t < until - 100);
        expect(back, `northeurope's path re-announced while suppressed (${new Date(from).toISOString()} + ${Math.round(until - from)} ms)`).toEqual([]);
      }
      expect(ne().exabgp?.running()).toBe(true);
      expect(ne().exabgp?.pid).toBe(exabgpPid);
      expect(sessionDrops).toBe(0);
      const after = (await lab.hub.sessions())['nva_ne'];
      expect(after?.established).toBe(true);
      expect(after?.since).toBe(before?.since);
    }, FLAP_MS + 60_000);
  });

  describe('5. ExaBGP is stopped', () => {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      it(`with ${signal} → the plugin exits within 1 s and no process is left behind`, async () => {
        const plugin = ne().pluginPids();
        expect(plugin.length).toBe(1);
        const exabgp = ne().exabgp as SupervisedProcess;
        exabgp.signal(signal);
        await exabgp.exited;
        const tStopped = Date.now();
        await expect.poll(() => plugin.every((p) => !pidAlive(p)), { timeout: 1000, interval: 20 }).toBe(true);
        expect(Date.now() - tStopped).toBeLessThanOrEqual(1000);
        // Left in the namespace: only HAProxy and the backends (and the HTTP stats page, if 3. ran).
        const left = (await run('ip', ['netns', 'pids', ne().ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
        for (const p of left.filter(pidAlive)) {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
          expect(cmd).toMatch(/haproxy|backend\.cjs|stats-http\.cjs/);
        }
        await expectNeGone(5000);
        await exabgp.stop();
        await ne().startExabgp();
        await expectNeBest(30_000);
      }, 60_000);
    }
  });
});

function collectLogs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...collectLogs(p));
    else if (/\.(log|out)$/.test(e) && existsSync(p)) out.push(p);
  }
  return out;
}

/**
 * The most withdraws route dampening lets through in `windowMs`, from a penalty of 0. A withdraw comes only while
 * the route is not suppressed, so the penalty before it is at most suppressAbove (or below reuseBelow, after a
 * suppression), and after it q_k ≤ q = suppressAbove + penalty. Between withdraws k and k+1 the penalty decays
 * from q_k to q_{k+1} − penalty, which takes halfLife × log2(q_k / (q_{k+1} − penalty)). Summed over W withdraws
 * this telescopes to halfLife × (log2(q_1 / q_W) + Σ_{k=2..W} log2(q_k / (q_k − penalty))) ≤ windowMs, where
 * q_1 = penalty, q_W ≤ q, and each term of the sum is at least log2(q / (q − penalty)). Hence
 * W ≤ 1 + (windowMs / halfLife + log2(q / penalty)) / log2(q / (q − penalty)):
 * 11 in 22 s at halfLife 5 s, penalty 1000, suppressAbove 2000.
 */
function maxWithdrawsUnderDampening(d: { halfLifeMs: number; penalty: number; suppressAbove: number }, windowMs: number): number {
  const q = d.suppressAbove + d.penalty;
  return Math.floor(1 + (windowMs / d.halfLifeMs + Math.log2(q / d.penalty)) / Math.log2(q / (q - d.penalty)));
}
