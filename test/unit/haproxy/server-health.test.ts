import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStatsCsv } from '../../../src/haproxy/parse-stats-csv.js';
import { serverHealth } from '../../../src/haproxy/server-health.js';

/** serverHealth of every server in a fixture's backend, as `name=health`. */
function healthIn(file: string, backend: string): string {
  const text = readFileSync(new URL(`../../fixtures/haproxy/${file}`, import.meta.url), 'utf8');
  const servers = parseStatsCsv(text, file).backends.get(backend)?.servers ?? [];
  return servers.map((s) => `${s.name}=${serverHealth(s)}`).join(' ');
}

describe('serverHealth', () => {
  it.each([
    ['UP', 'L7OK', 'up'],
    ['UP 1/2', 'L4CON', 'up'],
    ['UP', '', 'up'],
    ['UP', 'INI', 'down'],
    ['UP 1/2', 'INI', 'down'],
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
  ])('calls status "%s" with check "%s" %s', (status, checkStatus, health) => {
    expect(serverHealth({ name: 's1', status, checkStatus, backup: false })).toBe(health);
  });

  it.each([
    ['2.6-init.csv', 'be_app', 's1=up s2=down s3=down s4=unchecked'],
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
  ])('reads %s %s as %s', (file, backend, expected) => {
    expect(healthIn(file, backend)).toBe(expected);
  });
});
