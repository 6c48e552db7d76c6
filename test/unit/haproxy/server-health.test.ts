import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStatsCsv, type ServerStat, type StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';
import { serverHealth } from '../../../src/haproxy/server-health.js';

/** serverHealth of every server in a fixture's backend, as `name=health`. */
function healthIn(file: string, backend: string): string {
  const text = readFileSync(new URL(`../../fixtures/haproxy/${file}`, import.meta.url), 'utf8');
  const snapshot = parseStatsCsv(text, file);
  const servers = snapshot.backends.get(backend)?.servers ?? [];
  return servers.map((s) => `${s.name}=${serverHealth(s, snapshot)}`).join(' ');
}

const server = (name: string, status: string, checkStatus: string, tracked?: string): ServerStat =>
  tracked === undefined ? { name, status, checkStatus, backup: false } : { name, status, checkStatus, backup: false, tracked };

/** A snapshot of the backends `be_a` and `be_b`. */
function snapshotOf(backends: { be_a?: ServerStat[]; be_b?: ServerStat[] }): StatsSnapshot {
  return {
    frontends: new Map(),
    backends: new Map(Object.entries(backends).map(([name, servers]) => [name, { name, status: 'UP', servers }])),
  };
}

const alone = (stat: ServerStat): StatsSnapshot => snapshotOf({ be_a: [stat] });

describe('serverHealth', () => {
  it.each([
    ['UP', 'L7OK', 'up'],
    ['UP 1/2', 'L4CON', 'up'],
    // Agent-only servers, and tracking servers in layouts without the tracked column.
    ['UP', '', 'up'],
    // Not checked yet since HAProxy's start or reload: HAProxy's UP proves nothing, and neither does a missing check.
    ['UP', 'INI', 'unknown'],
    ['UP 1/2', 'INI', 'unknown'],
    // HAProxy's own word against a server still counts, checked or not.
    ['DOWN', 'INI', 'down'],
    ['MAINT', 'INI', 'down'],
    ['UP garbage', 'INI', 'down'],
    ['DOWN', 'L4CON', 'down'],
    ['DOWN 1/2', 'L7OK', 'down'],
    ['DOWN (agent)', 'L7OK', 'down'],
    ['NOLB', 'L7OKC', 'down'],
    ['NOLB 1/2', 'L7OKC', 'down'],
    ['DRAIN', 'L7OK', 'down'],
    ['DRAIN (agent)', 'L7OK', 'down'],
    ['MAINT', '', 'down'],
    ['MAINT (via be_app/s1)', '', 'down'],
    ['MAINT (resolution)', '', 'down'],
    ['UPGRADING', 'L7OK', 'down'],
    ['no check', '', 'unchecked'],
    ['UP 10/20', 'L7OK', 'up'],
    // Only HAProxy's documented forms count as up: everything else, however close, is down.
    ['UP garbage', 'L7OK', 'down'],
    ['UPX', 'L7OK', 'down'],
    ['UP 1/', 'L7OK', 'down'],
    ['UP /2', 'L7OK', 'down'],
    ['UP a/b', 'L7OK', 'down'],
    ['UP 1/2 ', 'L7OK', 'down'],
    ['UP  1/2', 'L7OK', 'down'],
    [' UP', 'L7OK', 'down'],
    ['UP\n', 'L7OK', 'down'],
    ['up', 'L7OK', 'down'],
    ['UP (agent)', 'L7OK', 'down'],
    ['No check', '', 'down'],
    ['no check 1/2', '', 'down'],
  ])('calls status "%s" with check "%s" %s', (status, checkStatus, health) => {
    const stat = server('s1', status, checkStatus);
    expect(serverHealth(stat, alone(stat))).toBe(health);
  });

  describe('for a tracking server (track px/srv)', () => {
    const t1 = server('t1', 'UP 1/3', '', 'be_a/s1');

    it.each([
      ['the tracked server is checked', 'L7OK', 'up'],
      ['the tracked server is going down, but checked', 'L4CON', 'up'],
      ['the tracked server has not been checked yet (INI)', 'INI', 'unknown'],
      ['the tracked server has no check status at all', '', 'down'],
    ])('is %s when %s', (_, trackedCheck, health) => {
      expect(serverHealth(t1, snapshotOf({ be_a: [server('s1', 'UP 1/3', trackedCheck)], be_b: [t1] }))).toBe(health);
    });

    it('follows a chain of tracking servers to the one that is checked, or not yet', () => {
      const t2 = server('t2', 'UP', '', 'be_b/t1');
      const checked = snapshotOf({ be_a: [server('s1', 'UP', 'L7OK')], be_b: [t1, t2] });
      const unchecked = snapshotOf({ be_a: [server('s1', 'UP 1/3', 'INI')], be_b: [t1, t2] });
      expect(serverHealth(t2, checked)).toBe('up');
      expect(serverHealth(t2, unchecked)).toBe('unknown');
    });

    it.each([
      ['tracks a server missing from the snapshot', [server('t1', 'UP', '', 'be_a/gone')]],
      ['tracks a backend missing from the snapshot', [server('t1', 'UP', '', 'be_gone/s1')]],
      ['names no proxy/server pair', [server('t1', 'UP', '', 's1')]],
      ['tracks itself', [server('t1', 'UP', '', 'be_b/t1')]],
      ['is in a loop of tracking servers', [server('t1', 'UP', '', 'be_b/t2'), server('t2', 'UP', '', 'be_b/t1')]],
    ])('is down when it %s', (_, servers) => {
      const snapshot = snapshotOf({ be_a: [server('s1', 'UP', 'L7OK')], be_b: servers });
      expect(servers.map((s) => serverHealth(s, snapshot))).toEqual(servers.map(() => 'down'));
    });

    it('is down when its own status is down, whatever the tracked server says', () => {
      const maint = server('t1', 'MAINT (via be_a/s1)', '', 'be_a/s1');
      expect(serverHealth(maint, snapshotOf({ be_a: [server('s1', 'UP', 'L7OK')], be_b: [maint] }))).toBe('down');
    });
  });

  it.each([
    ['2.6-init.csv', 'be_app', 's1=up s2=unknown s3=unknown s4=unchecked'],
    ['2.6-all-up.csv', 'be_app', 's1=up s2=up s3=up s4=unchecked'],
    ['2.6-up-going-down.csv', 'be_app', 's1=up s2=up s3=up s4=unchecked'],
    ['2.6-one-down.csv', 'be_app', 's1=down s2=up s3=up s4=unchecked'],
    ['2.6-down-going-up.csv', 'be_app', 's1=down s2=up s3=up s4=unchecked'],
    ['2.6-maint.csv', 'be_app', 's1=down s2=up s3=up s4=unchecked'],
    ['2.6-maint.csv', 'be_track', 't1=down t2=up'],
    ['2.6-drain.csv', 'be_app', 's1=up s2=down s3=up s4=unchecked'],
    ['2.6-nolb.csv', 'be_app', 's1=up s2=down s3=up s4=unchecked'],
    ['2.6-backup-serving.csv', 'be_app', 's1=down s2=down s3=up s4=unchecked'],
    ['2.6-all-down.csv', 'be_app', 's1=down s2=down s3=down s4=down'],
    ['2.6-check-running.csv', 'be_track', 't1=up t2=up'],
    ['2.6-all-up.csv', 'be_track', 't1=up t2=up'],
    ['2.6-init.csv', 'be_track', 't1=up t2=unknown'],
    ['2.6-up-going-down.csv', 'be_track', 't1=up t2=up'],
    ['2.6-one-down.csv', 'be_track', 't1=down t2=up'],
    // Real HAProxy shows the trackers "UP 1/3" with no check status while s1's first check runs.
    ['2.6-track-init.csv', 'be_a', 's1=unknown'],
    ['2.6-track-init.csv', 'be_b', 't1=unknown t2=unknown'],
  ])('reads %s %s as %s', (file, backend, expected) => {
    expect(healthIn(file, backend)).toBe(expected);
  });
});
