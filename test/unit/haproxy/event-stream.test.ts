// The event-stream adapter on a fake clock, against a stand-in stats socket (a unix socket in a
// temp dir) that answers like HAProxy: `show info` with a Pid, and `show events` refused (as at
// `level user`) or accepted and held open.
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
/** How the stand-in answers: `show events` refused (level user) or accepted and held open. */
let eventsAnswer: 'refuse' | 'stream';
/** The process the stand-in says answers the socket. */
let pid: number;
/** Subscriptions the plugin side closed. */
let closedByClient: number;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  dir = mkdtempSync(join(tmpdir(), 'event-stream-'));
  subscriptions = [];
  eventsAnswer = 'refuse';
  pid = 4242;
  closedByClient = 0;
  server = createServer((connection) => {
    connection.setEncoding('utf8');
    connection.once('data', (command: string) => {
      if (command.startsWith('show info')) return connection.end(`Name: HAProxy\nPid: ${pid}\n\n`);
      subscriptions.push(Date.now());
      if (eventsAnswer === 'refuse') return connection.end('Permission denied\n\n');
      connection.once('end', () => closedByClient++);
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

  it('asks every 30 s which process answers, and moves to a new one whose reload it did not see', async () => {
    eventsAnswer = 'stream';
    const logged: LogEvent[] = [];
    stream = openEventStream(
      { source: `unix:${join(dir, 'user.sock')}`, ring: 'exabgp-anycast', timeoutMs: 1000 },
      { event: () => undefined, connected: () => undefined },
      (event) => logged.push(event),
    );
    await settle();
    await vi.advanceTimersByTimeAsync(250);
    expect(logged.map((e) => e.event)).toEqual(['eventsEstablished']);
    pid = 4343; // reloaded, and its old process's "Proxy … stopped" lines never arrived
    await vi.advanceTimersByTimeAsync(29_000);
    await settle();
    expect(subscriptions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    expect(logged.map((e) => e.message)).toContain('HAProxy was reloaded (pid 4242 → 4343): following the new process and letting go of the old one');
    expect(subscriptions).toHaveLength(2);
    expect(closedByClient).toBe(1);
  });
});
