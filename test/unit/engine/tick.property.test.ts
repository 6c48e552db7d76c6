import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/types.js';
import { initialEngineState, tick, type EngineState, type PollResult, type TickOutput } from '../../../src/engine/tick.js';
import type { BackendStat, ServerStat, StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';
import { INTERVAL_MS, NEIGHBORS, pluginConfig } from '../../support/config-arbitrary.js';
import { EngineModel, ExabgpTable, expectedTable, tableOfRecords } from '../../support/engine-model.js';
import { CHECK_STATUSES, PROXY_NAMES, SERVER_STATUSES } from '../../support/stats-csv-arbitrary.js';

const SERVER_NAMES = ['s0', 's1', 's2', 's3', 's4'];

const serverStat: fc.Arbitrary<ServerStat> = fc
  .record({
    status: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('UP', 'UP 1/2', 'DOWN', 'no check') }, { weight: 2, arbitrary: fc.constantFrom(...SERVER_STATUSES) }),
    // The parser drops the "* " of a running check; a snapshot never has it.
    checkStatus: fc.oneof({ weight: 4, arbitrary: fc.constant('L7OK') }, { weight: 1, arbitrary: fc.constantFrom(...CHECK_STATUSES.filter((c) => !c.startsWith('* '))) }),
    backup: fc.boolean(),
    tracked: fc.option(fc.constantFrom(...PROXY_NAMES.flatMap((p) => SERVER_NAMES.map((s) => `${p}/${s}`)), 'nowhere'), { nil: undefined, freq: 5 }),
  })
  .map(({ tracked, ...server }) => (tracked === undefined ? { name: '', ...server } : { name: '', ...server, tracked }));

/** Any mix of server states, as a partial outage or a bad day shows. */
const mixedSnapshot: fc.Arbitrary<StatsSnapshot> = fc
  .record({
    backends: fc.array(fc.tuple(fc.constantFrom(...PROXY_NAMES), fc.array(serverStat, { maxLength: SERVER_NAMES.length })), { maxLength: 4 }),
    frontends: fc.array(fc.tuple(fc.constantFrom(...PROXY_NAMES), fc.constantFrom('OPEN', 'STOP')), { maxLength: 4 }),
  })
  .map(({ backends, frontends }) => ({
    backends: new Map<string, BackendStat>(
      backends.map(([name, servers]) => [name, { name, status: 'UP', servers: servers.map((s, i) => ({ ...s, name: SERVER_NAMES[i] as string })) }]),
    ),
    frontends: new Map(frontends.map(([name, status]) => [name, { name, status }])),
  }));

/**
 * Every proxy open, and in each backend the first n servers up and checked, the rest down: all up is
 * healthy for most rules, and counts in between are where minUp and recoverMinUp differ.
 */
const countedSnapshot = (upCount: fc.Arbitrary<number>): fc.Arbitrary<StatsSnapshot> =>
  fc.array(upCount, { minLength: PROXY_NAMES.length, maxLength: PROXY_NAMES.length }).map((upCounts) => ({
    backends: new Map(
      PROXY_NAMES.map((name, p) => {
        // Past the up count, odd proxies have servers HAProxy has not checked yet (INI, as after a reload):
        // the undecided polls that hold the last verdict.
        const servers = SERVER_NAMES.map((s, i) =>
          i < (upCounts[p] ?? 0)
            ? { name: s, status: 'UP', checkStatus: 'L7OK', backup: false }
            : { name: s, status: p % 2 === 1 ? 'UP' : 'DOWN', checkStatus: p % 2 === 1 ? 'INI' : 'L7OK', backup: false },
        );
        return [name, { name, status: 'UP', servers }];
      }),
    ),
    frontends: new Map(PROXY_NAMES.map((name) => [name, { name, status: 'OPEN' }])),
  }));

const snapshot = fc.oneof(mixedSnapshot, countedSnapshot(fc.constant(SERVER_NAMES.length)), countedSnapshot(fc.integer({ min: 0, max: SERVER_NAMES.length })));

interface Poll {
  /** Index into the snapshot pool, or undefined for a failed poll. */
  snapshot: number | undefined;
  disabled: boolean;
  /** Intervals since the previous poll: late polls test staleMs and withdrawAfterMs. */
  gap: number;
}

const poll: fc.Arbitrary<Poll> = fc.record({
  snapshot: fc.option(fc.nat({ max: 2 }), { nil: undefined, freq: 4 }),
  disabled: fc.oneof({ weight: 7, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  gap: fc.constantFrom(1, 1, 1, 2, 3),
});

/**
 * A config, what an earlier instance left at ExaBGP, and polls drawn from a pool of up to three
 * snapshots, so that the same health repeats long enough to reach rise and fall.
 */
const scenario = fc.record({
  config: pluginConfig.map((raw) => validateConfig(raw, 'property')),
  leftovers: fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
  pool: fc.array(snapshot, { minLength: 1, maxLength: 3 }),
  polls: fc.array(poll, { minLength: 1, maxLength: 14 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

interface Step {
  output: TickOutput;
  table: ExabgpTable;
  model: EngineModel;
  config: Config;
}

/** Runs the polls through tick, replaying each poll's commands into a model of ExaBGP's table. */
function* play({ config, leftovers, pool, polls }: Scenario): Generator<Step> {
  const table = new ExabgpTable(NEIGHBORS);
  let state: EngineState = initialEngineState(config, 0);
  [...state.routes.values()].forEach((record, i) => leftovers[i] && table.leave(record.route));
  const model = new EngineModel(config);
  let now = 0;
  for (const { snapshot: index, disabled, gap } of polls) {
    now += gap * INTERVAL_MS;
    const snapshot = index === undefined ? undefined : pool[index % pool.length];
    const result: PollResult = snapshot ? { ok: true, snapshot } : { ok: false, error: 'stats source unix:/run/haproxy/admin.sock: timed out' };
    const output = tick(config, state, { poll: result, disabled, now, knownNeighbors: new Set(NEIGHBORS) });
    table.apply(output.commands);
    model.step({ snapshot, disabled, now });
    state = output.state;
    yield { output, table, model, config };
  }
}

describe('tick over generated configs and poll sequences', () => {
  it('never throws, and leaves ExaBGP holding exactly the routes its state says it announced', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        for (const { output, table } of play(s)) expect(table.entries()).toEqual(tableOfRecords(output.state.routes, NEIGHBORS));
      }),
      { numRuns: 400 },
    );
  });

  it('leaves ExaBGP holding the routes an independent model of the rules calls for, and reports its phases', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        for (const { output, table, model, config } of play(s)) {
          expect(table.entries()).toEqual(expectedTable(config, model, NEIGHBORS));
          expect(output.verdicts.map((v) => `${v.service} ${v.phase} ${v.mode}`)).toEqual(
            config.services.map((service) => `${service.name} ${model.phase(service)} ${model.mode(service)}`),
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  it('announces none of a service\'s prefixes after a poll that finds it down or disabled, when onDown is "withdraw"', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        for (const { output, table, config } of play(s)) {
          const announced = table.prefixes();
          for (const verdict of output.verdicts) {
            const service = config.services.find((c) => c.name === verdict.service);
            if (service?.onDown !== 'withdraw' || (verdict.phase !== 'down' && verdict.phase !== 'disabled')) continue;
            expect(service.prefixes.filter((prefix) => announced.has(prefix))).toEqual([]);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never announces a prefix for two services, nor anything the config does not have', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        for (const { output, table, config } of play(s)) {
          const owner = new Map(config.services.flatMap((service) => service.prefixes.map((prefix) => [prefix, service] as const)));
          for (const command of output.commands) {
            if (command.kind !== 'announce') continue;
            const service = owner.get(command.route.prefix);
            expect(service?.name).toBe(command.service);
            expect([command.route.nextHop, command.route.neighbors]).toEqual([service?.nextHop, service?.neighbors]);
          }
          for (const [prefix, services] of table.announcers) expect([prefix, [...services]]).toEqual([prefix, [owner.get(prefix)?.name]]);
        }
      }),
      { numRuns: 400 },
    );
  });
});
