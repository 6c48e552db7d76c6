// CPU cost of one poll's parse for a 100-server HAProxy. From the repo root:
//   npx esbuild bench/parse-stats.ts --bundle --platform=node --outfile=/tmp/parse-stats.cjs && node /tmp/parse-stats.cjs
// The CSV is built from rows of a real 2.6 capture, so cell counts and widths are HAProxy's.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
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
  let servers = 0;
  // A real poller parses once per interval: measure like that first, JIT warm-up included.
  const polls = [measure(() => (servers = [...parseStatsCsv(csv, 'bench').backends.values()].reduce((n, b) => n + b.servers.length, 0)))];
  await sleep(50);
  for (let i = 1; i < 40; i++) {
    polls.push(measure(() => parseStatsCsv(csv, 'bench')));
    await sleep(50);
  }
  const runs = 5000;
  const hot = measure(() => {
    for (let i = 0; i < runs; i++) parseStatsCsv(csv, 'bench');
  });

  console.log(`input: ${csv.length} bytes, ${lines.length - 1} rows, ${servers} servers`);
  const row = (some: { cpu: number; wall: number }[]) => ({ cpu: ms(median(some.map((p) => p.cpu))), wall: ms(median(some.map((p) => p.wall))) });
  console.table({
    'poll 1 (cold)': row(polls.slice(0, 1)),
    'polls 2-5, median': row(polls.slice(1, 5)),
    'polls 21-40 (every 50 ms), median': row(polls.slice(20)),
    [`back to back, mean of ${runs}`]: { cpu: ms(hot.cpu / runs), wall: ms(hot.wall / runs) },
  });
}

void main();
