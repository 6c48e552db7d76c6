// Acceptance test of the plugin: real HAProxy, ExaBGP (Debian's 4.2 and the vendored 5.0.13)
// running dist/exabgp-anycast.js, and BIRD 2 as the BGP peer, all on loopback. Assertions are
// made on BIRD's routing table.
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  assertSteady,
  exabgpConfig,
  openLab,
  startBackend,
  startBird,
  startExabgp,
  waitFor,
  type Backend,
  type Bird,
  type BirdRoute,
  type Exabgp,
  type Lab,
} from '../../lab/daemons/index.js';
import { exabgpVersions } from '../../lab/daemons/exabgp.js';
import { startHaproxy, twoServerBackendConfig, type RunningHaproxy } from '../support/haproxy.js';
import { bundlePath as plugin, pluginNode } from '../support/plugin-process.js';

const prefix = '198.18.0.10/32';
const prepended = [65010, 65010, 65010];
/** Plugin poll interval × fall, plus HAProxy's inter × fall, plus slack for a busy machine. */
const steadyMs = 2000;

describe.each(exabgpVersions)('exabgp-anycast between HAProxy and a BGP peer, under ExaBGP %s', (version) => {
  let lab: Lab;
  let s1: Backend;
  let s2: Backend;
  let haproxy: RunningHaproxy;
  let bird: Bird;
  let exabgp: Exabgp;

  beforeAll(async () => {
    if (!existsSync(plugin)) throw new Error(`${plugin} is missing: run \`npm run build\` first`);
    lab = openLab(`e2e-${version}`);
    s1 = await startBackend(lab, { name: 's1' });
    s2 = await startBackend(lab, { name: 's2' });
    haproxy = await startHaproxy({ config: twoServerBackendConfig([s1.port, s2.port], 'inter 200ms fall 2 rise 2') });
    lab.adopt('haproxy', haproxy.pid, () => haproxy.stop());

    bird = await startBird(lab, { routerId: '127.0.0.2', localAs: 65515, neighbors: [{ name: 'nva', address: '127.0.0.1', as: 65010 }] });

    const pluginConfig = lab.path('exabgp-anycast.json');
    writeFileSync(
      pluginConfig,
      JSON.stringify({
        stats: { source: `unix:${haproxy.socketPath}`, timeoutMs: 1000 },
        intervalMs: 200,
        rise: 2,
        fall: 2,
        services: [{ name: 'www', prefixes: [prefix], nextHop: 'self', asPath: prepended, health: { backends: ['be_app'], minUp: 1 } }],
      }),
    );
    exabgp = await startExabgp(lab, {
      version,
      config: exabgpConfig({
        processes: [{ name: 'anycast', run: [pluginNode, plugin, 'run', '--config', pluginConfig] }],
        neighbors: [
          { peerAddress: bird.address, connectPort: bird.port, localAddress: '127.0.0.1', routerId: '127.0.0.1', localAs: 65010, peerAs: 65515, processes: ['anycast'] },
        ],
      }),
    });
    await bird.waitForEstablished('nva');
  });

  afterAll(() => lab?.close());

  // Every case starts from the same state, whatever ran before: both servers up and checked, the prefix announced.
  beforeEach(async () => {
    await s1.start();
    await s2.start();
    await waitForServers('both servers checked UP', (status) => status.s1 === 'UP L7OK' && status.s2 === 'UP L7OK');
    await bird.waitForRoutes(prefix, 'announced', isAnnounced, { context: daemonLogs });
  });

  it('announces the prefix with the configured AS path while the backend is healthy', async () => {
    const [route] = await bird.waitForRoutes(prefix, 'announced', isAnnounced, { context: daemonLogs });
    expect(route).toMatchObject({ protocol: 'nva', from: '127.0.0.1', best: true, asPath: prepended });
  });

  it('keeps the prefix announced while one of two servers is down', async () => {
    await s1.stop();
    await waitForServers('s1 DOWN, s2 UP', (status) => status.s1 === 'DOWN L4CON' && status.s2 === 'UP L7OK');
    await assertSteady('the prefix to stay announced with s2 up', async () => isAnnounced(await bird.showRoutes(prefix)), {
      durationMs: steadyMs,
      context: daemonLogs,
    });
  });

  it('withdraws the prefix when both servers are down', async () => {
    await s1.stop();
    await s2.stop();
    await bird.waitForRoutes(prefix, 'withdrawn', (routes) => routes.length === 0, { context: daemonLogs });
  });

  it('logs the change of state on stderr, naming the service', async () => {
    // ExaBGP hands its own stderr to the API process, so the plugin's log lands in ExaBGP's stderr.
    const before = exabgp.process.stderr().length;
    await s1.stop();
    await s2.stop();
    await exabgp.process.waitFor('a state-change line about www going down', () =>
      exabgp.process
        .stderr()
        .slice(before)
        .split('\n')
        .find((line) => line.includes('www') && /\bdown\b/i.test(line)),
    );
  });

  it('announces the prefix again when the servers return', async () => {
    await s1.stop();
    await s2.stop();
    await bird.waitForRoutes(prefix, 'withdrawn', (routes) => routes.length === 0, { context: daemonLogs });
    await s1.start();
    await s2.start();
    const [route] = await bird.waitForRoutes(prefix, 'announced again', isAnnounced, { context: daemonLogs });
    expect(route).toMatchObject({ best: true, asPath: prepended });
  });

  // --- helpers, bound to this suite's daemons ---

  function daemonLogs(): string {
    return exabgp === undefined ? '' : exabgp.process.tail(30);
  }

  /** Waits until HAProxy's view of be_app's servers (`status check_status` by name, e.g. `UP L7OK`) satisfies `accept`. */
  async function waitForServers(description: string, accept: (status: Record<string, string>) => boolean): Promise<void> {
    let last: Record<string, string> = {};
    await waitFor(
      `HAProxy: ${description}`,
      async () => {
        const servers = (await haproxy.readStats()).backends.get('be_app')?.servers ?? [];
        last = Object.fromEntries(servers.map((server) => [server.name, `${server.status} ${server.checkStatus}`]));
        return accept(last);
      },
      { context: () => `last be_app status: ${JSON.stringify(last)}` },
    );
  }
});

function isAnnounced(routes: readonly BirdRoute[]): boolean {
  return routes.length === 1 && routes[0]?.best === true && routes[0].asPath.join(' ') === prepended.join(' ');
}
