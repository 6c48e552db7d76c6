// The fuzzer's core, shared by `npm run fuzz` (bench/fuzz.ts) and the suite (test/unit/engine/fuzz.test.ts).
// One input is a config as JSON (mostly valid, sometimes damaged) and a stats CSV text (well-formed
// or damaged, see stats-csv-arbitrary.ts). It goes through validateConfig → parseStatsCsv →
// evaluateService → tick, twice (the first poll decides; the second judges an announced service
// by its thresholds to stay up), and is judged by independent references:
// - crash: any exception but ERR_CONFIG_INVALID from validateConfig or ERR_STATS_PARSE from the parser;
// - hang: an input taking over HANG_MS, on its first run and on two re-runs (one slow run alone may be
//   a garbage collection or another process);
// - parse: the parser accepts a text the oracle (stats-oracle.ts) refuses, or refuses one it reads;
// - healthy: evaluateService's verdict differs from oracleHealthy on the oracle's own snapshot;
// - routes: the commands tick wrote, replayed into a model of ExaBGP's table, leave other routes than
//   the engine's state accounts for, or than engine-model.ts calls for.
import fc from 'fast-check';
import { validateConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/types.js';
import { initialEngineState, tick, type EngineState, type PollResult } from '../../src/engine/tick.js';
import { PluginError, errorMessage, type ErrorCode } from '../../src/errors.js';
import { parseStatsCsv, type StatsSnapshot } from '../../src/haproxy/parse-stats-csv.js';
import { evaluateService } from '../../src/health/evaluate-service.js';
import { damagedConfig, INTERVAL_MS, NEIGHBORS, pluginConfig } from './config-arbitrary.js';
import { EngineModel, ExabgpTable, expectedTable, tableOfRecords } from './engine-model.js';
import { CHECK_STATUSES, PROXY_NAMES, SERVER_STATUSES, statsCsv } from './stats-csv-arbitrary.js';
import { oracleHealthy, oracleParseStats } from './stats-oracle.js';

export const HANG_MS = 100;
/** Inputs are generated and run this many at a time, batch b from seed + b, so memory stays flat. */
export const BATCH_SIZE = 1000;

export interface FuzzInput {
  config: unknown;
  csv: string;
}

/**
 * Tables of a HAProxy that mostly serves: every proxy of PROXY_NAMES, most servers up and checked.
 * statsCsv's tables are rarely healthy (most of its statuses are not up), and the verdicts near the
 * thresholds, where minUp and recoverMinUp differ, are the ones worth checking.
 */
const servingStatsCsv: fc.Arbitrary<string> = fc
  .record({
    frontends: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant('OPEN') }, { weight: 1, arbitrary: fc.constantFrom('STOP', 'FULL') }), { minLength: PROXY_NAMES.length, maxLength: PROXY_NAMES.length }),
    backends: fc.array(
      fc.array(
        fc.record({
          status: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('UP', 'UP 1/2', 'no check') }, { weight: 3, arbitrary: fc.constantFrom(...SERVER_STATUSES) }),
          checkStatus: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('L7OK', '* L7OK', 'L4OK') }, { weight: 2, arbitrary: fc.constantFrom(...CHECK_STATUSES) }),
          backup: fc.oneof({ weight: 5, arbitrary: fc.constant('0') }, { weight: 1, arbitrary: fc.constant('1') }),
          tracks: fc.option(fc.tuple(fc.nat({ max: PROXY_NAMES.length - 1 }), fc.nat({ max: 4 })), { nil: undefined, freq: 6 }),
        }),
        { maxLength: 5 },
      ),
      { minLength: PROXY_NAMES.length, maxLength: PROXY_NAMES.length },
    ),
    tracked: fc.boolean(),
    lineEnd: fc.constantFrom('\n', '\r\n'),
  })
  .map(({ frontends, backends, tracked, lineEnd }) => {
    const cell = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
    const row = (...cells: string[]): string => (tracked ? cells : cells.slice(0, -1)).map(cell).join(',');
    const lines = [`# ${row('pxname', 'svname', 'status', 'type', 'check_status', 'bck', 'tracked')}`];
    PROXY_NAMES.forEach((proxy, p) => {
      lines.push(row(proxy, 'FRONTEND', frontends[p] ?? 'OPEN', '0', '', '', ''));
      (backends[p] ?? []).forEach((server, s) => {
        const target = server.tracks && `${PROXY_NAMES[server.tracks[0]]}/s${server.tracks[1]}`;
        lines.push(row(proxy, `s${s}`, server.status, '2', target ? '' : server.checkStatus, server.backup, target ?? ''));
      });
      lines.push(row(proxy, 'BACKEND', 'UP', '1', '', '0', ''));
    });
    return lines.join(lineEnd) + lineEnd;
  });

export const fuzzInput: fc.Arbitrary<FuzzInput> = fc.record({
  config: fc.oneof({ weight: 9, arbitrary: pluginConfig }, { weight: 1, arbitrary: damagedConfig }),
  csv: fc.oneof({ weight: 3, arbitrary: statsCsv }, { weight: 2, arbitrary: servingStatsCsv }),
});

export type FindingKind = 'crash' | 'hang' | 'parse' | 'healthy' | 'routes';

export interface Finding {
  kind: FindingKind;
  detail: string;
  /** The seed of the batch the input came from, and its place in it: `--seed seed --runs index + 1` replays it. */
  seed: number;
  index: number;
  input: FuzzInput;
}

export interface Tally {
  inputs: number;
  configRejections: number;
  parseRejections: number;
  /** evaluateService verdicts compared with the oracle, and how many of them were healthy. */
  verdicts: number;
  healthyVerdicts: number;
  /** Inputs over HANG_MS on their first run only: not hangs, but shown so that a slow machine is visible. */
  slowOnce: number;
  /** The slowest input (its best of three runs when the first was over HANG_MS), and where it came from. */
  slowest: { ms: number; seed: number; index: number };
  findings: Record<FindingKind, number>;
}

export function emptyTally(): Tally {
  return { inputs: 0, configRejections: 0, parseRejections: 0, verdicts: 0, healthyVerdicts: 0, slowOnce: 0, slowest: { ms: 0, seed: 0, index: 0 }, findings: { crash: 0, hang: 0, parse: 0, healthy: 0, routes: 0 } };
}

export function addTally(into: Tally, from: Tally): void {
  for (const key of ['inputs', 'configRejections', 'parseRejections', 'verdicts', 'healthyVerdicts', 'slowOnce'] as const) into[key] += from[key];
  if (from.slowest.ms > into.slowest.ms) into.slowest = from.slowest;
  for (const kind of Object.keys(into.findings) as FindingKind[]) into.findings[kind] += from.findings[kind];
}

/**
 * Runs `count` inputs generated from `seed`. `onInput` hears each input's index before it runs, so
 * that a watchdog can name an input that never ends.
 */
export function runBatch(seed: number, count: number, onInput: (index: number) => void = () => {}): { tally: Tally; findings: Finding[] } {
  const tally = emptyTally();
  const findings: Finding[] = [];
  fc.sample(fuzzInput, { seed, numRuns: count }).forEach((input, index) => {
    onInput(index);
    const { outcome, ms: firstMs } = timed(input);
    let ms = firstMs;
    if (ms > HANG_MS) {
      const again = Math.min(timed(input).ms, timed(input).ms);
      if (again <= HANG_MS) tally.slowOnce++;
      ms = again;
      if (ms > HANG_MS) outcome.problems.push({ kind: 'hang', detail: `took ${ms.toFixed(0)} ms at best of three runs, over ${HANG_MS} ms` });
    }
    tally.inputs++;
    if (ms > tally.slowest.ms) tally.slowest = { ms, seed, index };
    if (outcome.configRejected) tally.configRejections++;
    if (outcome.parseRejected) tally.parseRejections++;
    tally.verdicts += outcome.verdicts;
    tally.healthyVerdicts += outcome.healthyVerdicts;
    for (const problem of outcome.problems) {
      tally.findings[problem.kind]++;
      findings.push({ ...problem, seed, index, input });
    }
  });
  return { tally, findings };
}

/** `runs` inputs from `seed`, batch after batch in this thread: the same inputs as `npm run fuzz -- --seed seed --runs runs`. */
export function runFuzz(seed: number, runs: number): { tally: Tally; findings: Finding[] } {
  const tally = emptyTally();
  const findings: Finding[] = [];
  for (let batch = 0; batch * BATCH_SIZE < runs; batch++) {
    const result = runBatch(seed + batch, Math.min(BATCH_SIZE, runs - batch * BATCH_SIZE));
    addTally(tally, result.tally);
    findings.push(...result.findings);
  }
  return { tally, findings };
}

// --- internal ---

interface Outcome {
  configRejected: boolean;
  parseRejected: boolean;
  verdicts: number;
  healthyVerdicts: number;
  problems: Array<{ kind: FindingKind; detail: string }>;
}

function timed(input: FuzzInput): { outcome: Outcome; ms: number } {
  const start = performance.now();
  const outcome = check(input);
  return { outcome, ms: performance.now() - start };
}

function check(input: FuzzInput): Outcome {
  const outcome: Outcome = { configRejected: false, parseRejected: false, verdicts: 0, healthyVerdicts: 0, problems: [] };
  const problem = (kind: FindingKind, detail: string): Outcome => {
    outcome.problems.push({ kind, detail });
    return outcome;
  };
  const crash = (stage: string, error: unknown): Outcome => problem('crash', `${stage} threw ${error instanceof Error ? error.stack ?? error.message : String(error)}`);

  let config: Config;
  try {
    config = validateConfig(input.config, 'fuzz');
  } catch (error) {
    if (!isPluginError(error, 'ERR_CONFIG_INVALID')) return crash('validateConfig', error);
    outcome.configRejected = true;
    return outcome;
  }

  let poll: PollResult;
  try {
    poll = { ok: true, snapshot: parseStatsCsv(input.csv, 'fuzz') };
  } catch (error) {
    if (!isPluginError(error, 'ERR_STATS_PARSE')) return crash('parseStatsCsv', error);
    outcome.parseRejected = true;
    poll = { ok: false, error: errorMessage(error) };
  }

  // The references' view: the oracle's own reading of the text.
  const expected = oracleParseStats(input.csv);
  const truth: StatsSnapshot | undefined = expected.ok ? expected.snapshot : undefined;
  if (!expected.ok && poll.ok) problem('parse', `the parser accepted a text the oracle refuses (${expected.reason})`);
  if (expected.ok && !poll.ok) problem('parse', `the parser refused a text the oracle reads: ${poll.error}`);

  if (poll.ok && truth !== undefined) {
    for (const service of config.services) {
      for (const announced of [false, true]) {
        let healthy: boolean;
        try {
          healthy = evaluateService(service, poll.snapshot, announced).healthy;
        } catch (error) {
          return crash('evaluateService', error);
        }
        const oracle = oracleHealthy(service.health, truth, announced);
        outcome.verdicts++;
        if (healthy) outcome.healthyVerdicts++;
        if (healthy !== oracle) problem('healthy', `service ${service.name} (${announced ? 'announced' : 'not announced'}): evaluateService says ${healthy ? 'healthy' : 'unhealthy'}, the oracle ${oracle ? 'healthy' : 'unhealthy'}`);
      }
    }
  }

  const table = new ExabgpTable(NEIGHBORS);
  const model = new EngineModel(config);
  let state: EngineState = initialEngineState(config, 0);
  for (const now of [INTERVAL_MS, 2 * INTERVAL_MS]) {
    try {
      const output = tick(config, state, { poll, disabled: false, now, knownNeighbors: new Set(NEIGHBORS) });
      state = output.state;
      table.apply(output.commands);
    } catch (error) {
      return crash('tick', error);
    }
    model.step({ snapshot: truth, disabled: false, now });
    const held = table.entries().join('\n');
    const accounted = tableOfRecords(state.routes, NEIGHBORS).join('\n');
    const called = expectedTable(config, model, NEIGHBORS).join('\n');
    if (held !== accounted) problem('routes', `poll at ${now} ms: ExaBGP holds\n${held || '(nothing)'}\nbut the engine's state accounts for\n${accounted || '(nothing)'}`);
    if (held !== called) problem('routes', `poll at ${now} ms: ExaBGP holds\n${held || '(nothing)'}\nbut the model calls for\n${called || '(nothing)'}`);
  }
  return outcome;
}

function isPluginError(error: unknown, code: ErrorCode): boolean {
  return error instanceof PluginError && error.code === code;
}
