// `npm run fuzz [-- --seed N --runs N]`: generated HAProxy stats texts and plugin configs through
// validateConfig → parseStatsCsv → evaluateService → tick, judged by independent references (see
// test/support/fuzz-pipeline.ts). Default: 1,000,000 inputs from a random seed, which is printed.
// Inputs run in batches of BATCH_SIZE, batch b from seed + b, on one worker thread per core; memory stays
// flat because each batch is generated, run and dropped. A finding is printed with the command that
// replays it alone. Exits 1 on any crash, hang or disagreement.
import fc from 'fast-check';
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BATCH_SIZE, HANG_MS, addTally, emptyTally, fuzzInput, runBatch, type Finding, type FuzzInput, type Tally } from '../test/support/fuzz-pipeline.js';

/** An input still running after this long never ends: a hang the per-input clock cannot report. */
const STUCK_MS = 10_000;
const SHOWN_FINDINGS = 10;

interface Job {
  batch: number;
  seed: number;
  count: number;
}

type WorkerReply = { batch: number; tally: Tally; findings: Finding[] };

if (isMainThread) await main();
else serveBatches();

/** A worker: runs each job it is sent, writing the input it is on into `progress` for the watchdog. */
function serveBatches(): void {
  const progress = new Int32Array(workerData as SharedArrayBuffer);
  parentPort?.on('message', ({ batch, seed, count }: Job) => {
    Atomics.store(progress, 0, batch);
    const result = runBatch(seed, count, (index) => Atomics.store(progress, 1, index));
    parentPort?.postMessage({ batch, ...result } satisfies WorkerReply);
  });
}

async function main(): Promise<void> {
  const { seed, runs } = readArguments();
  const batches = Math.ceil(runs / BATCH_SIZE);
  const workerCount = Math.min(availableParallelism(), batches);
  console.log(`fuzz: seed ${seed}, ${format(runs)} inputs, ${workerCount} worker${workerCount > 1 ? 's' : ''}; replay with npm run fuzz -- --seed ${seed} --runs ${runs}`);

  const tally = emptyTally();
  const findings: Finding[] = [];
  const started = performance.now();
  let nextBatch = 0;
  let lastReport = started;
  /** Per worker: its job, and the input it was last seen on since when. */
  const watchdogs: Array<{ progress: Int32Array; job: Job | undefined; seen: string; since: number }> = [];

  const stuck = await new Promise<Finding | undefined>((resolve) => {
    const workers = Array.from({ length: workerCount }, () => startWorker());
    let running = workers.length;

    function startWorker() {
      const progress = new SharedArrayBuffer(8);
      const worker = new Worker(new URL(import.meta.url), { workerData: progress });
      const watch = { progress: new Int32Array(progress), job: undefined as Job | undefined, seen: '', since: performance.now() };
      const next = (): void => {
        if (nextBatch >= batches) {
          watch.job = undefined;
          void worker.terminate();
          if (--running === 0) finish(undefined);
          return;
        }
        const batch = nextBatch++;
        watch.job = { batch, seed: seed + batch, count: Math.min(BATCH_SIZE, runs - batch * BATCH_SIZE) };
        Atomics.store(watch.progress, 1, 0);
        worker.postMessage(watch.job);
      };
      worker.on('message', (reply: WorkerReply) => {
        addTally(tally, reply.tally);
        findings.push(...reply.findings);
        const now = performance.now();
        if (now - lastReport > 10_000) {
          lastReport = now;
          console.error(`  ${format(tally.inputs)} inputs, ${seconds(now - started)}`);
        }
        next();
      });
      worker.on('error', (error) => {
        console.error(`a worker failed outside any input: ${error.stack ?? error.message}`);
        process.exit(1);
      });
      watchdogs.push(watch);
      next();
      return worker;
    }

    function finish(result: Finding | undefined): void {
      clearInterval(timer);
      for (const worker of workers) void worker.terminate();
      resolve(result);
    }

    const timer = setInterval(() => {
      for (const watch of watchdogs) {
        if (watch.job === undefined) continue;
        const index = Atomics.load(watch.progress, 1);
        const at = `${watch.job.batch} ${index}`;
        if (at !== watch.seen) {
          watch.seen = at;
          watch.since = performance.now();
        } else if (performance.now() - watch.since > STUCK_MS) {
          const job = watch.job;
          const input = fc.sample(fuzzInput, { seed: job.seed, numRuns: index + 1 })[index] as FuzzInput;
          finish({ kind: 'hang', detail: `still running after ${STUCK_MS / 1000} s`, seed: job.seed, index, input });
          return;
        }
      }
    }, 1000);
  });

  if (stuck) {
    tally.findings.hang++;
    findings.push(stuck);
  }
  const elapsed = performance.now() - started;
  printTable(tally, elapsed);
  printFindings(findings);
  const failed = Object.values(tally.findings).some((count) => count > 0);
  console.log(failed ? 'FAILED: see the findings above.' : 'No crash, hang or disagreement.');
  process.exit(failed ? 1 : 0);
}

function readArguments(): { seed: number; runs: number } {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, runs: { type: 'string' } } });
  const integer = (name: string, text: string | undefined, fallback: number, max: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      console.error(`--${name} must be a whole number from 0 to ${format(max)}, got ${JSON.stringify(text)}`);
      process.exit(2);
    }
    return value;
  };
  // fast-check takes 32-bit seeds; batch seeds count up from this one.
  const seed = integer('seed', values.seed, randomInt(2 ** 31 - 2 ** 20), 2 ** 31 - 2 ** 20);
  const runs = integer('runs', values.runs, 1_000_000, 2 ** 20 * BATCH_SIZE);
  return { seed, runs };
}

function printTable(tally: Tally, elapsedMs: number): void {
  const rows: Array<[string, string]> = [
    ['inputs run', format(tally.inputs)],
    ['configs rejected (ERR_CONFIG_INVALID)', format(tally.configRejections)],
    ['stats texts rejected (ERR_STATS_PARSE)', format(tally.parseRejections)],
    ['health verdicts compared with the oracle (healthy)', `${format(tally.verdicts)} (${format(tally.healthyVerdicts)})`],
    ['crashes', format(tally.findings.crash)],
    [`hangs over ${HANG_MS} ms`, format(tally.findings.hang)],
    ['parse verdicts the oracle disagrees with', format(tally.findings.parse)],
    ['"healthy" verdicts the oracle disagrees with', format(tally.findings.healthy)],
    ['routes the models disagree with', format(tally.findings.routes)],
    [`over ${HANG_MS} ms once, not on two re-runs`, format(tally.slowOnce)],
    ['slowest input', `${tally.slowest.ms.toFixed(1)} ms (--seed ${tally.slowest.seed} --runs ${tally.slowest.index + 1})`],
    ['time', `${seconds(elapsedMs)} (${format(Math.round(tally.inputs / (elapsedMs / 1000)))} inputs/s)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log('');
  console.log(`| ${'what'.padEnd(width)} | count |`);
  console.log(`|${'-'.repeat(width + 2)}|-------|`);
  for (const [label, value] of rows) console.log(`| ${label.padEnd(width)} | ${value} |`);
  console.log('');
}

function printFindings(findings: Finding[]): void {
  for (const finding of findings.slice(0, SHOWN_FINDINGS)) {
    console.log(`${finding.kind}: ${finding.detail}`);
    console.log(`  replay: npm run fuzz -- --seed ${finding.seed} --runs ${finding.index + 1}   (the last input of that run)`);
    console.log(`  config: ${clip(JSON.stringify(finding.input.config))}`);
    console.log(`  stats:  ${clip(JSON.stringify(finding.input.csv))}`);
  }
  if (findings.length > SHOWN_FINDINGS) console.log(`… and ${findings.length - SHOWN_FINDINGS} more findings.`);
}

function clip(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

function format(n: number): string {
  return n.toLocaleString('en');
}

function seconds(ms: number): string {
  const total = Math.round(ms / 1000);
  return total >= 60 ? `${Math.floor(total / 60)} min ${total % 60} s` : `${(ms / 1000).toFixed(1)} s`;
}
