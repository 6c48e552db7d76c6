// The fault matrix: real BIRD, ExaBGP, HAProxy and backends in network namespaces, every verdict read at the hub
// (BIRD's table and the hub's kernel route) or at the client, never in the plugin's own logs alone.
// Needs root (network namespaces): skipped otherwise, but in CI that is a failure (test/support/namespace-lab.ts).
// One lab for the whole file; every case starts from the same steady state (beforeEach), so any case runs alone
// or in any order.
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { assertSteady, waitFor, type SupervisedProcess } from '../../lab/daemons/index.js';
import { pidAlive, run } from '../../lab/exec.js';
import { Lab } from '../../lab/lab.js';
import { HaproxyPoller, readHaproxyBackend } from '../../lab/measure.js';
import { hubKernelRoute } from '../../lab/netns.js';
import { describeWithNamespaces } from '../support/namespace-lab.js';

const REPO = join(import.meta.dirname, '..', '..');

// Timing under test: HAProxy checks every 200 ms, fall 2, rise 2; the plugin polls every 200 ms, rise 2, fall 2.
const H = { inter: 200, fall: 2, rise: 2 };
const P = { intervalMs: 200, rise: 2, fall: 2 };
const NE = 'northeurope';
const WE = 'westeurope';
const FLAP_MS = Number(process.env.FAULT_FLAP_MS ?? 60_000);

describeWithNamespaces('fault matrix (real daemons in network namespaces)', () => {
  let lab: Lab;
  let goodConfig = '';

  beforeAll(async () => {
    lab = await Lab.start({ repoRoot: REPO, ...P, haproxy: H });
    goodConfig = readFileSync(lab.primary.files.pluginConf, 'utf8');
  }, 90_000);

  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  beforeEach(restoreSteadyState, 60_000);

  const ne = () => lab.primary;
  const present = (region: string) => lab.watcher.current()?.present.includes(region) ?? false;
  const log = () => ne().pluginLog();

  /**
   * Whatever an earlier case left (it may have failed half-way): every daemon and backend running, the socket
   * readable, no maintenance file; then the hub's best path is northeurope's, westeurope's path is there too,
   * and the hub's kernel forwards to northeurope. The plugin config is restored by the case that changes it.
   */
  async function restoreSteadyState(): Promise<void> {
    for (const nva of lab.nvas) {
      if (!nva.exabgp?.running()) {
        await nva.exabgp?.stop();
        await nva.startExabgp();
      }
      if (!nva.haproxy?.running()) {
        await nva.haproxy?.stop();
        await nva.startHaproxy();
      }
      await nva.restoreBackends();
      await run('chgrp', ['exabgp', nva.files.statsSocket]);
      rmSync(lab.etcPath(nva, 'maintenance'), { force: true });
    }
    await expectNeBest(30_000);
    expect(await lab.waitPresent(WE, true, 30_000), "westeurope's path should be at the hub").toBeDefined();
    await waitFor("the hub's kernel route via northeurope", async () => (await hubKernelRoute(lab.topo)) === '198.18.1.2');
  }

  /** Puts the plugin config back after the case, pass or fail; `reload` when the plugin may have applied a change. */
  function restoreConfigAfterwards(reload: boolean): void {
    onTestFinished(() => {
      writeFileSync(ne().files.pluginConf, goodConfig);
      if (reload) ne().signalPlugin('SIGHUP');
    });
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

  /** HAProxy's status words for the primary's be_app servers, read as the plugin reads them. */
  async function serverStatuses(): Promise<string[]> {
    return (await readHaproxyBackend(ne().files.statsSocket, 'be_app'))?.servers.map((s) => s.status) ?? [];
  }

  describe('1. backend servers', () => {
    it('one of two primary servers dies → still announced', async () => {
      await ne().killBackend('s1');
      await waitFor('HAProxy to see one server DOWN and one UP', async () => {
        const statuses = await serverStatuses();
        return statuses.filter((s) => s.startsWith('DOWN')).length === 1 && statuses.filter((s) => s.startsWith('UP')).length === 1;
      });
      // The plugin has seen the same stats for fall + 2 polls and kept the route.
      await assertSteady('northeurope to stay the best path with one server up', () => lab.watcher.current()?.best === NE, {
        durationMs: P.intervalMs * (P.fall + 2),
      });
      const a = await clientAnswers();
      expect(a[NE]).toBeGreaterThan(0);
      expect(a[WE]).toBeUndefined();
    });

    it('both die → the primary leaves the hub within detection + fall × intervalMs + 1 s; the secondary is best', async () => {
      const poller = new HaproxyPoller(ne().files.statsSocket, 'be_app');
      poller.start();
      const tKill = Date.now();
      await ne().killBackends();
      const tGone = await expectNeGone(10_000);
      poller.stop();
      const tDown = poller.firstAfter(tKill - 50, (s) => s.status.startsWith('DOWN'));
      expect(tDown, 'HAProxy should have marked be_app DOWN').toBeDefined();
      // HAProxy's own detection: fall checks, one inter apart, plus up to one inter before the first.
      expect((tDown as number) - tKill).toBeLessThanOrEqual(H.inter * (H.fall + 1) + 600);
      expect(tGone - (tDown as number)).toBeLessThanOrEqual(P.fall * P.intervalMs + 1000);
      expect(lab.watcher.current()?.best).toBe(WE);
      expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.6');
      const a = await clientAnswers();
      expect(a[WE]).toBeGreaterThan(0);
      expect(a[NE]).toBeUndefined();
    });

    it('they return → back after rise, not before', async () => {
      await ne().killBackends();
      await expectNeGone(10_000);
      const poller = new HaproxyPoller(ne().files.statsSocket, 'be_app');
      poller.start();
      const tListening = await ne().restoreBackends();
      const tBack = await expectNeBest(10_000);
      poller.stop();
      const tUp = poller.firstAfter(0, (s) => s.status.startsWith('UP'));
      expect(tUp).toBeDefined();
      // Not before: HAProxy needs (rise − 1) more checks after the first good one, then the plugin (rise − 1)
      // more polls after its first healthy one. Both bounds are exact (the backend reports when it listens).
      expect(tBack - tListening).toBeGreaterThanOrEqual((H.rise - 1) * H.inter + (P.rise - 1) * P.intervalMs - 50);
      // Not much after: rise polls (+1 s) once HAProxy said UP.
      expect(tBack - (tUp as number)).toBeLessThanOrEqual(P.rise * P.intervalMs + 1000);
      expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.2');
    });
  });

  describe('2. HAProxy itself', () => {
    it('HAProxy on the primary is killed → withdrawn, with the cause logged; restarted → announced', async () => {
      const off = log().length;
      await ne().killHaproxy();
      await expectNeGone(P.fall * P.intervalMs + 3000);
      expect(lab.watcher.current()?.best).toBe(WE);
      expect(since(off)).toMatch(/stats source unix:\/etc\/exabgp\/haproxy-admin\.sock: connect (ENOENT|ECONNREFUSED)/);
      await ne().startHaproxy();
      await expectNeBest(10_000);
    });

    it('its stats socket becomes unreadable (permissions) → withdrawn, and the log names the cause', async () => {
      const off = log().length;
      await run('chgrp', ['root', ne().files.statsSocket]);
      await expectNeGone(P.fall * P.intervalMs + 3000);
      expect(since(off)).toMatch(/connect EACCES/);
      await run('chgrp', ['exabgp', ne().files.statsSocket]);
      await expectNeBest(10_000);
    });
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
        args: [lab.agents.statsHttp, '127.0.0.1', '8405', '/etc/exabgp/haproxy-admin.sock', '/etc/exabgp/stats-http.json'],
      });
      agent = statsHttp;
      await statsHttp.waitFor('the stats page on port 8405', () => ne().portListening(8405));
      const cfg = JSON.parse(goodConfig) as { stats: Record<string, unknown> };
      cfg.stats = { source: 'http://127.0.0.1:8405/stats;csv', timeoutMs: 500, username: 'lab', passwordFile: '/etc/exabgp/stats-password' };
      writeFileSync(ne().files.pluginConf, JSON.stringify(cfg, null, 2));
      const off = log().length;
      ne().signalPlugin('SIGHUP');
      await waitFor('the plugin to reload', () => /config reloaded/.test(since(off)));
      await assertSteady('northeurope to stay announced through the HTTP source', () => present(NE), { durationMs: P.intervalMs * (P.fall + 3) });
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
        await expectNeGone(P.fall * (P.intervalMs + 500) + 3000);
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
      // Long enough for the new instance to have started, polled and (wrongly) announced: it must not.
      await assertSteady('northeurope to stay withdrawn after the respawn', () => !present(NE), { durationMs: 2000 });
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
      // after rise polls: once that start-up (Node's start, then rise polls; 2 s is ample) is over,
      // northeurope is best and stays best.
      const startUpMs = 2000;
      await waitFor('northeurope best after the respawned plugin started up', () => Date.now() - tRespawn >= startUpMs && lab.watcher.current()?.best === NE, {
        timeoutMs: 10_000,
      });
      await assertSteady('northeurope to stay best', () => lab.watcher.current()?.best === NE, { durationMs: P.intervalMs * (P.rise + 2) });
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
    it('appears → withdrawn; removed → announced after rise', async () => {
      const file = lab.etcPath(ne(), 'maintenance');
      writeFileSync(file, 'lab maintenance\n');
      await expectNeGone(P.intervalMs * 2 + 2000);
      expect(lab.watcher.current()?.best).toBe(WE);
      await assertSteady('northeurope to stay withdrawn while the file exists', () => !present(NE), { durationMs: 500 });
      const tRemove = Date.now();
      rmSync(file);
      const tBack = await expectNeBest(10_000);
      expect(tBack - tRemove).toBeGreaterThanOrEqual((P.rise - 1) * P.intervalMs);
      expect(tBack - tRemove).toBeLessThanOrEqual((P.rise + 1) * P.intervalMs + 1000);
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

  describe('9. rapid flapping', () => {
    it(`backends killed and restored many times a second for ${FLAP_MS / 1000} s → the route follows rise/fall, ExaBGP stays up, the session never drops`, async () => {
      const exabgpPid = ne().exabgp?.pid;
      const before = (await lab.hub.sessions())['nva_ne'];
      const from = Date.now();
      let toggles = 0;
      let sessionDrops = 0;
      const sessionWatch = setInterval(() => {
        void lab.hub.sessions().then((s) => {
          if (s['nva_ne']?.established !== true) sessionDrops++;
        });
      }, 500);
      // Seeded pseudo-random down/up periods of 100–600 ms: HAProxy sees some, misses others.
      let seed = 42;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      while (Date.now() - from < FLAP_MS) {
        await ne().killBackends();
        // These pauses are the fault itself (how long the backends stay down, then up), not a wait for anything.
        await delay(100 + rnd() * 500);
        await ne().restoreBackends();
        await delay(100 + rnd() * 500);
        toggles += 2;
      }
      clearInterval(sessionWatch);
      // The hub's own record (BIRD's route trace, ms timestamps) of northeurope's path coming and going.
      const neChanges = lab.hub.routeEvents().filter((e) => e.protocol === 'nva_ne' && e.t >= from);
      // rise/fall: after a change the plugin needs at least min(rise, fall) polls before the next one
      // (a plugin without hysteresis could flip on consecutive polls, one intervalMs apart).
      const gaps = neChanges.slice(1).map((e, i) => e.t - (neChanges[i] as { t: number }).t);
      // (100 ms of slack for BIRD's own processing jitter under load; a flip on consecutive polls is 200 ms.)
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(Math.min(P.rise, P.fall) * P.intervalMs - 100);
      expect(neChanges.every((e, i) => i === 0 || e.kind !== (neChanges[i - 1] as { kind: string }).kind)).toBe(true);
      console.log(`flapping: ${toggles} kills/restores, ${neChanges.length} route changes at the hub, closest ${Math.min(...gaps)} ms apart`);
      expect(toggles).toBeGreaterThan(FLAP_MS / 1000);
      // The flapping is seen (HAProxy catches the longer outages), not filtered away entirely.
      expect(neChanges.length).toBeGreaterThan(2);
      expect(ne().exabgp?.running()).toBe(true);
      expect(ne().exabgp?.pid).toBe(exabgpPid);
      expect(sessionDrops).toBe(0);
      const after = (await lab.hub.sessions())['nva_ne'];
      expect(after?.established).toBe(true);
      expect(after?.since).toBe(before?.since);
      await expectNeBest(10_000);
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
