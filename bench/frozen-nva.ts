// How long the hub keeps sending traffic to an NVA that froze: ExaBGP and the plugin SIGSTOPped,
// so no health check on the NVA can act, and only BGP's hold timer ends the route.
// Loopback only: a BIRD 2 hub and ExaBGP 4.2 running the bundle, as in the end-to-end test.
// Usage: node scripts/run-ts.mjs bench/frozen-nva.ts [--hold 9,30,180]
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exabgpConfig, openLab, sessionMembers, startBird, startExabgp, waitFor } from '../lab/daemons/index.js';
import { repoRootFrom } from '../lab/lab.js';

const repoRoot = repoRootFrom(process.cwd());
const plugin = join(repoRoot, 'dist', 'exabgp-anycast.js');
const healthy = join(repoRoot, 'test', 'fixtures', 'haproxy', '2.6-all-up.csv');
const prefix = '198.18.0.10/32';

const holdArg = process.argv.indexOf('--hold');
const holdTimes = (holdArg > 0 ? (process.argv[holdArg + 1] ?? '') : '9,30,180').split(',').map(Number);

const rows: string[][] = [];
for (const hold of holdTimes) {
  const lab = openLab(`frozen-${hold}`);
  try {
    const bird = await startBird(lab, { routerId: '127.0.0.2', address: '127.0.0.2', localAs: 65515, holdTime: hold, neighbors: [{ name: 'nva', address: '127.0.0.1', as: 65010 }] });
    copyFileSync(healthy, lab.path('stats.csv'));
    writeFileSync(
      lab.path('exabgp-anycast.json'),
      JSON.stringify({ platform: 'generic', stats: { source: `file:${lab.path('stats.csv')}` }, services: [{ name: 'www', prefixes: [prefix], health: { backends: ['be_app'] } }] }),
    );
    const exabgp = await startExabgp(lab, {
      config: exabgpConfig({
        processes: [{ name: 'anycast', run: [process.execPath, plugin, 'run', '--config', lab.path('exabgp-anycast.json'), '--state-file', lab.path('routes.json')] }],
        neighbors: [{ peerAddress: bird.address, connectPort: bird.port, localAddress: '127.0.0.1', routerId: '127.0.0.1', localAs: 65010, peerAs: 65515, holdTime: hold, processes: ['anycast'] }],
      }),
    });
    await bird.waitForRoutes(prefix, 'announced', (routes) => routes.length === 1, { timeoutMs: 20_000 });
    const frozen = sessionMembers(exabgp.process.pid);
    const stoppedAt = Date.now();
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    await waitFor('the hub to drop the frozen NVA\'s route', async () => (await bird.showRoutes(prefix)).length === 0, {
      timeoutMs: (hold + 30) * 1000,
      intervalMs: 100,
    });
    const heldMs = Date.now() - stoppedAt;
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    rows.push([String(hold), String(Math.max(1, Math.floor(hold / 3))), (heldMs / 1000).toFixed(1)]);
    process.stderr.write(`hold ${hold} s: the hub kept the route ${(heldMs / 1000).toFixed(1)} s after the NVA froze\n`);
  } finally {
    await lab.close();
  }
}

const header = ['hold time s', 'BIRD keepalive s', 'route kept at the hub after the freeze, s'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
