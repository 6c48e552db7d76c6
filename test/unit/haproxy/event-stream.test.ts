// The event-stream adapter's retries, on a fake clock, against a stand-in stats socket (a unix
// socket in a temp dir) that answers like HAProxy at `level user`: `show info` works, `show
// events` is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openEventStream, type EventStream } from '../../../src/haproxy/event-stream.js';
import type { LogEvent } from '../../../src/log/log-event.js';

const realSetTimeout = globalThis.setTimeout;
/** Lets real socket I/O happen while the fake clock stands still. */
const settle = () => new Promise((resolve) => realSetTimeout(resolve, 20));

let dir: string;
let server: Server;
let stream: EventStream | undefined;
/** When (on the fake clock) each `show events` arrived. */
let subscriptions: number[];

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  dir = mkdtempSync(join(tmpdir(), 'event-stream-'));
  subscriptions = [];
  server = createServer((connection) => {
    connection.setEncoding('utf8');
    connection.once('data', (command: string) => {
      if (command.startsWith('show info')) return connection.end('Name: HAProxy\nPid: 4242\n\n');
      subscriptions.push(Date.now());
      connection.end('Permission denied\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'user.sock'), resolve));
});

afterEach(async () => {
  stream?.close();
  vi.useRealTimers();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('openEventStream', () => {
  it('retries a refused subscription after 250 ms, doubling up to every 5 s, and logs the cause once', async () => {
    const logged: LogEvent[] = [];
    const connected: boolean[] = [];
    const start = Date.now();
    stream = openEventStream(
      { source: `unix:${join(dir, 'user.sock')}`, ring: 'exabgp-anycast', timeoutMs: 1000 },
      { event: () => undefined, connected: (up) => connected.push(up) },
      (event) => logged.push(event),
    );
    await settle();
    for (let elapsed = 0; elapsed < 25_000; elapsed += 250) {
      await vi.advanceTimersByTimeAsync(250);
      await settle();
    }
    const gaps = subscriptions.map((at, i) => at - (subscriptions[i - 1] ?? start));
    expect(gaps).toEqual([0, 250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    expect(logged.map((e) => e.event)).toEqual(['eventsUnavailable']);
    expect(logged[0]?.message).toContain('"Permission denied"');
    expect(connected).toEqual([]);
  });
});
