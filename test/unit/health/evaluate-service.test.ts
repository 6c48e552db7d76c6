import { describe, expect, it } from 'vitest';
import type { HealthRule, ServiceConfig } from '../../../src/config/types.js';
import type { ServerStat, StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';
import { evaluateService } from '../../../src/health/evaluate-service.js';

function service(health: Partial<HealthRule>): ServiceConfig {
  return {
    name: 'www',
    prefixes: ['198.18.0.10/32'],
    nextHop: 'self',
    neighbors: [],
    onDown: 'withdraw',
    health: { backends: ['be_app'], mode: 'all', countBackup: false, ...health },
  };
}

const server = (name: string, status: string, extra: Partial<ServerStat> = {}): ServerStat => ({
  name,
  status,
  checkStatus: 'L7OK',
  backup: false,
  ...extra,
});

function snapshot(backends: Record<string, ServerStat[]>, frontends: Record<string, string> = {}): StatsSnapshot {
  return {
    backends: new Map(Object.entries(backends).map(([name, servers]) => [name, { name, status: 'UP', servers }])),
    frontends: new Map(Object.entries(frontends).map(([name, status]) => [name, { name, status }])),
  };
}

describe('evaluateService', () => {
  it('is healthy with one server up by default, and says how many are up', () => {
    const result = evaluateService(service({}), snapshot({ be_app: [server('s1', 'UP'), server('s2', 'DOWN')] }), true);
    expect(result).toMatchObject({ healthy: true, reason: 'be_app: 1/2 servers up, need ≥ 1' });
  });

  it('is unhealthy when no server is up', () => {
    const result = evaluateService(service({ minUp: 1 }), snapshot({ be_app: [server('s1', 'DOWN'), server('s2', 'MAINT')] }), true);
    expect(result).toMatchObject({ healthy: false, reason: 'be_app: 0/2 servers up, need ≥ 1' });
  });

  it.each([
    ['UP 1/3 (going down) counts as up', server('s', 'UP 1/3'), 1],
    ['DOWN 1/2 (going up) does not count', server('s', 'DOWN 1/2'), 0],
    ['UP before its first check (INI) does not count', server('s', 'UP', { checkStatus: 'INI' }), 0],
    ['no check counts as up', server('s', 'no check', { checkStatus: '' }), 1],
    ['DRAIN does not count', server('s', 'DRAIN'), 0],
    ['NOLB does not count', server('s', 'NOLB'), 0],
    ['MAINT (via other/srv) does not count', server('s', 'MAINT (via other/srv)'), 0],
    ['UP garbage (not a form HAProxy writes) does not count', server('s', 'UP garbage'), 0],
    ['UPX does not count', server('s', 'UPX'), 0],
  ])('%s', (_title, stat, up) => {
    expect(evaluateService(service({}), snapshot({ be_app: [stat] }), true).backends[0]?.up).toBe(up);
  });

  it('counts a tracking server only once the server it tracks has been checked', () => {
    const tracker = server('t1', 'UP 1/3', { checkStatus: '', tracked: 'be_other/s1' });
    const rule = service({ minUp: 1 });
    const unchecked = snapshot({ be_app: [tracker], be_other: [server('s1', 'UP 1/3', { checkStatus: 'INI' })] });
    const checked = snapshot({ be_app: [tracker], be_other: [server('s1', 'UP', { checkStatus: 'L7OK' })] });
    expect(evaluateService(rule, unchecked, false)).toMatchObject({
      healthy: false,
      undecided: true,
      reason: "be_app: 0/1 servers up, 1 not checked yet since HAProxy's (re)start, need ≥ 1",
    });
    expect(evaluateService(rule, checked, false)).toMatchObject({ healthy: true, undecided: false, reason: 'be_app: 1/1 servers up, need ≥ 1' });
  });

  describe('with servers HAProxy has not checked yet (INI, after its start or reload)', () => {
    const ini = (name: string, extra: Partial<ServerStat> = {}): ServerStat => server(name, 'UP', { checkStatus: 'INI', ...extra });

    type Case = { title: string; rule: Partial<HealthRule>; backends: Record<string, ServerStat[]>; verdict: 'healthy' | 'undecided' | 'unhealthy' };
    it.each<Case>([
      { title: 'all of them unchecked, minUp all', rule: { minUp: 2 }, backends: { be_app: [ini('s1'), ini('s2')] }, verdict: 'undecided' },
      { title: 'one up, one unchecked, minUp all', rule: { minUp: 2 }, backends: { be_app: [server('s1', 'UP'), ini('s2')] }, verdict: 'undecided' },
      { title: 'one down, one unchecked, minUp all: the unchecked one cannot make it', rule: { minUp: 2 }, backends: { be_app: [server('s1', 'DOWN'), ini('s2')] }, verdict: 'unhealthy' },
      { title: 'enough up without the unchecked one', rule: { minUp: 1 }, backends: { be_app: [server('s1', 'UP'), ini('s2')] }, verdict: 'healthy' },
      { title: '1/4 up and one unchecked against 50%', rule: { minUpPercent: 50 }, backends: { be_app: [server('s1', 'UP'), ini('s2'), server('s3', 'DOWN'), server('s4', 'DOWN')] }, verdict: 'undecided' },
      { title: 'an unchecked backup server, not counted', rule: { minUp: 1 }, backends: { be_app: [server('s1', 'DOWN'), ini('b1', { backup: true })] }, verdict: 'unhealthy' },
      { title: 'an unchecked backup server, counted with countBackup', rule: { minUp: 1, countBackup: true }, backends: { be_app: [server('s1', 'DOWN'), ini('b1', { backup: true })] }, verdict: 'undecided' },
      { title: 'mode any: one backend down, the other unchecked', rule: { backends: ['a', 'b'], mode: 'any' }, backends: { a: [server('s1', 'DOWN')], b: [ini('s1')] }, verdict: 'undecided' },
      { title: 'mode all: one backend down, the other unchecked', rule: { backends: ['a', 'b'], mode: 'all' }, backends: { a: [server('s1', 'DOWN')], b: [ini('s1')] }, verdict: 'unhealthy' },
      { title: 'mode all: one backend missing, the other unchecked', rule: { backends: ['a', 'gone'], mode: 'all' }, backends: { a: [ini('s1')] }, verdict: 'unhealthy' },
    ])('$title: $verdict', ({ rule, backends, verdict }) => {
      const result = evaluateService(service(rule), snapshot(backends), true);
      expect({ healthy: result.healthy, undecided: result.undecided }).toEqual({ healthy: verdict === 'healthy', undecided: verdict === 'undecided' });
    });

    it('is unhealthy, not undecided, when the frontend is not OPEN, whatever the checks will say', () => {
      const rule = service({ minUp: 2, frontend: 'fe_www' });
      const backends = { be_app: [ini('s1'), ini('s2')] };
      expect(evaluateService(rule, snapshot(backends, { fe_www: 'STOP' }), true)).toMatchObject({ healthy: false, undecided: false });
      expect(evaluateService(rule, snapshot(backends, { fe_www: 'OPEN' }), true)).toMatchObject({ healthy: false, undecided: true });
    });

    it('says how many are not checked yet, and reports them as not up', () => {
      const result = evaluateService(service({ minUp: 2 }), snapshot({ be_app: [server('s1', 'UP'), ini('s2')] }), true);
      expect(result.reason).toBe("be_app: 1/2 servers up, 1 not checked yet since HAProxy's (re)start, need ≥ 2");
      expect(result.backends).toEqual([{ backend: 'be_app', found: true, up: 1, total: 2, need: '≥ 2', enough: false }]);
    });

    it('counts a tracking server whose tracked server is not checked yet as unknown too', () => {
      const tracker = server('t1', 'UP 1/3', { checkStatus: '', tracked: 'be_other/s1' });
      const stats = snapshot({ be_app: [server('s1', 'UP'), tracker], be_other: [ini('s1')] });
      expect(evaluateService(service({ minUp: 2 }), stats, true)).toMatchObject({ healthy: false, undecided: true });
    });
  });

  it('ignores backup servers unless countBackup is set', () => {
    const stats = snapshot({ be_app: [server('s1', 'DOWN'), server('b1', 'UP', { backup: true })] });
    expect(evaluateService(service({}), stats, true).healthy).toBe(false);
    expect(evaluateService(service({ countBackup: true }), stats, true)).toMatchObject({ healthy: true, reason: 'be_app: 1/2 servers up, need ≥ 1' });
  });

  it('treats a backend missing from the stats as unhealthy and says so', () => {
    const result = evaluateService(service({ backends: ['be_gone'] }), snapshot({ be_app: [server('s1', 'UP')] }), true);
    expect(result).toMatchObject({ healthy: false, reason: 'be_gone: not found in HAProxy stats' });
  });

  it('applies a percentage threshold', () => {
    const stats = snapshot({ be_app: [server('s1', 'UP'), server('s2', 'DOWN'), server('s3', 'DOWN')] });
    expect(evaluateService(service({ minUpPercent: 50 }), stats, true)).toMatchObject({ healthy: false, reason: 'be_app: 1/3 servers up, need ≥ 50%' });
    expect(evaluateService(service({ minUpPercent: 33 }), stats, true).healthy).toBe(true);
  });

  it.each([
    [161, 250, 64.4, true],
    [160, 250, 64.4, false],
    [29, 100, 29, true],
    [1, 3, 33.3, true],
    [1, 3, 33.34, false],
    [1, 1000, 0.1, true],
    [1, 1, 1e-7, true],
    [0, 1, 1e-7, false],
  ])('takes %i of %i servers up against minUpPercent %s exactly as written: healthy %s', (up, total, percent, healthy) => {
    const servers = Array.from({ length: total }, (_, i) => server(`s${i}`, i < up ? 'UP' : 'DOWN'));
    expect(evaluateService(service({ minUpPercent: percent }), snapshot({ be_app: servers }), true).healthy).toBe(healthy);
  });

  it('needs the higher recover level to come back, but only the lower one to stay up', () => {
    const rule = { minUp: 1, recoverMinUp: 2 };
    const stats = snapshot({ be_app: [server('s1', 'UP'), server('s2', 'DOWN')] });
    expect(evaluateService(service(rule), stats, true).healthy).toBe(true);
    expect(evaluateService(service(rule), stats, false)).toMatchObject({ healthy: false, reason: 'be_app: 1/2 servers up, need ≥ 2' });
  });

  it('requires every backend in mode all and one in mode any', () => {
    const stats = snapshot({ a: [server('s1', 'UP')], b: [server('s1', 'DOWN')] });
    expect(evaluateService(service({ backends: ['a', 'b'], mode: 'all' }), stats, true)).toMatchObject({
      healthy: false,
      reason: 'a: 1/1 servers up, need ≥ 1; b: 0/1 servers up, need ≥ 1',
    });
    expect(evaluateService(service({ backends: ['a', 'b'], mode: 'any' }), stats, true).healthy).toBe(true);
  });

  it('requires the frontend to be OPEN when one is named', () => {
    const rule = { frontend: 'fe_www' };
    const backends = { be_app: [server('s1', 'UP')] };
    expect(evaluateService(service(rule), snapshot(backends, { fe_www: 'OPEN' }), true).healthy).toBe(true);
    expect(evaluateService(service(rule), snapshot(backends, { fe_www: 'STOP' }), true)).toMatchObject({
      healthy: false,
      reason: 'be_app: 1/1 servers up, need ≥ 1; frontend fe_www: STOP, need OPEN',
    });
  });

  it('treats an empty backend as unhealthy', () => {
    expect(evaluateService(service({}), snapshot({ be_app: [] }), true).healthy).toBe(false);
  });
});
