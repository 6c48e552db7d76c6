// The config and polls the engine's unit tests share.
import { validateConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/types.js';
import type { PollResult } from '../../src/engine/tick.js';
import type { StatsSnapshot } from '../../src/haproxy/parse-stats-csv.js';

/** One service on backend be_app, validated like a real config file. */
export function config(service: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Config {
  return validateConfig(
    {
      stats: { source: 'unix:/run/haproxy/admin.sock' },
      intervalMs: 1000,
      rise: 2,
      fall: 2,
      disableFile: '/run/maint',
      ...top,
      services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] }, ...service }],
    },
    'test',
  );
}

/** A poll where `up` of `total` servers of be_app are up and checked. */
export function stats(up: number, total = 2): PollResult {
  const servers = Array.from({ length: total }, (_, i) => ({ name: `s${i}`, status: i < up ? 'UP' : 'DOWN', checkStatus: 'L4OK', backup: false }));
  const snapshot: StatsSnapshot = { frontends: new Map(), backends: new Map([['be_app', { name: 'be_app', status: 'UP', servers }]]) };
  return { ok: true, snapshot };
}
