import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../../src/config/types.js';
import { PluginError } from '../../../src/errors.js';
import { parseStatsCsv, type StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';
import { serverHealth } from '../../../src/haproxy/server-health.js';
import { evaluateService } from '../../../src/health/evaluate-service.js';
import { healthRule, mutatedStatsCsv, statsCsv, wellFormedStatsCsv } from '../../support/stats-csv-arbitrary.js';
import { oracleHealthy, oracleParseStats, oracleServerHealth } from '../../support/stats-oracle.js';

/** parseStatsCsv's snapshot, or 'malformed' when it throws ERR_STATS_PARSE (any other throw fails the test). */
function parsed(text: string): StatsSnapshot | 'malformed' {
  try {
    return parseStatsCsv(text, 'property');
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).code).toBe('ERR_STATS_PARSE');
    return 'malformed';
  }
}

function expectSameVerdict(text: string): void {
  const expected = oracleParseStats(text);
  expect(parsed(text)).toEqual(expected.ok ? expected.snapshot : 'malformed');
}

const service = (health: ServiceConfig['health']): ServiceConfig => ({
  name: 'svc',
  prefixes: ['198.18.0.10/32'],
  nextHop: 'self',
  neighbors: [],
  onDown: 'withdraw',
  health,
});

/** Text with a real header, then anything: the oracle and the parser must still agree. */
const headerThenJunk = fc
  .tuple(
    fc.constantFrom('# pxname,svname,status,type,check_status,bck,tracked,\n', '# pxname,svname,type,bck,status,check_status,\r\n', '#pxname,svname,status,type,check_status,bck\n'),
    fc.string({ unit: fc.constantFrom('a', 'b', 's1', 'UP', '0', '1', '2', '3', ',', '"', '""', '\r', '\n', '\r\n', ' ', 'INI', '* ', 'BACKEND', 'a/s1'), maxLength: 60 }),
  )
  .map(([header, rest]) => header + rest);

describe('parseStatsCsv against an independent oracle', () => {
  it('reads every well-formed table exactly as the oracle does', () => {
    fc.assert(
      fc.property(wellFormedStatsCsv, (text) => {
        const expected = oracleParseStats(text);
        expect(expected).toMatchObject({ ok: true });
        expect(parsed(text)).toEqual(expected.ok && expected.snapshot);
      }),
      { numRuns: 1500 },
    );
  });

  it('accepts and refuses the same damaged tables as the oracle, and reads the accepted ones alike', () => {
    fc.assert(fc.property(mutatedStatsCsv, expectSameVerdict), { numRuns: 3000 });
  });

  it('agrees with the oracle on a real header followed by junk', () => {
    fc.assert(fc.property(headerThenJunk, expectSameVerdict), { numRuns: 3000 });
  });

  it('agrees with the oracle on any text at all', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), expectSameVerdict), { numRuns: 1000 });
  });

  it('is tested on a real mix: most tables accepted, many refused, quoting and tracking present', () => {
    const texts = fc.sample(statsCsv, { numRuns: 2000, seed: 8 });
    const verdicts = texts.map((text) => oracleParseStats(text));
    const accepted = verdicts.filter((v) => v.ok).length;
    const refused = verdicts.filter((v) => !v.ok).map((v) => (v.ok ? '' : v.reason));
    expect(accepted).toBeGreaterThan(1000);
    expect(refused.length).toBeGreaterThan(400);
    for (const reason of ['twice', 'cells', 'ends inside a record', 'no BACKEND row', 'after a closing quote']) {
      expect(refused.some((r) => r.includes(reason)), reason).toBe(true);
    }
    expect(texts.some((t) => /"[^"\n]*\n[^"]*"/.test(t))).toBe(true);
    expect(texts.some((t) => /,[a-zA-Z0-9._:-]+\/[a-zA-Z0-9._:-]+,/.test(t))).toBe(true);
  });
});

describe('serverHealth and evaluateService against the oracle', () => {
  const snapshots = wellFormedStatsCsv.map((text) => parseStatsCsv(text, 'property'));

  it('calls every generated server what the oracle calls it', () => {
    fc.assert(
      fc.property(snapshots, (snapshot) => {
        for (const backend of snapshot.backends.values()) {
          for (const server of backend.servers) {
            expect(serverHealth(server, snapshot), `${backend.name}/${server.name}`).toBe(oracleServerHealth(server, snapshot));
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a service healthy exactly when the oracle does', () => {
    fc.assert(
      fc.property(snapshots, healthRule, fc.boolean(), (snapshot, rule, announced) => {
        expect(evaluateService(service(rule), snapshot, announced).healthy).toBe(oracleHealthy(rule, snapshot, announced));
      }),
      { numRuns: 3000 },
    );
  });
});
