// The demo's fallback where network namespaces cannot be made (not root, or a sandbox without them):
// the control plane only, on loopback. BIRD (the hub) listens on 127.0.0.1; the two NVAs' ExaBGPs speak from
// 127.0.0.2 (northeurope) and 127.0.0.3 (westeurope), each running the bundled plugin with what `generate`
// wrote for it; each region's HAProxy checks two backends. There is no data plane: nothing forwards packets
// to the service address, so there is no client; the hub's table is the whole story.
// Uses lab/daemons (loopback-only daemons) for BIRD, ExaBGP and the backends.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, openLab, startBackend, startBird, startExabgp, waitFor, type Backend, type Bird, type BirdRoute } from './daemons/index.js';
import { run } from './exec.js';
import { pluginTransitions } from './measure.js';
import type { TopologyInput } from './lab.js';

/** The announced prefix, as in the full demo. Nothing here holds or forwards it: control plane only. */
export const LOOPBACK_SERVICE = '198.18.0.100/32';

interface Region {
  region: string;
  tag: string;
  addr: string;
  words: string;
  backends: Backend[];
  log: () => string;
}

export async function loopbackDemo(repoRoot: string, say: (m: string) => void, holdMs: number): Promise<number> {
  say('network namespaces are not available here: running the control-plane-only version on loopback');
  say(`(no data plane and no client: nothing carries ${LOOPBACK_SERVICE} here; the hub's table is what changes)`);
  const lab = openLab('demo-loopback');
  try {
    const bird = await startBird(lab, {
      name: 'hub',
      routerId: '127.0.0.1',
      localAs: 65515,
      neighbors: [
        { name: 'nva_ne', address: '127.0.0.2', as: 65010 },
        { name: 'nva_we', address: '127.0.0.3', as: 65010 },
      ],
    });
    say(`hub: BIRD 2, AS 65515, on 127.0.0.1:${bird.port}`);
    const regions: Region[] = [
      { region: 'northeurope', tag: 'ne', addr: '127.0.0.2', words: 'North Europe', backends: [], log: () => '' },
      { region: 'westeurope', tag: 'we', addr: '127.0.0.3', words: 'West Europe', backends: [], log: () => '' },
    ];
    const port = await freePort();
    for (const r of regions) {
      for (const s of ['s1', 's2']) r.backends.push(await startBackend(lab, { name: `${r.tag}-${s}`, body: `I'm running this website in ${r.words} (${s})\n` }));
      // One topology per NVA host: the same regions (so the same AS paths), this host's own paths and ports.
      const t = JSON.parse(readFileSync(join(repoRoot, 'lab', 'topology.json'), 'utf8')) as TopologyInput;
      t.pluginPath = join(repoRoot, 'dist', 'exabgp-anycast.js');
      t.nodePath = process.execPath;
      t.pluginConfigPath = lab.path(`${r.tag}-exabgp-anycast.json`);
      // Each region's sockets in a folder of its own: the generated admin.sock sits next to the plugin's.
      mkdirSync(lab.path(r.tag));
      const statsSocket = join(lab.path(r.tag), 'exabgp-anycast.sock');
      t.stats = { ...t.stats, source: `unix:${statsSocket}` };
      t.disableFile = lab.path(`${r.tag}-maintenance`);
      const svc = t.services[0] as Record<string, unknown>;
      svc.haproxy = { port: port + (r.tag === 'ne' ? 0 : 1), mode: 'http' };
      t.regions.forEach((reg, i) => {
        const nva = reg.nvas[0] as { address: string; peers: string[] };
        nva.address = regions[i]?.addr ?? nva.address;
        nva.peers = ['127.0.0.1'];
        const servers = regions[i]?.backends.map((b) => `127.0.0.1:${b.port}`);
        reg.backendServers = { be_app: servers?.length ? servers : ['127.0.0.1:9'] };
      });
      const topo = lab.path(`${r.tag}-topology.json`);
      writeFileSync(topo, JSON.stringify(t, null, 2));
      const out = lab.path(`generated-${r.tag}`);
      const g = await run(process.execPath, [t.pluginPath, 'generate', '--topology', topo, '--out', out]);
      if (g.code !== 0) throw new Error(`generate failed: ${g.stderr}`);
      const nvaName = t.regions.find((x) => x.name === r.region)?.nvas[0]?.name ?? '';
      const dir = join(out, nvaName);
      copyFileSync(join(dir, 'exabgp-anycast.json'), t.pluginConfigPath);
      // What a loopback lab must change: no privilege drop or syslog without root, and BIRD's port.
      let haproxyCfg = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
      if (process.getuid?.() !== 0) haproxyCfg = haproxyCfg.replace(/^\s*(user|group) .*$/gm, '').replace(/^(\s*stats socket .*) group \S+$/gm, '$1');
      haproxyCfg = haproxyCfg.replace(/^\s*log \/dev\/log.*$/gm, '');
      // The service address is not on this host: HAProxy's frontend listens on 127.0.0.1 instead (nothing uses it).
      haproxyCfg = haproxyCfg.replace(/^(\s*bind )198\.18\.0\.100:/gm, '$1127.0.0.1:');
      writeFileSync(lab.path(`${r.tag}-haproxy.cfg`), haproxyCfg);
      const hap = await lab.spawn({ name: `haproxy-${r.tag}`, command: 'haproxy', args: ['-db', '-f', lab.path(`${r.tag}-haproxy.cfg`)] });
      await hap.waitFor('HAProxy stats socket', () => existsSync(statsSocket));
      const exabgpConf = readFileSync(join(dir, 'exabgp.conf'), 'utf8').replace(/(\n\s*peer-as \d+;)/g, `$1\n    connect ${bird.port};`);
      const ex = await startExabgp(lab, { name: `exabgp-${r.tag}`, config: exabgpConf });
      r.log = () => ex.process.stderr();
      say(`${r.region}: ExaBGP from ${r.addr} with the generated exabgp.conf, plugin config and haproxy.cfg`);
    }
    await bird.waitForRoutes(LOOPBACK_SERVICE, 'a path from each region', (rs) => rs.length === 2, { timeoutMs: 30_000 });
    console.log(`\nThe hub's table for ${LOOPBACK_SERVICE} (BIRD, AS 65515):`);
    console.log(table(await bird.showRoutes(LOOPBACK_SERVICE)));

    const ne = regions[0] as Region;
    console.log('\nFailover: stopping both North Europe backends');
    let t0 = Date.now();
    for (const b of ne.backends) await b.stop();
    const gone = await hubWait(bird, (rs) => !rs.some((r) => r.from === '127.0.0.2' || r.protocol === 'nva_ne'));
    report(t0, gone, ne, 'withdraw', say);
    console.log(table(await bird.showRoutes(LOOPBACK_SERVICE)));
    await new Promise((r) => setTimeout(r, holdMs));

    console.log('\nFail-back: starting the North Europe backends again');
    t0 = Date.now();
    for (const b of ne.backends) await b.start();
    const back = await hubWait(bird, (rs) => rs.some((r) => r.best && r.protocol === 'nva_ne'));
    report(t0, back, ne, 'announce', say);
    console.log(table(await bird.showRoutes(LOOPBACK_SERVICE)));
    return gone && back ? 0 : 1;
  } finally {
    say('cleaning up (processes and files)');
    await lab.close();
  }
}

async function hubWait(bird: Bird, ok: (rs: BirdRoute[]) => boolean): Promise<number | undefined> {
  try {
    await waitFor('hub change', async () => ok(await bird.showRoutes(LOOPBACK_SERVICE)) || undefined, { timeoutMs: 20_000, intervalMs: 25 });
    return Date.now();
  } catch {
    return undefined;
  }
}

function report(t0: number, tHub: number | undefined, r: Region, action: 'withdraw' | 'announce', say: (m: string) => void): void {
  const p = pluginTransitions(r.log()).find((x) => x.t >= t0 && x.action === action);
  if (p) say(`+${p.t - t0} ms  the plugin ${action === 'withdraw' ? 'withdraws' : 'announces'} ${LOOPBACK_SERVICE}`);
  say(tHub ? `+${tHub - t0} ms  the hub's best path changed` : 'the hub did not change within 20 s');
}

function table(routes: BirdRoute[]): string {
  const region: Record<string, string> = { nva_ne: 'northeurope', nva_we: 'westeurope' };
  const lines = ['Network            From (NVA)       Path                Best  Region'];
  for (const r of [...routes].sort((a, b) => Number(b.best) - Number(a.best))) {
    lines.push(`${r.prefix.padEnd(19)}${(r.from ?? r.protocol).padEnd(17)}${r.asPath.join(' ').padEnd(20)}${(r.best ? '*' : '').padEnd(6)}${region[r.protocol] ?? ''}`);
  }
  return lines.join('\n');
}
