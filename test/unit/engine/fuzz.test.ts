import { describe, expect, it } from 'vitest';
import { HANG_MS, runFuzz, type Finding } from '../../support/fuzz-pipeline.js';

/** Fixed, so that a failure here replays with `npm run fuzz -- --seed 8 --runs 10000`. */
const SEED = 8;
const RUNS = 10_000;

const describeFinding = (f: Finding): string => `${f.kind} at --seed ${f.seed} --runs ${f.index + 1}: ${f.detail}`;

describe('fuzz: generated stats texts and configs through parse → evaluate → tick', () => {
  it(`runs ${RUNS.toLocaleString('en')} inputs without a crash, a hang over ${HANG_MS} ms, or a verdict the oracle disagrees with`, () => {
    const { tally, findings } = runFuzz(SEED, RUNS);
    expect(findings.slice(0, 5).map(describeFinding)).toEqual([]);
    expect(tally.inputs).toBe(RUNS);
    // The inputs reach every path: rejected configs and texts, and healthy as well as unhealthy verdicts.
    expect(tally.configRejections).toBeGreaterThan(RUNS / 50);
    expect(tally.parseRejections).toBeGreaterThan(RUNS / 10);
    expect(tally.healthyVerdicts).toBeGreaterThan(tally.verdicts / 20);
    expect(tally.healthyVerdicts).toBeLessThan(tally.verdicts);
  }, 60_000);
});
