import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnPlugin, type PluginProcess } from '../support/plugin-process.js';

const fixture = (name: string) => new URL(`../fixtures/haproxy/${name}`, import.meta.url).pathname;
const announce = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]';
const withdraw = 'withdraw route 198.18.0.10/32 next-hop self';

let dir: string;
let plugin: PluginProcess | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifecycle-'));
  copyFileSync(fixture('2.6-all-up.csv'), join(dir, 'stats.csv'));
});
afterEach(() => {
  plugin?.child.kill('SIGKILL');
  plugin = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(overrides: Record<string, unknown> = {}, name = 'config.json'): string {
  const path = join(dir, name);
  const config = {
    stats: { source: `file:${join(dir, 'stats.csv')}`, timeoutMs: 50 },
    intervalMs: 100,
    rise: 2,
    fall: 2,
    disableFile: join(dir, 'maintenance'),
    services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010, 65010], health: { backends: ['be_app'] } }],
    ...overrides,
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

function start(args: string[]): PluginProcess {
  plugin = spawnPlugin(args);
  return plugin;
}

const setStats = (name: string) => copyFileSync(fixture(name), join(dir, 'stats.csv'));

describe('run, as ExaBGP starts it', () => {
  it('withdraws first, announces after rise, withdraws after fall, and logs each decision on stderr', async () => {
    const p = start(['run', '--config', writeConfig()]);
    expect(await p.waitForLine(/./)).toBe(withdraw);
    await p.waitForLine(/^announce/);
    setStats('2.6-all-down.csv');
    await p.waitForLine(/^withdraw/, 5000, 2);
    expect(p.stdoutLines.filter(Boolean)).toEqual([withdraw, announce, withdraw]);
    expect(p.stderr()).toMatch(/www: falling → down \(be_app: 0\/3 servers up, need ≥ 1\); withdraw 198\.18\.0\.10\/32/);
  });

  it('works from flags alone for one service', async () => {
    const p = start(['run', '--stats', `file:${join(dir, 'stats.csv')}`, '--backend', 'be_app', '--prefix', '198.18.0.10/32', '--as-path', '65010,65010,65010', '--interval-ms', '100', '--rise', '1']);
    await p.waitForLine(/^announce/);
    expect(p.stdoutLines.slice(0, 2)).toEqual([withdraw, announce]);
  });

  it('logs one JSON object per line with --log-format json', async () => {
    const p = start(['run', '--config', writeConfig(), '--log-format', 'json']);
    await p.waitForLine(/^announce/);
    await p.waitForStderr(/"event":"stateChange".*"to":"up"/);
    const events = p.stderr().trim().split('\n').map((line) => JSON.parse(line));
    expect(events).toContainEqual(
      expect.objectContaining({ level: 'info', event: 'stateChange', service: 'www', from: 'rising', to: 'up', reason: 'be_app: 3/3 servers up, need ≥ 1' }),
    );
  });

  it('withdraws what it announced on SIGTERM and exits 0 within a second', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^announce/);
    const sent = Date.now();
    p.child.kill('SIGTERM');
    expect(await p.waitForExit(1000)).toBe(0);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(p.stdoutLines.filter(Boolean).at(-1)).toBe(withdraw);
  });

  it('exits within a second when ExaBGP closes its stdin', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^withdraw/);
    p.child.stdin.end();
    expect(await p.waitForExit(1000)).toBe(0);
  });

  it('drains a 100,000-line ack flood without blocking the writer', async () => {
    const p = start(['run', '--config', writeConfig({ intervalMs: 60000, rise: 1 })]);
    await p.waitForLine(/^withdraw/);
    const flood = 'done\n'.repeat(100_000);
    const started = Date.now();
    // write() only calls back once the whole flood has gone through the pipe, i.e. was read.
    await new Promise<void>((resolve, reject) => p.child.stdin.write(flood, (error) => (error ? reject(error) : resolve())));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(3000);
    // Still alive and responsive: SIGUSR1 polls at once although the interval is a minute.
    p.child.kill('SIGUSR1');
    await p.waitForLine(/^announce/, 3000);
  });

  it('logs an error ack together with the command it answers', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^withdraw/);
    p.child.stdin.write('error\n');
    await p.waitForStderr(/ExaBGP answered "error" to: withdraw route 198\.18\.0\.10\/32 next-hop self/);
  });

  it('re-sends its announcements when a neighbor comes up (JSON encoder)', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^announce/);
    const count = p.stdoutLines.length;
    p.child.stdin.write('{ "exabgp": "4.0.1", "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "state": "up" } }\n');
    expect(await p.waitForLine(/^announce/, 2000, count)).toBe(announce);
  });

  it('stays up without announcing when the config is invalid, and starts on SIGHUP once fixed', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, '{ "stats": {} }');
    const p = start(['run', '--config', path]);
    await p.waitForStderr(/not announcing anything until the config is fixed.*\/stats: must have required property 'source'/s);
    expect(p.child.exitCode).toBeNull();
    expect(p.stdoutLines).toEqual([]);
    writeConfig();
    p.child.kill('SIGHUP');
    await p.waitForLine(/^announce/);
  });

  it('keeps running the old config when a reload is invalid, and applies a valid one', async () => {
    const path = writeConfig();
    const p = start(['run', '--config', path]);
    await p.waitForLine(/^announce/);
    writeFileSync(path, '{ "services": "oops" }');
    p.child.kill('SIGHUP');
    await p.waitForStderr(/config reload rejected, keeping the running config/);
    writeConfig({ services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010], health: { backends: ['be_app'] } }] });
    p.child.kill('SIGHUP');
    expect(await p.waitForLine(/^announce/, 3000, 2)).toBe('announce route 198.18.0.10/32 next-hop self as-path [ 65010 ]');
    expect(p.stdoutLines.filter(Boolean).slice(0, 2)).toEqual([withdraw, announce]);
  });

  it('withdraws while the maintenance file exists and announces again after it is removed', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^announce/);
    writeFileSync(join(dir, 'maintenance'), '');
    await p.waitForLine(/^withdraw/, 3000, 2);
    await p.waitForStderr(/www: up → disabled \(maintenance file .* exists\)/);
    rmSync(join(dir, 'maintenance'));
    await p.waitForLine(/^announce/, 3000, 3);
  });

  it('fails closed when the stats source goes away, naming the cause', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^announce/);
    rmSync(join(dir, 'stats.csv'));
    await p.waitForLine(/^withdraw/, 3000, 2);
    await p.waitForStderr(/stats unavailable \(counted as unhealthy\): .*stats\.csv.*ENOENT/);
  });
});
