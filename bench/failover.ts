// `npm run bench:failover`: failover and fail-back times at the hub, measured with the real daemons in network
// namespaces, split into HAProxy's detection, the plugin's decision and BGP propagation, for two faults (the
// primary's backends killed: refused; packets to them dropped: blackhole) and a few settings that each take one part
// of generate's defaults away, with the requests the client (one GET every 20 ms, 2 s deadline) lost or got slowly.
// Prints a table; not a test.
//
// Options: --repeat N (cycles per setting and fault, default 3), --only NAME (one setting), --json FILE (raw results).
import { writeFileSync } from 'node:fs';
import { cleanupAll } from '../lab/daemons/index.js';
import { Lab, repoRootFrom } from '../lab/lab.js';
import { HaproxyPoller } from '../lab/measure.js';
import { namespacesUnavailable } from '../lab/netns.js';
import { addSbinToPath } from '../lab/prereqs.js';
import { FAULTS, measureTransition, SLOW_MS, waitAllUp, type Fault, type Transition } from '../lab/scenario.js';

interface Setting {
  name: string;
  haproxy: { inter: number; fall: number; rise: number };
  plugin: { intervalMs: number; fall: number; rise: number };
  /** The plugin follows HAProxy's event ring (stats.events, as generated). */
  events: boolean;
  /** Each region's backend lists the other region's servers as backups (topology `bridge`, as generated). */
  bridge: boolean;
}

const GENERATED_CHECKS = { inter: 1000, fall: 2, rise: 2 };
const GENERATED_PLUGIN = { intervalMs: 1000, fall: 1, rise: 1 };

const SETTINGS: Setting[] = [
  { name: 'generated defaults', haproxy: GENERATED_CHECKS, plugin: GENERATED_PLUGIN, events: true, bridge: true },
  { name: 'no bridge', haproxy: GENERATED_CHECKS, plugin: GENERATED_PLUGIN, events: true, bridge: false },
  { name: 'no events', haproxy: GENERATED_CHECKS, plugin: GENERATED_PLUGIN, events: false, bridge: true },
  // generate's defaults before issue 7 (HAProxy keeps this passive health, retries and timeout connect).
  { name: 'first round', haproxy: GENERATED_CHECKS, plugin: { intervalMs: 200, fall: 2, rise: 2 }, events: false, bridge: false },
];

const CLIENT_TIMEOUT_MS = 2000;

const args = process.argv.slice(2);
const opt = (n: string): string | undefined => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined);
const repeat = Number(opt('--repeat') ?? 3);
const only = opt('--only');
const jsonOut = opt('--json');

const median = (xs: Array<number | undefined>): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : Math.round(((v[m - 1] as number) + (v[m] as number)) / 2);
};
const ms = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : String(Math.round(v)));
/** "median (min–max)" of what was measured. */
const spread = (xs: Array<number | undefined>): string => {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length ? `${ms(median(v))} (${ms(Math.min(...v))}–${ms(Math.max(...v))})` : '–';
};

async function benchSetting(repoRoot: string, s: Setting): Promise<Transition[]> {
  const lab = await Lab.start({
    repoRoot,
    ...s.plugin,
    haproxy: s.haproxy,
    watchEveryMs: 20,
    patchTopology: (t) => {
      t.bridge = s.bridge;
    },
    // generate always writes stats.events: without it the plugin only polls.
    patchPluginConfig: (config) => {
      if (!s.events) delete (config.stats as Record<string, unknown>).events;
    },
  });
  try {
    // The lab's own ring subscriber dates HAProxy's changes, whether the plugin follows the ring or not.
    const poller = new HaproxyPoller(lab.primary.files.statsSocket, 'be_app', 10, 'exabgp-anycast');
    poller.start();
    const client = await lab.startClient(15 * 60_000, { periodMs: 20, timeoutMs: CLIENT_TIMEOUT_MS });
    const options = { client: { run: client, timeoutMs: CLIENT_TIMEOUT_MS } };
    const out: Transition[] = [];
    await sleep(1000);
    for (const fault of FAULTS) {
      for (let i = 0; i < repeat; i++) {
        out.push(await measureTransition(lab, lab.primary, poller, 'failover', fault, options));
        await sleep(1000);
        out.push(await measureTransition(lab, lab.primary, poller, 'failback', fault, options));
        // The next cycle starts from a whole region: every server back in HAProxy, not only the first.
        await waitAllUp(poller);
        await sleep(1000);
      }
    }
    poller.stop();
    await client.stop();
    return out;
  } finally {
    await lab.stop();
  }
}

async function main(): Promise<number> {
  const unavailable = await namespacesUnavailable();
  if (unavailable !== undefined) {
    console.error(`bench:failover needs root and network namespaces (ip netns add + veth): ${unavailable}.`);
    return 1;
  }
  addSbinToPath();
  const repoRoot = repoRootFrom(process.cwd());
  const started = Date.now();
  const rows: Array<{ setting: Setting; fault: Fault; kind: string; t: Transition[] }> = [];
  for (const s of SETTINGS.filter((x) => !only || x.name === only)) {
    console.error(
      `… ${s.name}: HAProxy inter ${s.haproxy.inter} ms fall ${s.haproxy.fall} rise ${s.haproxy.rise}; plugin ${s.plugin.intervalMs} ms fall ${s.plugin.fall} rise ${s.plugin.rise}, events ${s.events ? 'on' : 'off'}, bridge ${s.bridge ? 'on' : 'off'}; ${repeat} cycles per fault`,
    );
    let t: Transition[];
    try {
      t = await benchSetting(repoRoot, s);
    } catch (e) {
      console.error(`  ${s.name} failed: ${(e as Error).message}`);
      continue;
    }
    for (const x of t) {
      console.error(
        `  ${x.fault} ${x.kind}: first line ${ms(x.firstLineMs)} ms, HAProxy ${ms(x.haproxyMs)} ms, plugin ${ms(x.pluginMs)} ms, BGP ${ms(x.bgpMs)} ms, total ${ms(x.totalMs)} ms, lost ${x.lost ?? '–'}, slow ${x.slow ?? '–'}`,
      );
    }
    for (const fault of FAULTS) for (const kind of ['failover', 'failback']) rows.push({ setting: s, fault, kind, t: t.filter((x) => x.fault === fault && x.kind === kind) });
  }
  const header = ['setting', 'plugin interval/fall/rise', 'events', 'bridge', 'fault', 'transition', "HAProxy's first line ms", 'HAProxy detection ms', 'plugin decision ms', 'BGP to hub ms', 'total ms', 'requests lost', `slow (> ${SLOW_MS} ms)`];
  const lines = rows.map((r) => [
    r.setting.name,
    `${r.setting.plugin.intervalMs}/${r.setting.plugin.fall}/${r.setting.plugin.rise}`,
    r.setting.events ? 'yes' : 'no',
    r.setting.bridge ? 'yes' : 'no',
    r.fault,
    r.kind,
    ms(median(r.t.map((x) => x.firstLineMs))),
    ms(median(r.t.map((x) => x.haproxyMs))),
    ms(median(r.t.map((x) => x.pluginMs))),
    ms(median(r.t.map((x) => x.bgpMs))),
    spread(r.t.map((x) => x.totalMs)),
    spread(r.t.map((x) => x.lost)),
    spread(r.t.map((x) => x.slow)),
  ]);
  console.log(
    `Failover benchmark: ${repeat} cycles per setting and fault; medians, and median (min–max) for the total and the client's requests. HAProxy checks inter ${GENERATED_CHECKS.inter} fall ${GENERATED_CHECKS.fall} rise ${GENERATED_CHECKS.rise} throughout; the client sends one GET every 20 ms and gives each up after ${CLIENT_TIMEOUT_MS} ms. ${Math.round((Date.now() - started) / 1000)} s.`,
  );
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rows, null, 2));
  return rows.length > 0 && rows.every((r) => r.t.length > 0 && r.t.every((x) => x.tHub !== undefined)) ? 0 : 1;
}

const sleep = (n: number): Promise<void> => new Promise((r) => setTimeout(r, n));

main().then(
  async (code) => {
    await cleanupAll();
    process.exit(code);
  },
  async (e: Error) => {
    console.error(`bench failed: ${e.stack ?? e.message}`);
    await cleanupAll();
    process.exit(1);
  },
);
