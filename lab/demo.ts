// `npm run demo`: the seed's two-region anycast failover, for real, on this machine.
// Namespaces for a hub (BIRD, AS 65515), two NVAs (ExaBGP + the bundled plugin + HAProxy + two backends each)
// and a client; then: kill the primary's backends, watch the failover, restore them, watch the fail-back.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanupAll } from './daemons/index.js';
import { run, runIn } from './exec.js';
import { formatHubTable } from './hub.js';
import { Lab, repoRootFrom } from './lab.js';
import { fmtMs, HaproxyPoller } from './measure.js';
import { hubKernelRoute, namespacesUnavailable, regionByNextHop, SERVICE_ADDR } from './netns.js';
import { addSbinToPath, isRoot } from './prereqs.js';
import { measureTransition, type Transition } from './scenario.js';
import { renderTimeline } from './timeline-svg.js';
import { loopbackDemo } from './loopback-demo.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--help')) {
  console.log(`usage: npm run demo [-- --svg FILE] [--hold-ms N] [--keep-logs]
  --svg FILE     where to write the timeline picture (default: ./exabgp-anycast-demo.svg)
  --hold-ms N    how long to stay failed over before restoring (default 4000)
  --keep-logs    keep the lab's temp dir with every daemon's log
  --loopback     the control-plane-only version on loopback (what runs where namespaces cannot be made)`);
  process.exit(0);
}
const svgPath = resolve(opt('--svg') ?? 'exabgp-anycast-demo.svg');
const holdMs = Number(opt('--hold-ms') ?? 4000);
const t0 = Date.now();
const stamp = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
const say = (m: string): void => console.log(`${stamp()}  ${m}`);
const bold = (m: string): string => (process.stdout.isTTY ? `\x1b[1m${m}\x1b[0m` : m);

async function main(): Promise<number> {
  console.log(bold('exabgp-anycast demo: two-region anycast failover with real BIRD, ExaBGP and HAProxy'));
  addSbinToPath();
  const repoRoot = repoRootFrom(process.cwd());
  if (!existsSync(join(repoRoot, 'dist', 'exabgp-anycast.js'))) {
    say('building dist/exabgp-anycast.js (npm run build)');
    const b = await run(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { timeoutMs: 120_000 });
    if (b.code !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  const unavailable = args.includes('--loopback') ? undefined : await namespacesUnavailable();
  if (args.includes('--loopback') || unavailable !== undefined) {
    if (unavailable !== undefined) {
      say(isRoot() ? `cannot create network namespaces here (${unavailable})` : 'not root, so no network namespaces (sudo npm run demo gives the full version)');
    }
    return loopbackDemo(repoRoot, say, holdMs);
  }

  const lab = await Lab.start({ repoRoot, log: say, keepDir: args.includes('--keep-logs') });
  const ne = lab.primary;
  const we = lab.secondary;
  say(`lab up: hub ${lab.topo.hubNs}, NVAs ${ne.ns} / ${we.ns}, client ${lab.topo.clientNs}; files in ${lab.dir}`);
  const t = lab.topologyInput;
  say(`plugin: poll every ${t.intervalMs} ms, rise ${t.rise}, fall ${t.fall}; HAProxy checks: ${haproxyChecks(ne.files.haproxyCfg)}`);

  const poller = new HaproxyPoller(ne.files.statsSocket, 'be_app');
  poller.start();
  const client = await lab.startClient(10 * 60_000, { periodMs: 20, timeoutMs: 500 });
  const tStart = Date.now();
  await sleep(1500);

  console.log(`\n${bold(`The hub's table for ${SERVICE_ADDR}/32 (BIRD, AS 65515):`)}`);
  console.log(formatHubTable(await lab.hub.routes(), lab.topo));
  say(`client → http://${SERVICE_ADDR}/ every 20 ms: ${describe(client.byRegion(tStart))}`);
  await showFleet(lab, repoRoot, 'Before the failover');

  console.log(`\n${bold('Failover: killing both North Europe backends')}`);
  const events: Array<{ t: number; label: string }> = [];
  events.push({ t: Date.now(), label: 'both North Europe backends killed' });
  const fo = await measureTransition(lab, ne, poller, 'failover', client);
  report(fo);
  await kernel(lab);
  if (fo.tHaproxy) events.push({ t: fo.tHaproxy, label: 'HAProxy (northeurope) marks be_app DOWN' });
  if (fo.tPlugin) events.push({ t: fo.tPlugin, label: 'plugin withdraws 198.18.0.100/32' });
  if (fo.tHub) events.push({ t: fo.tHub, label: 'hub best path: westeurope' });
  console.log(formatHubTable(await lab.hub.routes(), lab.topo));
  await showFleet(lab, repoRoot, 'After the failover');
  await sleep(holdMs);
  say(`client while failed over: ${describe(client.byRegion((fo.tHub ?? Date.now()) + 500))}`);

  console.log(`\n${bold('Fail-back: restoring the North Europe backends')}`);
  const fb = await measureTransition(lab, ne, poller, 'failback', client);
  events.push({ t: fb.tFault, label: 'North Europe backends restored (accepting connections)' });
  report(fb);
  await kernel(lab);
  if (fb.tHaproxy) events.push({ t: fb.tHaproxy, label: 'HAProxy (northeurope) marks be_app UP' });
  if (fb.tPlugin) events.push({ t: fb.tPlugin, label: 'plugin announces 198.18.0.100/32 again' });
  if (fb.tHub) events.push({ t: fb.tHub, label: 'hub best path: northeurope' });
  console.log(formatHubTable(await lab.hub.routes(), lab.topo));
  await sleep(1500);
  poller.stop();
  const samples = await client.stop();
  const tEnd = Date.now();

  const lost = samples.filter((s) => !s.region).length;
  console.log(`\n${bold('Measured')}`);
  console.log('                 HAProxy detection  plugin decision  BGP to hub  total (fault → hub)  requests lost');
  for (const x of [fo, fb]) {
    console.log(
      `${x.kind.padEnd(17)}${fmtMs(x.haproxyMs).padEnd(19)}${fmtMs(x.pluginMs).padEnd(17)}${fmtMs(x.bgpMs).padEnd(12)}${fmtMs(x.totalMs).padEnd(21)}${x.lost ?? '–'}`,
    );
  }
  console.log(`client: ${samples.length} requests, ${lost} lost; ${describe(client.byRegion())}`);
  console.log(`\nWho answered, one character per 100 ms (N North Europe, W West Europe, x all lost, ! some lost, * both):`);
  console.log(strip(samples, tStart, tEnd));

  const svg = renderTimeline({
    title: `exabgp-anycast demo: ${SERVICE_ADDR} from the client, every 20 ms`,
    samples,
    events,
    best: lab.watcher.bestChanges(tStart),
    regions: [
      { name: 'northeurope', label: 'North Europe', color: '#1f77b4' },
      { name: 'westeurope', label: 'West Europe', color: '#ff7f0e' },
    ],
    start: tStart,
    end: tEnd,
  });
  writeFileSync(svgPath, svg);
  console.log(`timeline picture: ${svgPath}`);
  say('cleaning up (processes, namespaces, files)');
  await lab.stop();
  return fo.tHub && fb.tHub ? 0 : 1;
}

/** `status --topology` from the hub's namespace, which reaches every NVA at its topology address. */
async function showFleet(lab: Lab, repoRoot: string, title: string): Promise<void> {
  // lab/topology.json's metrics.port: each NVA's plugin serves /status on the NVA's own address.
  const args = [join(repoRoot, 'dist', 'exabgp-anycast.js'), 'status', '--topology', lab.scope.path('topology.json')];
  console.log(`\n${bold(`${title}: exabgp-anycast status --topology topology.json (from the hub's namespace)`)}`);
  let r = await runIn(lab.topo.hubNs, process.execPath, args);
  // A plugin may not listen yet right after start: ask again for up to 5 s while an NVA is unreachable.
  for (const started = Date.now(); r.stdout.includes('unreachable:') && Date.now() - started < 5000; ) {
    await sleep(200);
    r = await runIn(lab.topo.hubNs, process.execPath, args);
  }
  // Exit 2 (no NVA answered) is the one case with a reason on stderr.
  console.log(`${r.stdout.trimEnd()}\n(exit ${r.code})${r.code === 2 ? `\n${r.stderr.trimEnd()}` : ''}`);
}

function report(x: Transition): void {
  const from = x.tFault;
  if (x.tHaproxy) say(`+${x.tHaproxy - from} ms  HAProxy's stats show be_app ${x.kind === 'failover' ? 'DOWN' : 'UP'}`);
  if (x.tPlugin) say(`+${x.tPlugin - from} ms  the plugin ${x.kind === 'failover' ? 'withdraws' : 'announces'} 198.18.0.100/32`);
  if (x.tHub) say(`+${x.tHub - from} ms  the hub's best path is ${x.kind === 'failover' ? 'westeurope' : 'northeurope'}`);
  else say(`the hub did not change within the timeout`);
  say(`requests lost during the ${x.kind}: ${x.lost ?? '?'}`);
}

async function kernel(lab: Lab): Promise<void> {
  const nh = await hubKernelRoute(lab.topo);
  say(`the hub's kernel: ${SERVICE_ADDR} via ${nh ?? '(no route)'}${nh ? ` (${regionByNextHop(lab.topo, nh)?.region ?? '?'})` : ''}`);
}

function describe(counts: Record<string, number>): string {
  return Object.entries(counts).map(([k, v]) => `${v} ${k === 'lost' ? 'lost' : `from ${k}`}`).join(', ') || 'no requests yet';
}

function strip(samples: Array<{ t: number; region?: string }>, from: number, to: number): string {
  const cells: string[] = [];
  for (let t = from; t < to; t += 100) {
    const b = samples.filter((x) => x.t >= t && x.t < t + 100);
    const lostN = b.filter((x) => !x.region).length;
    const regions = new Set(b.filter((x) => x.region).map((x) => x.region));
    if (!b.length) cells.push(' ');
    else if (lostN === b.length) cells.push('x');
    else if (lostN) cells.push('!');
    else if (regions.size > 1) cells.push('*');
    else cells.push(regions.has('northeurope') ? 'N' : regions.has('westeurope') ? 'W' : '?');
  }
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += 100) lines.push(`${String(i / 10).padStart(4)}s ${cells.slice(i, i + 100).join('')}`);
  return lines.join('\n');
}

function haproxyChecks(cfg: string): string {
  const m = /default-server (.*)/.exec(readFileSync(cfg, 'utf8'));
  return m?.[1]?.trim() ?? 'defaults';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

main().then(
  async (code) => {
    await cleanupAll();
    process.exit(code);
  },
  async (e: Error) => {
    console.error(`demo failed: ${e.message}`);
    await cleanupAll();
    process.exit(1);
  },
);
