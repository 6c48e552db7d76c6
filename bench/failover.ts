// `npm run bench:failover`: failover and fail-back times at the hub, measured with the real daemons in network
// namespaces, split into HAProxy's detection, the plugin's decision and BGP propagation, for a few timing settings,
// with the requests the client (one GET every 20 ms) lost during each. Prints a table; not a test.
//
// Options: --repeat N (cycles per setting, default 3), --only NAME (one setting), --json FILE (raw results).
import { writeFileSync } from 'node:fs';
import { cleanupAll } from '../lab/daemons/index.js';
import { Lab, repoRootFrom } from '../lab/lab.js';
import { HaproxyPoller } from '../lab/measure.js';
import { namespacesUnavailable } from '../lab/netns.js';
import { addSbinToPath } from '../lab/prereqs.js';
import { measureTransition, type Transition } from '../lab/scenario.js';

interface Setting {
  name: string;
  haproxy: { inter: number; fall: number; rise: number };
  plugin: { intervalMs: number; fall: number; rise: number };
}

const SETTINGS: Setting[] = [
  { name: 'generated defaults', haproxy: { inter: 1000, fall: 2, rise: 2 }, plugin: { intervalMs: 200, fall: 2, rise: 2 } },
  { name: 'fast HAProxy checks', haproxy: { inter: 200, fall: 2, rise: 2 }, plugin: { intervalMs: 200, fall: 2, rise: 2 } },
  { name: 'fast plugin polls', haproxy: { inter: 200, fall: 2, rise: 2 }, plugin: { intervalMs: 100, fall: 2, rise: 2 } },
  { name: 'cautious', haproxy: { inter: 500, fall: 3, rise: 3 }, plugin: { intervalMs: 500, fall: 3, rise: 3 } },
  { name: 'aggressive', haproxy: { inter: 100, fall: 1, rise: 1 }, plugin: { intervalMs: 100, fall: 1, rise: 1 } },
];

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
const ms = (v: number | undefined): string => (v === undefined ? '–' : String(Math.round(v)));

async function benchSetting(repoRoot: string, s: Setting): Promise<Transition[]> {
  const lab = await Lab.start({ repoRoot, ...s.plugin, haproxy: s.haproxy, watchEveryMs: 20 });
  try {
    const poller = new HaproxyPoller(lab.primary.files.statsSocket, 'be_app', 10);
    poller.start();
    const client = await lab.startClient(15 * 60_000, { periodMs: 20, timeoutMs: 500 });
    const out: Transition[] = [];
    await sleep(1000);
    for (let i = 0; i < repeat; i++) {
      out.push(await measureTransition(lab, lab.primary, poller, 'failover', client));
      await sleep(1500);
      out.push(await measureTransition(lab, lab.primary, poller, 'failback', client));
      await sleep(1500);
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
  const rows: Array<{ setting: Setting; kind: string; t: Transition[] }> = [];
  for (const s of SETTINGS.filter((x) => !only || x.name === only)) {
    console.error(`… ${s.name}: HAProxy inter ${s.haproxy.inter} ms fall ${s.haproxy.fall} rise ${s.haproxy.rise}; plugin ${s.plugin.intervalMs} ms fall ${s.plugin.fall} rise ${s.plugin.rise}; ${repeat} cycles`);
    let t: Transition[];
    try {
      t = await benchSetting(repoRoot, s);
    } catch (e) {
      console.error(`  ${s.name} failed: ${(e as Error).message}`);
      continue;
    }
    for (const x of t) console.error(`  ${x.kind}: HAProxy ${ms(x.haproxyMs)} ms, plugin ${ms(x.pluginMs)} ms, BGP ${ms(x.bgpMs)} ms, total ${ms(x.totalMs)} ms, lost ${x.lost ?? '–'}`);
    for (const kind of ['failover', 'failback']) rows.push({ setting: s, kind, t: t.filter((x) => x.kind === kind) });
  }
  const header = ['setting', 'HAProxy inter/fall/rise', 'plugin interval/fall/rise', 'transition', 'HAProxy detection ms', 'plugin decision ms', 'BGP to hub ms', 'total ms', 'requests lost'];
  const lines = rows.map((r) => [
    r.setting.name,
    `${r.setting.haproxy.inter}/${r.setting.haproxy.fall}/${r.setting.haproxy.rise}`,
    `${r.setting.plugin.intervalMs}/${r.setting.plugin.fall}/${r.setting.plugin.rise}`,
    r.kind,
    ms(median(r.t.map((x) => x.haproxyMs))),
    ms(median(r.t.map((x) => x.pluginMs))),
    ms(median(r.t.map((x) => x.bgpMs))),
    `${ms(median(r.t.map((x) => x.totalMs)))} (${ms(Math.min(...r.t.map((x) => x.totalMs ?? Infinity)))}–${ms(Math.max(...r.t.map((x) => x.totalMs ?? -Infinity)))})`,
    ms(median(r.t.map((x) => x.lost))),
  ]);
  console.log(`Failover benchmark: medians of ${repeat} cycles per setting (total: median (min–max)); the client sends one GET every 20 ms.`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rows, null, 2));
  return rows.length > 0 && rows.every((r) => r.t.every((x) => x.tHub !== undefined)) ? 0 : 1;
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
