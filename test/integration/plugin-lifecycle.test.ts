import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnPlugin, type PluginProcess } from '../support/plugin-process.js';

const fixture = (name: string) => new URL(`../fixtures/haproxy/${name}`, import.meta.url).pathname;
const announce = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]';
const withdraw = 'withdraw route 198.18.0.10/32 next-hop self';
const query = 'show adj-rib out';

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
    // A busy machine can take a while over a cold process's first read; a timeout there would
    // (rightly) withdraw on the first poll and change what these tests see.
    stats: { source: `file:${join(dir, 'stats.csv')}`, timeoutMs: 200 },
    intervalMs: 250,
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

/** Waits until process `pid` has a handler for `signal` (its SigCgt mask in /proc). */
async function waitForCaught(pid: number, signal: 'SIGHUP'): Promise<void> {
  const bit = 1n << BigInt(constants.signals[signal] - 1);
  for (const started = Date.now(); Date.now() - started < 5000; ) {
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (caught !== undefined && (BigInt(`0x${caught}`) & bit) !== 0n) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`process ${pid} never caught ${signal}`);
}

describe('run, as ExaBGP starts it', () => {
  it('asks ExaBGP what it announces, announces on the first healthy poll, withdraws after fall, and logs each decision on stderr', async () => {
    const p = start(['run', '--config', writeConfig()]);
    expect(await p.waitForLine(/./)).toBe(query);
    await p.waitForLine(/^announce/);
    setStats('2.6-all-down.csv');
    await p.waitForLine(/^withdraw/, 5000, 2);
    expect(p.stdoutLines.filter(Boolean)).toEqual([query, announce, withdraw]);
    // stderr is its own pipe: the log line may arrive a moment after the command.
    await p.waitForStderr(/www: falling → down \(be_app: 0\/3 servers up, need ≥ 1\); withdraw 198\.18\.0\.10\/32/);
  });

  it('works from flags alone for one service', async () => {
    const p = start(['run', '--stats', `file:${join(dir, 'stats.csv')}`, '--backend', 'be_app', '--prefix', '198.18.0.10/32', '--as-path', '65010,65010,65010', '--interval-ms', '250', '--timeout-ms', '200', '--rise', '1']);
    await p.waitForLine(/^announce/);
    expect(p.stdoutLines.slice(0, 2)).toEqual([query, announce]);
  });

  it('logs one JSON object per line with --log-format json', async () => {
    const p = start(['run', '--config', writeConfig(), '--log-format', 'json']);
    await p.waitForLine(/^announce/);
    await p.waitForStderr(/"event":"stateChange".*"to":"up"/);
    const events = p.stderr().trim().split('\n').map((line) => JSON.parse(line));
    expect(events).toContainEqual(
      expect.objectContaining({ level: 'info', event: 'stateChange', service: 'www', from: 'init', to: 'up', reason: 'be_app: 3/3 servers up, need ≥ 1' }),
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
    await p.waitForLine(/^announce/);
    p.child.stdin.end();
    expect(await p.waitForExit(1000)).toBe(0);
  });

  it('drains a 100,000-line ack flood without blocking the writer', async () => {
    const p = start(['run', '--config', writeConfig({ intervalMs: 60000, fall: 1 })]);
    await p.waitForLine(/^announce/);
    const flood = 'done\n'.repeat(100_000);
    const started = Date.now();
    // write() only calls back once the whole flood has gone through the pipe, i.e. was read.
    await new Promise<void>((resolve, reject) => p.child.stdin.write(flood, (error) => (error ? reject(error) : resolve())));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(3000);
    // Still alive and responsive: SIGUSR1 polls at once although the interval is a minute.
    setStats('2.6-all-down.csv');
    p.child.kill('SIGUSR1');
    await p.waitForLine(/^withdraw/, 3000);
  });

  it('logs an error answer with the command it answers, and re-sends the announce a second later', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^announce/);
    p.child.stdin.write('done\nerror\n');
    await p.waitForStderr(/ExaBGP answered "error" to: announce 198\.18\.0\.10\/32 as-path \[ 65010 65010 65010 \]; it is NOT announced, re-sending in 1 s/);
    expect(await p.waitForLine(/^announce/, 3000, 2)).toBe(announce);
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
    expect(p.stdoutLines).toEqual([query]);
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
    expect(p.stdoutLines.filter(Boolean).slice(0, 2)).toEqual([query, announce]);
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

  it('on SIGUSR2 exits 0 at once without withdrawing, and says so', async () => {
    const p = start(['run', '--config', writeConfig()]);
    await p.waitForLine(/^announce/);
    p.child.kill('SIGUSR2');
    expect(await p.waitForExit(1000)).toBe(0);
    expect(p.stdoutLines.filter(Boolean)).toEqual([query, announce]);
    expect(p.stderr()).toMatch(/SIGUSR2 received: exiting WITHOUT withdrawing, leaving 1 route\(s\) announced for the next instance \(198\.18\.0\.10\/32\)/);
  });

  it('gets its SIGTERM withdraws through to ExaBGP even when ExaBGP is slow to read', async () => {
    // 2,000 withdraws are more than a pipe holds (64 KiB), so most are still queued at exit.
    const prefixes = Array.from({ length: 2000 }, (_, i) => `198.18.${Math.floor(i / 250)}.${i % 250}/32`);
    const p = start(['run', '--config', writeConfig({ services: [{ name: 'www', prefixes, asPath: [65010, 65010, 65010], health: { backends: ['be_app'] } }] })]);
    await p.waitForLine(/^announce route 198\.18\.7\.249\/32/);
    p.child.stdout.pause();
    p.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    p.child.stdout.resume();
    expect(await p.waitForExit(2000)).toBe(0);
    await p.waitForLine(/^withdraw route 198\.18\.7\.249\/32/, 2000);
    expect(p.stdoutLines.filter((l) => l.startsWith('withdraw'))).toHaveLength(2000);
  });

  it('holds SIGUSR1 and SIGHUP from its first statement: no inspector opens, it does not die, and run gets them', async () => {
    const p = start(['run', '--config', writeConfig()]);
    // The first moment anything in the process catches SIGHUP (Node itself catches only SIGUSR1):
    // the bundle's first statement, long before run's own handlers exist.
    await waitForCaught(p.child.pid ?? -1, 'SIGHUP');
    p.child.kill('SIGUSR1');
    p.child.kill('SIGHUP');
    await p.waitForLine(/^announce/);
    await p.waitForStderr(/config reloaded/);
    expect(p.child.exitCode).toBeNull();
    expect(p.stderr()).not.toMatch(/Debugger listening/);
  });

  it('survives lines on stdin that crash a naive parser, and one line of 10 MB', async () => {
    const p = start(['run', '--config', writeConfig({ fall: 1 })]);
    await p.waitForLine(/^announce/);
    p.child.stdin.write('{"type":"state","neighbor":{"state":"up","address":{"peer":{"toString":1}}}}\n');
    p.child.stdin.write(`${'x'.repeat(10 * 1024 * 1024)}\n`);
    await p.waitForStderr(/dropped 1 line\(s\) from ExaBGP longer than 1048576 bytes/);
    setStats('2.6-all-down.csv');
    await p.waitForLine(/^withdraw/, 3000);
    expect(p.child.exitCode).toBeNull();
  });
});
