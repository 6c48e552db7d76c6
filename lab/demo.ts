// `npm run demo`: the seed's two-region anycast failover, for real, on this machine.
// Namespaces for a hub (BIRD, AS 65515), two NVAs (ExaBGP + the bundled plugin + HAProxy + two backends each)
// and a client; then, for each fault (the primary's backends killed, then blackholed): watch the failover, restore
// them, watch the fail-back.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanupAll } from './daemons/index.js';
import { run, runIn } from './exec.js';
import { formatHubTable } from './hub.js';
import { Lab, repoRootFrom } from './lab.js';
import { fmtMs, HaproxyPoller } from './measure.js';
import { hubKernelRoute, namespacesUnavailable, regionByNextHop, SERVICE_ADDR } from './netns.js';
import { addSbinToPath, isRoot } from './prereqs.js';
import { FAULTS, measureTransition, SLOW_MS, waitAllUp, type Fault, type Transition } from './scenario.js';
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
  --hold-ms N    how long to stay failed over before restoring (default 3000)
  --keep-logs    keep the lab's temp dir with every daemon's log
  --loopback     the control-plane-only version on loopback (what runs where namespaces cannot be made)`);
  process.exit(0);
}
const svgPath = resolve(opt('--svg') ?? 'exabgp-anycast-demo.svg');
const holdMs = Number(opt('--hold-ms') ?? 3000);
/** A client's patience per request: a browser or an API client waits seconds, so a request a retry saves is slow, not lost. */
const CLIENT_TIMEOUT_MS = 2000;
const FAULT_WORDS: Record<Fault, { failover: string; failback: string }> = {
  refused: { failover: 'both North Europe backends killed', failback: 'North Europe backends restarted (accepting connections)' },
  blackhole: { failover: 'packets to both North Europe backends dropped (nft)', failback: 'North Europe backend paths restored' },
};
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
  // What the plugin runs with: the generated config, not the topology (generate fills in its defaults).
  const plugin = pluginSettings(ne.files.pluginConf);
  say(
    `plugin: ${plugin.stats?.events ? `follows HAProxy's ring ${plugin.stats.events}, ` : ''}polls every ${plugin.intervalMs ?? '?'} ms, rise ${plugin.rise ?? '?'}, fall ${plugin.fall ?? '?'}; HAProxy checks: ${haproxyChecks(ne.files.haproxyCfg)}`,
  );
  const ring = plugin.stats?.events;
  const poller = new HaproxyPoller(ne.files.statsSocket, 'be_app', 10, ring);
  poller.start();
  const client = await lab.startClient(10 * 60_000, { periodMs: 20, timeoutMs: CLIENT_TIMEOUT_MS });
  const measure = (kind: 'failover' | 'failback', fault: Fault): Promise<Transition> =>
    measureTransition(lab, ne, poller, kind, fault, { client: { run: client, timeoutMs: CLIENT_TIMEOUT_MS } });
  const tStart = Date.now();
  await sleep(1500);

  console.log(`\n${bold(`The hub's table for ${SERVICE_ADDR}/32 (BIRD, AS 65515):`)}`);
  console.log(formatHubTable(await lab.hub.routes(), lab.topo));
  say(`client → http://${SERVICE_ADDR}/ every 20 ms, each request given up after ${CLIENT_TIMEOUT_MS} ms: ${describe(client.byRegion(tStart))}`);
  await showFleet(lab, repoRoot, 'Before the failover');

  const events: Array<{ t: number; label: string }> = [];
  const measured: Transition[] = [];
  for (const fault of FAULTS) {
    console.log(`\n${bold(`Failover (${fault}): ${FAULT_WORDS[fault].failover}`)}`);
    const fo = await measure('failover', fault);
    measured.push(fo);
    events.push({ t: fo.tFault, label: `${fault}: ${FAULT_WORDS[fault].failover}` });
    report(fo);
    await kernel(lab);
    if (fo.tHaproxy) events.push({ t: fo.tHaproxy, label: `${fault}: HAProxy (northeurope) has no non-backup server up; the bridge serves` });
    if (fo.tPlugin) events.push({ t: fo.tPlugin, label: `${fault}: plugin withdraws ${SERVICE_ADDR}/32` });
    if (fo.tHub) events.push({ t: fo.tHub, label: `${fault}: hub best path: westeurope` });
    console.log(formatHubTable(await lab.hub.routes(), lab.topo));
    if (fault === FAULTS[0]) await showFleet(lab, repoRoot, 'After the failover');
    await sleep(holdMs);
    say(`client while failed over: ${describe(client.byRegion((fo.tHub ?? Date.now()) + 500))}`);

    console.log(`\n${bold(`Fail-back (${fault}): ${FAULT_WORDS[fault].failback}`)}`);
    const fb = await measure('failback', fault);
    measured.push(fb);
    events.push({ t: fb.tFault, label: `${fault}: ${FAULT_WORDS[fault].failback}` });
    report(fb);
    await kernel(lab);
    if (fb.tHaproxy) events.push({ t: fb.tHaproxy, label: `${fault}: HAProxy (northeurope) marks a server UP` });
    if (fb.tPlugin) events.push({ t: fb.tPlugin, label: `${fault}: plugin announces ${SERVICE_ADDR}/32 again` });
    if (fb.tHub) events.push({ t: fb.tHub, label: `${fault}: hub best path: northeurope` });
    console.log(formatHubTable(await lab.hub.routes(), lab.topo));
    // The next fault starts from a whole region: both servers back in HAProxy, not only the first.
    await waitAllUp(poller);
    await sleep(1000);
  }
  poller.stop();
  const samples = await client.stop();
  const tEnd = Date.now();

  const lost = samples.filter((s) => !s.region).length;
  const slow = samples.filter((s) => s.region && s.ms > SLOW_MS).length;
  console.log(`\n${bold('Measured')} (client: one GET every 20 ms, given up after ${CLIENT_TIMEOUT_MS} ms; slow: answered after more than ${SLOW_MS} ms)`);
  const header = ['fault', 'transition', "HAProxy's first line", 'HAProxy detection', 'plugin decision', 'BGP to hub', 'fault → hub', 'lost', 'slow'];
  const rows = measured.map((x) => [x.fault, x.kind, fmtMs(x.firstLineMs), fmtMs(x.haproxyMs), fmtMs(x.pluginMs), fmtMs(x.bgpMs), fmtMs(x.totalMs), String(x.lost ?? '–'), String(x.slow ?? '–')]);
  console.log(formatColumns([header, ...rows]));
  console.log(`client: ${samples.length} requests, ${lost} lost, ${slow} slow; ${describe(client.byRegion())}`);
  console.log(`\n${bold('Against the targets of issue 7')}`);
  for (const line of targetLines(measured)) console.log(line);
  console.log(`\nWho answered, one character per 100 ms (N North Europe, W West Europe, * both, s some slow, x all lost, ! some lost):`);
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
    slowMs: SLOW_MS,
  });
  writeFileSync(svgPath, svg);
  console.log(`timeline picture: ${svgPath}`);
  say('cleaning up (processes, namespaces, files)');
  await lab.stop();
  return measured.every((x) => x.tHub !== undefined) ? 0 : 1;
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
  const failover = x.kind === 'failover';
  if (x.tFirstLine) say(`+${x.tFirstLine - from} ms  HAProxy's first state-change line about be_app (its ring)`);
  if (x.tHaproxy) say(`+${x.tHaproxy - from} ms  HAProxy's stats: ${failover ? 'no non-backup server of be_app up' : 'be_app has a server up again'}`);
  if (x.tPlugin) say(`+${x.tPlugin - from} ms  the plugin ${failover ? 'withdraws' : 'announces'} ${SERVICE_ADDR}/32`);
  if (x.tHub) say(`+${x.tHub - from} ms  the hub's best path is ${failover ? 'westeurope' : 'northeurope'}`);
  else say(`the hub did not change within the timeout`);
  say(`requests during the ${x.kind}: ${x.lost ?? '?'} lost, ${x.slow ?? '?'} slow (> ${SLOW_MS} ms)`);
}

/** Issue 7's targets, each with what was measured. */
function targetLines(measured: Transition[]): string[] {
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
  const of = (fault: Fault, kind: Transition['kind']) => measured.find((x) => x.fault === fault && x.kind === kind);
  const refused = of('refused', 'failover');
  const blackhole = of('blackhole', 'failover');
  const failbacks = measured.filter((x) => x.kind === 'failback');
  const lines: string[] = [];
  if (refused) {
    lines.push(`refused, requests lost ≤ 1: ${refused.lost ?? '–'}, ${verdict(refused.lost === undefined ? undefined : refused.lost <= 1)}`);
    const bound = refused.firstRequestMs === undefined || Number.isNaN(refused.firstRequestMs) ? undefined : refused.firstRequestMs + 50;
    lines.push(
      `refused, fault → hub ≤ the first request after the fault + 50 ms: ${fmtMs(refused.totalMs)} ≤ ${fmtMs(refused.firstRequestMs)} + 50 ms, ${verdict(bound === undefined || refused.totalMs === undefined ? undefined : refused.totalMs <= bound)}`,
    );
  }
  if (blackhole) {
    lines.push(`blackhole, requests lost ≤ 5: ${blackhole.lost ?? '–'}, ${verdict(blackhole.lost === undefined ? undefined : blackhole.lost <= 5)}`);
    lines.push(
      `blackhole, none lost once HAProxy marks the servers down: ${blackhole.lostAfterDetection ?? '–'}, ${verdict(blackhole.lostAfterDetection === undefined ? undefined : blackhole.lostAfterDetection === 0)}`,
    );
  }
  const failbackLost = failbacks.map((x) => x.lost ?? 0).reduce((a, b) => a + b, 0);
  lines.push(`fail-back, requests lost 0: ${failbackLost}, ${verdict(failbacks.length ? failbackLost === 0 : undefined)}`);
  return lines;
}

/** Left-aligned columns, two spaces apart. */
function formatColumns(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** The generated plugin config's timing, and the ring it follows (stats.events), which the lab's subscriber follows too. */
function pluginSettings(pluginConf: string): { stats?: { events?: string }; intervalMs?: number; rise?: number; fall?: number } {
  return JSON.parse(readFileSync(pluginConf, 'utf8')) as ReturnType<typeof pluginSettings>;
}

async function kernel(lab: Lab): Promise<void> {
  const nh = await hubKernelRoute(lab.topo);
  say(`the hub's kernel: ${SERVICE_ADDR} via ${nh ?? '(no route)'}${nh ? ` (${regionByNextHop(lab.topo, nh)?.region ?? '?'})` : ''}`);
}

function describe(counts: Record<string, number>): string {
  return Object.entries(counts).map(([k, v]) => `${v} ${k === 'lost' ? 'lost' : `from ${k}`}`).join(', ') || 'no requests yet';
}

function strip(samples: Array<{ t: number; region?: string; ms: number }>, from: number, to: number): string {
  const cells: string[] = [];
  for (let t = from; t < to; t += 100) {
    const b = samples.filter((x) => x.t >= t && x.t < t + 100);
    const lostN = b.filter((x) => !x.region).length;
    const regions = new Set(b.filter((x) => x.region).map((x) => x.region));
    if (!b.length) cells.push(' ');
    else if (lostN === b.length) cells.push('x');
    else if (lostN) cells.push('!');
    else if (b.some((x) => x.ms > SLOW_MS)) cells.push('s');
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
