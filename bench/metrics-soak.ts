// `npm run bench:metrics`: the budgets of issue 9 for the metrics endpoints, measured on the built
// bundle (run `npm run build` first) and printed as a table; not a test.
//  1. the bundle is one file of at most 500 KB, and how much of it is src/observe;
//  2. start-up of `validate` is at most 1.5 × `node -e 0` (medians of runs taken side by side);
//  3. nothing of the metrics code is evaluated unless metrics.listen is set: V8's coverage of the
//     bundle shows whether the lazily-initialised src/observe modules ran;
//  4. a scrape every second for an hour adds no memory: that many scrapes of /metrics and /status,
//     compressed in time, against a running bundle polling a file: source.
//
// Options: --scrapes N (default 3600), --runs N (start-up runs of each, default 20).
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build, type Plugin } from 'esbuild';
import { freePort } from '../lab/daemons/index.js';
import { bundleOptions } from '../scripts/bundle-options.mjs';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const scrapes = Number(opt('--scrapes') ?? 3600);
const runs = Number(opt('--runs') ?? 20);
const warmUpScrapes = 300;

const bundle = resolve('dist/exabgp-anycast.js');

/**
 * Text that only the module bodies of src/observe hold, as the minifier leaves them: constants
 * those bodies assign. Each must occur exactly once in the bundle.
 */
const observeMarkers = [
  { module: 'poll-error-reason', text: '"timeout","refused","denied","not_found","http_status"' },
  { module: 'observation', text: '"up","down","disabled","degraded"' },
  { module: 'exposition', text: '"text/plain; version=0.0.4; charset=utf-8"' },
];
const dir = mkdtempSync(join(tmpdir(), 'metrics-soak-'));
const rows: Array<[budget: string, measured: string, limit: string, verdict: string]> = [];
const verdict = (ok: boolean): string => (ok ? 'ok' : 'OVER BUDGET');

try {
  copyFileSync('test/fixtures/haproxy/2.6-all-up.csv', join(dir, 'stats.csv'));
  const config = (extra: Record<string, unknown> = {}): string => {
    const path = join(dir, `config-${Object.keys(extra).join('-') || 'plain'}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        platform: 'generic',
        stats: { source: `file:${join(dir, 'stats.csv')}`, timeoutMs: 50 },
        intervalMs: 100,
        services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] } }],
        ...extra,
      }),
    );
    return path;
  };

  // 1. Size, and the metrics code's share of it (esbuild's own account of the same bundle).
  const size = statSync(bundle).size;
  const share = await observeShare();
  rows.push(['bundle: one file', `${(size / 1000).toFixed(1)} kB (src/observe: ${(share / 1000).toFixed(1)} kB)`, '≤ 500 kB', verdict(size <= 500_000)]);

  // 2. Start-up, side by side so that a busy machine weighs on both alike.
  const baseline: number[] = [];
  const validate: number[] = [];
  const plain = config();
  for (let i = 0; i < runs; i++) {
    baseline.push(timed([process.execPath, '-e', '0']));
    validate.push(timed([process.execPath, bundle, 'validate', '--config', plain]));
  }
  const ratio = median(validate) / median(baseline);
  rows.push([
    `start-up: validate / node -e 0 (medians of ${runs})`,
    `${median(validate).toFixed(1)} ms / ${median(baseline).toFixed(1)} ms = ${ratio.toFixed(2)}× (fastest: ${(Math.min(...validate) / Math.min(...baseline)).toFixed(2)}×)`,
    '≤ 1.5×',
    verdict(ratio <= 1.5),
  ]);
  // What the metrics code costs a command that does not use it: the same bundle without src/observe's lazy part.
  const stubbed = join(dir, 'without-observe.js');
  await buildBundle(stubbed, true);
  const withObserve = join(dir, 'with-observe.js');
  await buildBundle(withObserve, false);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(timed([process.execPath, withObserve, 'validate', '--config', plain]));
    b.push(timed([process.execPath, stubbed, 'validate', '--config', plain]));
  }
  rows.push([
    'start-up: validate, with / without the metrics code',
    `${median(a).toFixed(1)} ms / ${median(b).toFixed(1)} ms = ${(median(a) / median(b)).toFixed(2)}×`,
    '—',
    'ok',
  ]);

  // 3. Laziness: did the module bodies of src/observe run?
  const without = await coverageOfRun(['--config', plain], false);
  const port = await freePort();
  const withMetrics = await coverageOfRun(['--config', plain, '--metrics-listen', `127.0.0.1:${port}`], true, port);
  rows.push([
    'metrics code evaluated without metrics.listen',
    `${without.map((m) => `${m.module}: ${m.count}`).join(', ')}`,
    'all 0',
    verdict(without.every((m) => m.count === 0)),
  ]);
  rows.push([
    '… and with --metrics-listen (the check can tell)',
    `${withMetrics.map((m) => `${m.module}: ${m.count}`).join(', ')}`,
    'all ≥ 1',
    verdict(withMetrics.every((m) => m.count >= 1)),
  ]);

  // 4. The soak: a leak grows with the scrapes; warming up (JIT code, pools) does not. So the
  // verdict is on the second half, after the first half had every chance to settle.
  const { rss, heap, control } = await soakRun(plain, scrapes);
  const series = (values: number[]) => values.map((v) => (v / 2 ** 20).toFixed(1)).join(' → ');
  const secondHalf = (values: number[]) => (values.at(-1) ?? NaN) - (values[3] ?? NaN);
  rows.push([
    `soak: ${scrapes} × (GET /metrics + GET /status), lowest RSS, MB`,
    `start ${mb(rss.start)}; after ${warmUpScrapes} warm-up, then every ${scrapes / 6}: ${series(rss.checkpoints)}; 2nd half ${signedMb(secondHalf(rss.checkpoints))}`,
    '2nd half < +1 MB',
    verdict(secondHalf(rss.checkpoints) < 2 ** 20),
  ]);
  rows.push([
    'control: the same time without scrapes, lowest RSS, MB',
    `${series(control.checkpoints)}; 2nd half ${signedMb(secondHalf(control.checkpoints))}`,
    '—',
    'ok',
  ]);
  rows.push([
    'soak: V8 heap after a full GC, MB',
    `${series(heap.checkpoints)}; 2nd half ${signedMb(secondHalf(heap.checkpoints))} (${rss.seconds.toFixed(1)} s, ${rss.polls} polls)`,
    '2nd half < +0.25 MB',
    verdict(secondHalf(heap.checkpoints) < 0.25 * 2 ** 20),
  ]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

printTable(rows);
process.exitCode = rows.every((r) => r[3] === 'ok') ? 0 : 1;

// --- helpers ---

/** The bundle as scripts/build.mjs builds it, optionally with the lazily imported metrics module stubbed out. */
async function buildBundle(outfile: string, stubObserve: boolean): Promise<void> {
  const stub: Plugin = {
    name: 'without-observe',
    setup(b) {
      b.onLoad({ filter: /src\/observe\/observe-over-http\.ts$/ }, () => ({ contents: 'export const observeOverHttp = undefined;', loader: 'js' }));
    },
  };
  await build(await bundleOptions({ outfile, plugins: stubObserve ? [stub] : [] }));
}

async function observeShare(): Promise<number> {
  const result = await build({ ...(await bundleOptions({ outfile: join(tmpdir(), 'observe-share.js') })), write: false, metafile: true, logLevel: 'silent' });
  const output = Object.values(result.metafile.outputs)[0];
  return Object.entries(output?.inputs ?? {})
    .filter(([path]) => path.startsWith('src/observe/'))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
}

function timed(command: string[]): number {
  const started = performance.now();
  const result = spawnSync(command[0] ?? '', command.slice(1), { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${command.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/** Runs `run` for a second under V8 coverage (scraping once if `scrape`), and reads how often each marker's innermost range ran. */
async function coverageOfRun(runArgs: string[], scrape: boolean, port?: number): Promise<Array<{ module: string; count: number }>> {
  const coverage = join(dir, `coverage-${scrape ? 'metrics' : 'plain'}`);
  const child = startBundle(runArgs, { NODE_V8_COVERAGE: coverage });
  await waitForLine(child, /^announce/);
  if (scrape) await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  child.stdin.end();
  await new Promise((done) => child.once('exit', done));

  const text = readFileSync(bundle, 'utf8');
  const files = readdirSync(coverage).map((f) => JSON.parse(readFileSync(join(coverage, f), 'utf8')) as { result: ScriptCoverage[] });
  const script = files.flatMap((f) => f.result).find((s) => s.url.endsWith('/dist/exabgp-anycast.js'));
  if (!script) throw new Error('no coverage of the bundle');
  return observeMarkers.map(({ module, text: marker }) => {
    const offset = text.indexOf(marker);
    if (offset === -1 || text.indexOf(marker, offset + 1) !== -1) throw new Error(`marker of ${module} is not in the bundle exactly once: update observeMarkers`);
    let innermost: { startOffset: number; endOffset: number; count: number } | undefined;
    for (const range of script.functions.flatMap((f) => f.ranges)) {
      if (range.startOffset <= offset && offset < range.endOffset && (!innermost || range.endOffset - range.startOffset < innermost.endOffset - innermost.startOffset)) innermost = range;
    }
    return { module, count: innermost?.count ?? 0 };
  });
}

interface ScriptCoverage {
  url: string;
  functions: Array<{ ranges: Array<{ startOffset: number; endOffset: number; count: number }> }>;
}

/** Starts `run` as ExaBGP would, answering `done` to every command (and ignoring --trace-gc's lines on the same stdout). */
function startBundle(runArgs: string[], env: Record<string, string> = {}, nodeFlags: string[] = [], cwd?: string): ChildProcessWithoutNullStreams & { lines: string[] } {
  const child = spawn(process.execPath, [...nodeFlags, bundle, 'run', ...runArgs], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const split = (partial + chunk).split('\n');
    partial = split.pop() ?? '';
    for (const line of split) {
      lines.push(line);
      if (/^(announce|withdraw|show) /.test(line)) child.stdin.write('done\n');
    }
  });
  child.stderr.resume();
  return Object.assign(child, { lines });
}

async function waitForLine(child: { lines: string[] }, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  for (const started = Date.now(); !child.lines.some((l) => pattern.test(l)); ) {
    if (Date.now() - started > timeoutMs) throw new Error(`no line matching ${pattern} within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** VmRSS of `pid`, in bytes. */
function rssOf(pid: number): number {
  return Number(/^VmRSS:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
}

/** The V8 heap after the last full collection (mark-compact), from --trace-gc's lines. */
function heapAfterFullGc(lines: string[]): number {
  const last = lines.filter((l) => /Mark-Compact/.test(l)).at(-1);
  const after = last === undefined ? undefined : /-> ([\d.]+) \(/.exec(last)?.[1];
  if (after === undefined) throw new Error('no full GC seen in --trace-gc output');
  return Number(after) * 2 ** 20;
}

/**
 * Two runs of `count` scrapes after a warm-up: one measures RSS untouched, the other the V8 heap
 * left by a full collection before and after (a heap snapshot's own memory would blur the RSS).
 */
async function soakRun(configPath: string, count: number) {
  const rss = await soakOnce(configPath, count, 'rss');
  const heap = await soakOnce(configPath, count, 'heap');
  // The same time without scrapes: how much RSS the plugin's polling alone adds meanwhile.
  const control = await soakOnce(configPath, count, 'rss', rss.seconds);
  return { rss, heap, control };
}

/**
 * `count` scrapes after a warm-up, measured at the start, after the warm-up and at every sixth of
 * the way: RSS untouched, or (`heap`) the V8 heap a full collection leaves, in a second process so
 * that a heap snapshot's own memory does not blur the RSS.
 */
async function soakOnce(configPath: string, count: number, what: 'rss' | 'heap', idleSeconds?: number) {
  const heap = what === 'heap';
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // --trace-gc prints the heap left by each collection. A heap snapshot starts with a full
  // collection, and --heapsnapshot-signal lets us ask for one from outside (SIGPWR: the plugin
  // uses the usual signals itself). The snapshots land in the temp dir.
  const nodeFlags = heap ? ['--trace-gc', '--heapsnapshot-signal=SIGPWR'] : [];
  const child = startBundle(['--config', configPath, '--metrics-listen', `127.0.0.1:${port}`], {}, nodeFlags, dir);
  const pid = child.pid ?? 0;
  await waitForLine(child, /^announce/);
  // RSS between collections holds garbage, and scraping flat out makes V8 hold more of it: a
  // leak shows as a rising floor, so each checkpoint is the lowest RSS seen since the last one.
  let floor = Infinity;
  const sampleRss = (): void => {
    floor = Math.min(floor, rssOf(pid));
  };
  const measure = async (): Promise<number> => {
    if (heap) return heapAfterForcedGc(child);
    sampleRss();
    const lowest = floor;
    floor = Infinity;
    return lowest;
  };
  let lastMetrics = '';
  const scrapeBoth = async () => {
    lastMetrics = await (await fetch(`${base}/metrics`)).text();
    await (await fetch(`${base}/status`)).text();
  };
  const start = await measure();
  for (let i = 0; i < warmUpScrapes; i++) await scrapeBoth();
  const checkpoints = [await measure()];
  const pollsBefore = pollCount(lastMetrics);
  const started = performance.now();
  for (let part = 1; part <= 6; part++) {
    if (idleSeconds !== undefined) {
      for (const until = performance.now() + (idleSeconds * 1000) / 6; performance.now() < until; await sleep(50)) sampleRss();
    } else {
      for (let i = 0; i < count / 6; i++) {
        await scrapeBoth();
        if (!heap && i % 10 === 0) sampleRss();
      }
    }
    checkpoints.push(await measure());
  }
  await scrapeBoth();
  const seconds = (performance.now() - started) / 1000;
  const polls = pollCount(lastMetrics) - pollsBefore;
  child.stdin.end();
  await new Promise((done) => child.once('exit', done));
  return { start, checkpoints, seconds, polls };
}

function pollCount(metrics: string): number {
  return Number(/^exabgp_anycast_stats_poll_duration_seconds_count (\d+)$/m.exec(metrics)?.[1] ?? NaN);
}

/** Asks for a heap snapshot, whose full collection --trace-gc reports; returns the heap it left. */
async function heapAfterForcedGc(child: ChildProcessWithoutNullStreams & { lines: string[] }): Promise<number> {
  const seen = child.lines.filter((l) => /Mark-Compact/.test(l)).length;
  child.kill('SIGPWR');
  for (const started = Date.now(); child.lines.filter((l) => /Mark-Compact/.test(l)).length === seen; ) {
    if (Date.now() - started > 10_000) throw new Error('no full collection after SIGPWR');
    await sleep(10);
  }
  return heapAfterFullGc(child.lines);
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

function signedMb(bytes: number): string {
  return `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 2 ** 20).toFixed(2)} MB`;
}

function printTable(table: Array<[string, string, string, string]>): void {
  const header: [string, string, string, string] = ['budget', 'measured', 'limit', 'verdict'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n'));
}
