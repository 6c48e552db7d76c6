// CPU cost of one poll's decision for a 100-server HAProxy: parse the CSV, then tick (health,
// state machine, route diff) for 10 services. From the repo root: npm run bench:poll
// The CSV is built from rows of a real 2.6 capture, so cell counts and widths are HAProxy's.
// Reading the socket is left out: that is the kernel's time, not ours.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateConfig } from '../src/config/load-config.js';
import { initialEngineState, tick, type EngineState } from '../src/engine/tick.js';
import { parseStatsCsv } from '../src/haproxy/parse-stats-csv.js';

const BACKENDS = 10;
const SERVERS_PER_BACKEND = 10;

const capture = readFileSync('test/fixtures/haproxy/2.6-quoted-last-chk.csv', 'utf8').split('\n');
const row = (prefix: string): string => capture.find((line) => line.startsWith(prefix)) ?? '';
const renamed = (prefix: string, proxy: string, server: string): string =>
  row(prefix).replace(/^[^,]+,[^,]+,/, `${proxy},${server},`);

const lines = [capture[0] ?? ''];
for (let b = 0; b < BACKENDS; b++) {
  lines.push(renamed('stats,FRONTEND,', `fe_${b}`, 'FRONTEND'));
  // One server in ten is down with a quoted last_chk, so the quoted path runs too.
  for (let s = 0; s < SERVERS_PER_BACKEND; s++) lines.push(renamed(s === 0 ? 'be_odd,o1,' : 'be_app,s1,', `be_${b}`, `srv${s}`));
  lines.push(renamed('be_app,BACKEND,', `be_${b}`, 'BACKEND'));
}
const csv = `${lines.join('\n')}\n\n`;

const config = validateConfig(
  {
    stats: { source: 'unix:/run/haproxy/admin.sock' },
    services: Array.from({ length: BACKENDS }, (_, b) => ({ name: `svc${b}`, prefixes: [`198.18.${b}.0/24`], health: { backends: [`be_${b}`] } })),
  },
  'bench',
);
let state: EngineState = initialEngineState(config, 0);
let now = 0;
/** One poll as run does it, without the socket read. */
function poll(): void {
  now += 1000;
  state = tick(config, state, { poll: { ok: true, snapshot: parseStatsCsv(csv, 'bench') }, disabled: false, now, knownNeighbors: new Set() }).state;
}

/** CPU milliseconds (all threads, so V8's background compiler counts) and wall milliseconds of `run`. */
function measure(run: () => void): { cpu: number; wall: number } {
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  run();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000, wall: Number(process.hrtime.bigint() - wall) / 1e6 };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const ms = (value: number): string => `${value.toFixed(3)} ms`;

async function main(): Promise<void> {
  const servers = [...parseStatsCsv(csv, 'bench').backends.values()].reduce((n, b) => n + b.servers.length, 0);
  // A real poller polls once per interval: measure like that first, JIT warm-up included.
  const polls = [measure(poll)];
  await sleep(50);
  for (let i = 1; i < 40; i++) {
    polls.push(measure(poll));
    await sleep(50);
  }
  const runs = 5000;
  const hot = measure(() => {
    for (let i = 0; i < runs; i++) poll();
  });

  console.log(`one poll: parse ${csv.length} bytes (${lines.length - 1} rows, ${servers} servers) + tick for ${config.services.length} services`);
  const row = (some: { cpu: number; wall: number }[]) => ({ cpu: ms(median(some.map((p) => p.cpu))), wall: ms(median(some.map((p) => p.wall))) });
  console.table({
    'poll 1 (cold)': row(polls.slice(0, 1)),
    'polls 2-5, median': row(polls.slice(1, 5)),
    'polls 21-40 (every 50 ms), median': row(polls.slice(20)),
    [`back to back, mean of ${runs}`]: { cpu: ms(hot.cpu / runs), wall: ms(hot.wall / runs) },
  });
}

void main();
