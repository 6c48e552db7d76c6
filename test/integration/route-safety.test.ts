// Issue 8's route-level findings, asserted where a route is the question: in BIRD's table.
// Two BIRD 2 "hubs" (A and B) peer with one ExaBGP 4.2 that runs dist/exabgp-anycast.js, all on
// loopback. The stats come from files captured from a real HAProxy, so a test sets health exactly.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  assertSteady,
  exabgpConfig,
  openLab,
  sessionMembers,
  startBird,
  startExabgp,
  waitFor,
  type Bird,
  type BirdRoute,
  type Exabgp,
  type Lab,
} from '../../lab/daemons/index.js';

const plugin = fileURLToPath(new URL('../../dist/exabgp-anycast.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/haproxy/${name}`, import.meta.url));
const prefix = '198.18.0.10/32';
const hubA = '127.0.0.2';
const hubB = '127.0.0.3';

describe('routes at the hub: restarts, reloads and rejected commands (ExaBGP 4.2, BIRD 2)', () => {
  let lab: Lab;
  let birdA: Bird;
  let birdB: Bird;
  let exabgp: Exabgp | undefined;
  let started = 0;

  beforeAll(async () => {
    lab = openLab('route-safety');
    const neighbors = [{ name: 'nva', address: '127.0.0.1', as: 65010 }];
    birdA = await startBird(lab, { name: 'hub_a', routerId: hubA, address: hubA, localAs: 65515, neighbors });
    birdB = await startBird(lab, { name: 'hub_b', routerId: hubB, address: hubB, localAs: 65515, neighbors });
  });
  afterAll(() => lab?.close());

  beforeEach(() => {
    copyFileSync(fixture('2.6-all-up.csv'), lab.path('stats.csv'));
    writePluginConfig();
  });
  // Each case gets its own ExaBGP: it restarts the plugin, and ExaBGP allows only five starts a minute.
  afterEach(async () => {
    await exabgp?.stop();
    exabgp = undefined;
  });

  it('an instance respawned with an invalid config withdraws what the killed one announced (finding 1)', async () => {
    await startNva();
    await waitForAnnounced(birdA);
    writeFileSync(lab.path('exabgp-anycast.json'), '{ "stats": ');
    const killed = await restartPlugin('SIGKILL');
    await birdA.waitForRoutes(prefix, 'withdrawn by the respawned instance', (routes) => routes.length === 0, { context: logs });
    expect(await pluginPid()).not.toBe(killed);
    expect(exabgp?.process.stderr()).toMatch(/withdrew what the config does not vouch for: withdraw 198\.18\.0\.10\/32 from 127\.0\.0\.[23], 127\.0\.0\.[23]/);
  });

  it('a prefix renamed before a crash is withdrawn by the next instance, and the new one announced (finding 1)', async () => {
    await startNva();
    await waitForAnnounced(birdA);
    writePluginConfig({ prefixes: ['198.18.0.11/32'] });
    await restartPlugin('SIGKILL');
    await birdA.waitForRoutes(prefix, 'the old prefix withdrawn', (routes) => routes.length === 0, { context: logs });
    await birdA.waitForRoutes('198.18.0.11/32', 'the new prefix announced', (routes) => routes.length === 1, { context: logs });
  });

  it('after "error" the route is not taken as announced: once exabgp.conf is fixed and reloaded, it reaches the hub (finding 2)', async () => {
    await startNva({ listProcess: false });
    await waitFor('the plugin to log the rejection', () => /it is NOT announced, re-sending in 1 s/.test(exabgp?.process.stderr() ?? ''), { context: logs });
    expect(await birdA.showRoutes(prefix)).toEqual([]);
    if (!exabgp) throw new Error('no ExaBGP');
    // 4.2.21's reload keeps a neighbor that compares equal, and its comparison ignores `api`, so
    // the fix needs another change to the neighbor (5.0.13 applies an api-only change): see
    // test/fixtures/exabgp/README.md. The plugin keeps re-sending meanwhile; nothing restarts it.
    const pid = await pluginPid();
    writeFileSync(exabgp.configPath, nvaConfig({ listProcess: true, holdTime: 10 }));
    exabgp.process.signal('SIGUSR1');
    await waitForAnnounced(birdA, 20_000);
    await waitFor('the plugin to log that ExaBGP took it', () => /ExaBGP accepted announce 198\.18\.0\.10\/32 .*after \d+ rejection/.test(exabgp?.process.stderr() ?? ''), { context: logs });
    expect(await pluginPid()).toBe(pid);
  });

  it.each(['SIGKILL', 'SIGUSR2'] as const)('a healthy route never leaves the hub when the plugin gets %s and ExaBGP respawns it (finding 9)', async (signal) => {
    await startNva();
    await waitForAnnounced(birdA);
    const watching = routeStaysAtHubA(3000);
    const before = exabgp?.process.stderr().length ?? 0;
    await restartPlugin(signal);
    await waitFor('the respawned instance to decide on its first poll', () => /www: init → up/.test(exabgp?.process.stderr().slice(before) ?? ''), { context: logs });
    await watching;
  });

  it.each([
    ['changes the next hop from self to an address', {}, { nextHop: '127.0.0.9' }, (r: BirdRoute) => r.nextHop === '127.0.0.9'],
    ['changes the next hop from an address to self', { nextHop: '127.0.0.9' }, {}, (r: BirdRoute) => r.nextHop === '127.0.0.1'],
    ['adds a neighbor', { neighbors: [hubA] }, { neighbors: [hubA, hubB] }, () => true],
    ['removes a neighbor', { neighbors: [hubA, hubB] }, { neighbors: [hubA] }, () => true],
  ])('a reload that %s keeps the healthy route at the hub throughout (finding 16)', async (_title, before, after, changed) => {
    writePluginConfig(before);
    await startNva();
    await waitForAnnounced(birdA);
    const watching = routeStaysAtHubA(2500);
    writePluginConfig(after);
    process.kill(await pluginPid(), 'SIGHUP');
    await birdA.waitForRoutes(prefix, 'the route in its new form', (routes) => routes.length === 1 && routes.every(changed), { context: logs });
    await watching;
    const atB = ('neighbors' in after ? after.neighbors : [hubA, hubB]).includes(hubB);
    await birdB.waitForRoutes(prefix, atB ? 'announced at hub B' : 'gone from hub B', (routes) => routes.length === (atB ? 1 : 0), { context: logs });
  });

  // --- helpers, bound to this suite's daemons ---

  function writePluginConfig(service: Record<string, unknown> = {}): void {
    const config = {
      stats: { source: `file:${lab.path('stats.csv')}`, timeoutMs: 150 },
      intervalMs: 200,
      rise: 2,
      fall: 2,
      services: [{ name: 'www', prefixes: [prefix], asPath: [65010], health: { backends: ['be_app'] }, ...service }],
    };
    writeFileSync(lab.path('exabgp-anycast.json'), JSON.stringify(config));
  }

  function nvaConfig({ listProcess, holdTime }: { listProcess: boolean; holdTime?: number }): string {
    const neighbor = (peerAddress: string, bird: Bird) => ({
      holdTime,
      peerAddress,
      connectPort: bird.port,
      localAddress: '127.0.0.1',
      routerId: '127.0.0.1',
      localAs: 65010,
      peerAs: 65515,
      processes: listProcess ? ['anycast'] : [],
    });
    return exabgpConfig({
      processes: [{ name: 'anycast', run: [process.execPath, plugin, 'run', '--config', lab.path('exabgp-anycast.json'), '--state-file', lab.path('routes.json')] }],
      neighbors: [neighbor(hubA, birdA), neighbor(hubB, birdB)],
    });
  }

  async function startNva({ listProcess = true } = {}): Promise<void> {
    started += 1;
    exabgp = await startExabgp(lab, { name: `exabgp_${started}`, config: nvaConfig({ listProcess }) });
    await birdA.waitForEstablished('nva', { context: logs });
    await birdB.waitForEstablished('nva', { context: logs });
  }

  /** The plugin ExaBGP runs now: the one member of ExaBGP's session whose command line is the bundle. */
  function pluginPid(): Promise<number> {
    return waitFor(
      'exactly one plugin process',
      () => {
        const pids = sessionMembers(exabgp?.process.pid ?? -1).filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(plugin);
          } catch {
            return false;
          }
        });
        return pids.length === 1 ? pids[0] : undefined;
      },
      { context: logs },
    );
  }

  /** Signals the running plugin and waits until ExaBGP has started another one; returns the old pid. */
  async function restartPlugin(signal: NodeJS.Signals): Promise<number> {
    const old = await pluginPid();
    process.kill(old, signal);
    await waitFor('ExaBGP to start a new plugin process', async () => (await pluginPid()) !== old, { context: logs });
    return old;
  }

  /** Samples hub A's table every 20 ms for `durationMs`; fails at the first sample without the route. */
  function routeStaysAtHubA(durationMs: number): Promise<void> {
    return assertSteady('the route to stay at hub A, sampled every 20 ms', async () => isAnnounced(await birdA.showRoutes(prefix)), {
      durationMs,
      intervalMs: 20,
      context: logs,
    });
  }

  async function waitForAnnounced(bird: Bird, timeoutMs = 10_000): Promise<void> {
    await bird.waitForRoutes(prefix, 'announced', isAnnounced, { context: logs, timeoutMs });
  }

  function logs(): string {
    return exabgp === undefined ? '' : `ExaBGP's stderr (the plugin's log):\n${exabgp.process.stderr().split('\n').slice(-25).join('\n')}`;
  }
});

function isAnnounced(routes: readonly BirdRoute[]): boolean {
  return routes.length === 1 && routes[0]?.asPath.join(' ') === '65010';
}
