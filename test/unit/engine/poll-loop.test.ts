import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import { runPlugin } from '../../../src/engine/poll-loop.js';
import type { LogEvent } from '../../../src/log/log-event.js';

const healthyCsv = readFileSync(new URL('../../fixtures/haproxy/2.6-all-up.csv', import.meta.url), 'utf8');
const deadCsv = readFileSync(new URL('../../fixtures/haproxy/2.6-all-down.csv', import.meta.url), 'utf8');
const announce = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 ]';
const withdraw = 'withdraw route 198.18.0.10/32 next-hop self';

/** The poll loop on fake timers, with streams for ExaBGP and a stats source whose answer and delay the test sets. */
function startLoop(service: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  const config = validateConfig(
    {
      stats: { source: 'unix:/test.sock', timeoutMs: 900 },
      intervalMs: 1000,
      rise: 2,
      fall: 2,
      ...top,
      services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010], health: { backends: ['be_app'] }, ...service }],
    },
    'test',
  );
  const input = new PassThrough();
  const output = new PassThrough();
  const signals = new EventEmitter();
  const written: Array<{ at: number; line: string }> = [];
  const fetchedAt: number[] = [];
  const events: LogEvent[] = [];
  const stats = { csv: healthyCsv, delayMs: 0 };
  output.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) written.push({ at: performance.now(), line });
  });
  const openSource = () => ({
    description: 'unix:/test.sock',
    fetch: () => {
      fetchedAt.push(performance.now());
      // setTimeout(…, 0) would take 1 ms (as in Node), so an instant source answers without one.
      return stats.delayMs === 0 ? Promise.resolve(stats.csv) : new Promise<string>((resolve) => setTimeout(() => resolve(stats.csv), stats.delayMs));
    },
  });
  const exit = runPlugin({ loadConfig: () => config, log: (e) => events.push(e), io: { input, output, signals, openSource } });
  return { input, signals, written, lines: () => written.map((w) => w.line), fetchedAt, events, stats, exit };
}

/** Moves the fake clock, then lets stream events (which use real ticks) reach the test. */
async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runPlugin on a fake clock', () => {
  it('withdraws at once, then announces on the rise-th poll, polls intervalMs apart', async () => {
    const loop = startLoop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(loop.lines()).toEqual([withdraw]);
    await advance(999);
    expect(loop.lines()).toEqual([withdraw]);
    await advance(1);
    expect(loop.written).toEqual([
      { at: 0, line: withdraw },
      { at: 1000, line: announce },
    ]);
    loop.signals.emit('SIGTERM');
  });

  it('starts polls intervalMs apart even when each read takes most of the interval', async () => {
    const loop = startLoop();
    loop.stats.delayMs = 600;
    await advance(3500);
    expect(loop.fetchedAt).toEqual([0, 1000, 2000, 3000]);
    loop.signals.emit('SIGTERM');
  });

  it('polls at once on SIGUSR1, however long the interval', async () => {
    const loop = startLoop({}, { intervalMs: 60_000, rise: 1 });
    await advance(0);
    loop.stats.csv = deadCsv;
    loop.signals.emit('SIGUSR1');
    await advance(0);
    expect(loop.fetchedAt).toEqual([0, 0]);
    expect(loop.events.map((e) => e.message)).toContain('www: up → falling (be_app: 0/3 servers up, need ≥ 1)');
    loop.signals.emit('SIGTERM');
  });

  it('withdraws what it announced on SIGTERM and resolves with exit code 0', async () => {
    const loop = startLoop();
    await advance(1000);
    loop.signals.emit('SIGTERM');
    expect(await loop.exit).toBe(0);
    expect(loop.lines()).toEqual([withdraw, announce, withdraw]);
    expect(loop.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('goes from degraded to withdrawn once withdrawAfterMs has passed on the running clock', async () => {
    const loop = startLoop({ onDown: { asPath: [65010, 65010, 65010], withdrawAfterMs: 5000 } }, { rise: 1, fall: 1 });
    await advance(0);
    loop.stats.csv = deadCsv;
    await advance(1000);
    await advance(5000);
    expect(loop.written).toEqual([
      { at: 0, line: withdraw },
      { at: 0, line: announce },
      { at: 1000, line: 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 65010 65010 ]' },
      { at: 6000, line: withdraw },
    ]);
    loop.signals.emit('SIGTERM');
  });

  it('resolves with 0 and stops polling when ExaBGP closes its stdin', async () => {
    const loop = startLoop();
    await advance(0);
    loop.input.end();
    expect(await loop.exit).toBe(0);
    await advance(5000);
    expect(loop.fetchedAt).toEqual([0]);
  });
});
