// An HAProxy reload must never move the route. The new process reports every server UP with
// check_status INI until its first checks have run; with minUp equal to all servers, counting
// those as down would withdraw a healthy service on every reload. Real HAProxy 2.6 on loopback,
// the bundled plugin reading its stats socket.
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSteady, openLab, startBackend, waitFor, type Lab } from '../../lab/daemons/index.js';
import { startHaproxy, twoServerBackendConfig, type RunningHaproxy } from '../support/haproxy.js';
import { bundlePath, spawnPlugin, type PluginProcess } from '../support/plugin-process.js';

const prefix = '198.18.0.10/32';
/**
 * HAProxy's check interval. A new process spreads the first checks over it (s1 at once, s2 about
 * half of it later), so s2 stays INI for about a second of 150 ms polls.
 */
const checkInterMs = 2000;

describe('exabgp-anycast across an HAProxy reload (haproxy -sf)', () => {
  let lab: Lab;
  let haproxy: RunningHaproxy;
  let plugin: PluginProcess;

  beforeAll(async () => {
    if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first`);
    lab = openLab('haproxy-reload');
    const s1 = await startBackend(lab, { name: 's1' });
    const s2 = await startBackend(lab, { name: 's2' });
    haproxy = await startHaproxy({ config: twoServerBackendConfig([s1.port, s2.port], `inter ${checkInterMs} rise 2 fall 2`) });
    lab.adopt('haproxy', haproxy.pid, () => haproxy.stop());
    await waitForServers('both servers checked UP', (servers) => servers === 's1=UP L7OK s2=UP L7OK');

    const config = lab.path('exabgp-anycast.json');
    writeFileSync(
      config,
      JSON.stringify({
        stats: { source: `unix:${haproxy.socketPath}`, timeoutMs: 100 },
        intervalMs: 150,
        rise: 1,
        fall: 1,
        onStatsError: 'hold',
        staleMs: 10000,
        disableFile: lab.path('maintenance'),
        services: [{ name: 'www', prefixes: [prefix], nextHop: 'self', health: { backends: ['be_app'], minUp: 2 } }],
      }),
    );
    plugin = spawnPlugin(['run', '--config', config]);
    lab.defer('plugin', () => plugin.child.kill('SIGKILL'));
    await plugin.waitForLine(new RegExp(`^announce route ${prefix}`));
  });

  afterAll(() => lab?.close());

  it('keeps the route announced while the new process has not checked the servers yet, and logs the hold', async () => {
    const linesBefore = plugin.stdoutLines.length;
    const stderrBefore = plugin.stderr().length;
    const oldPid = haproxy.pid;
    await haproxy.reload();
    lab.adopt('haproxy after reload', haproxy.pid, () => haproxy.stop());
    expect(haproxy.pid).not.toBe(oldPid);

    // Over the whole window, from the reload until the new process has checked both servers again.
    const seen = new Set<string>();
    await assertSteady(
      'no command on stdout across the reload',
      async () => {
        seen.add(await serverStates());
        return plugin.stdoutLines.slice(linesBefore).every((line) => line === '');
      },
      { durationMs: 2 * checkInterMs + 1000, intervalMs: 20, context: () => `stdout: ${plugin.stdoutLines.slice(linesBefore).join(' | ')}\nstderr:\n${plugin.stderr().slice(stderrBefore)}` },
    );
    // The window did cover it: the new process reported INI, then both servers checked.
    expect([...seen].some((servers) => servers.includes('INI'))).toBe(true);
    expect(await serverStates()).toBe('s1=UP L7OK s2=UP L7OK');

    const log = plugin.stderr().slice(stderrBefore);
    expect(log).toMatch(/www: up \(be_app: [01]\/2 servers up, [12] not checked yet since HAProxy's \(re\)start, need ≥ 2; holding the last verdict \(up\)/);
    expect(log).toMatch(/www: up \(be_app: 2\/2 servers up, need ≥ 2\); no longer holding/);
    expect(log).not.toMatch(/www: up → /);
  });

  // --- helpers ---

  /** be_app's servers as HAProxy reports them now, e.g. `s1=UP INI s2=UP L7OK`. */
  async function serverStates(): Promise<string> {
    const servers = (await haproxy.readStats()).backends.get('be_app')?.servers ?? [];
    return servers.map((s) => `${s.name}=${s.status} ${s.checkStatus}`).join(' ');
  }

  async function waitForServers(description: string, accept: (servers: string) => boolean): Promise<void> {
    let last = '';
    await waitFor(
      `HAProxy: ${description}`,
      async () => {
        last = await serverStates();
        return accept(last);
      },
      { context: () => `last be_app status: ${last}` },
    );
  }
});
