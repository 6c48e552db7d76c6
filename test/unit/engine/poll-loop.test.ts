import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import type { Config } from '../../../src/config/types.js';
import { runPlugin, type PluginIo, type PluginObserver } from '../../../src/engine/poll-loop.js';
import type { EventStreamHandlers, EventStreamSettings } from '../../../src/haproxy/event-stream.js';
import type { LogEvent } from '../../../src/log/log-event.js';

const healthyCsv = readFileSync(new URL('../../fixtures/haproxy/2.6-all-up.csv', import.meta.url), 'utf8');
const deadCsv = readFileSync(new URL('../../fixtures/haproxy/2.6-all-down.csv', import.meta.url), 'utf8');
const query = 'show adj-rib out';
const announce = 'announce route 198.18.0.10/32 next-hop self as-path [ 65010 ]';
const withdraw = 'withdraw route 198.18.0.10/32 next-hop self';

function configWith(service: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Config {
  return validateConfig(
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
}

interface LoopOptions {
  /** What HAProxy answers from the first poll on. */
  csv?: string;
  loadConfig?: () => Config;
  output?: Writable;
  env?: NodeJS.ProcessEnv;
  stateFile?: string;
  observer?: Partial<PluginObserver>;
}

/** The event streams the loop opened, each with what it was opened with and what was asked of it. */
interface FakeEventStream {
  settings: EventStreamSettings;
  handlers: EventStreamHandlers;
  closed: boolean;
}

/** The poll loop on fake timers, with streams for ExaBGP and a stats source whose answer and delay the test sets. */
function startLoop(service: Record<string, unknown> = {}, top: Record<string, unknown> = {}, options: LoopOptions = {}) {
  const config = configWith(service, top);
  const input = new PassThrough();
  const output = options.output ?? new PassThrough();
  const signals = new EventEmitter();
  const written: Array<{ at: number; line: string }> = [];
  const fetchedAt: number[] = [];
  const events: LogEvent[] = [];
  /** delayMs: Infinity is a source that never answers. */
  const stats = { csv: options.csv ?? healthyCsv, delayMs: 0, opened: 0 };
  if (output instanceof PassThrough) {
    output.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) written.push({ at: performance.now(), line });
    });
  }
  const openSource: PluginIo['openSource'] = () => {
    stats.opened++;
    return {
      description: 'unix:/test.sock',
      fetch: () => {
        fetchedAt.push(performance.now());
        if (stats.delayMs === Infinity) return new Promise<string>(() => undefined);
        // setTimeout(…, 0) would take 1 ms (as in Node), so an instant source answers without one.
        return stats.delayMs === 0 ? Promise.resolve(stats.csv) : new Promise<string>((resolve) => setTimeout(() => resolve(stats.csv), stats.delayMs));
      },
    };
  };
  const streams: FakeEventStream[] = [];
  const openEvents: PluginIo['openEvents'] = (settings, handlers) => {
    const stream: FakeEventStream = { settings, handlers, closed: false };
    streams.push(stream);
    return { ring: settings.ring, close: () => void (stream.closed = true) };
  };
  const loadConfig = options.loadConfig ?? (() => config);
  const observer: PluginObserver = {
    polled: () => undefined,
    decided: () => undefined,
    answered: () => undefined,
    neighbor: () => undefined,
    reloaded: () => undefined,
    eventStream: () => undefined,
    reacted: () => undefined,
    ...options.observer,
  };
  const exit = runPlugin({
    loadConfig,
    log: (e) => events.push(e),
    stateFile: options.stateFile,
    io: { input, output, signals, openSource, openEvents, env: options.env ?? {} },
    observe: () => observer,
  });
  /** ExaBGP answering: `done`, `error`, a rib line, a neighbor message. */
  const say = (...lines: string[]) => input.write(lines.map((l) => `${l}\n`).join(''));
  const messages = () => events.map((e) => e.message);
  /** HAProxy's event line about `backend`, as the event stream hands it over. */
  const haproxyEvent = (backend: string | undefined, stream = streams.at(-1)) => stream?.handlers.event({ pid: 4242, backend, stopping: false }, performance.now());
  return { input, signals, written, lines: () => written.map((w) => w.line), fetchedAt, events, messages, stats, exit, say, streams, haproxyEvent };
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
  it('asks ExaBGP what it announces, announces a healthy service on the first poll, and polls intervalMs apart', async () => {
    const loop = startLoop();
    await advance(0);
    expect(loop.written).toEqual([
      { at: 0, line: query },
      { at: 0, line: announce },
    ]);
    await advance(3000);
    expect(loop.fetchedAt).toEqual([0, 1000, 2000, 3000]);
    expect(loop.lines()).toEqual([query, announce]);
    loop.signals.emit('SIGTERM');
  });

  it('withdraws on the first poll a service HAProxy reports down, since an earlier instance may have announced it', async () => {
    const loop = startLoop({}, { fall: 5 }, { csv: deadCsv });
    await advance(0);
    expect(loop.lines()).toEqual([query, withdraw]);
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
    expect(loop.messages()).toContain('www: up → falling (be_app: 0/3 servers up, need ≥ 1)');
    loop.signals.emit('SIGTERM');
  });

  it('withdraws what it announced on SIGTERM and resolves with exit code 0', async () => {
    const loop = startLoop();
    await advance(1000);
    loop.signals.emit('SIGTERM');
    expect(await loop.exit).toBe(0);
    expect(loop.lines()).toEqual([query, announce, withdraw]);
    expect(loop.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('on SIGUSR2 exits at once without withdrawing, and says so, for the next instance to take over', async () => {
    const loop = startLoop();
    await advance(0);
    loop.signals.emit('SIGUSR2');
    expect(await loop.exit).toBe(0);
    expect(loop.lines()).toEqual([query, announce]);
    expect(loop.messages()).toContain('SIGUSR2 received: exiting WITHOUT withdrawing, leaving 1 route(s) announced for the next instance (198.18.0.10/32)');
  });

  it('goes from degraded to withdrawn once withdrawAfterMs has passed on the running clock', async () => {
    const loop = startLoop({ onDown: { asPath: [65010, 65010, 65010], withdrawAfterMs: 5000 } }, { rise: 1, fall: 1 });
    await advance(0);
    loop.stats.csv = deadCsv;
    await advance(1000);
    await advance(5000);
    expect(loop.written).toEqual([
      { at: 0, line: query },
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

describe('runPlugin never leaves a wrong route', () => {
  it('withdraws what an earlier instance recorded that the config no longer has (a prefix renamed before a crash), and records what it announces', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'state-')), 'routes.json');
    writeFileSync(stateFile, JSON.stringify({ routes: [{ prefix: '198.18.0.99/32', nextHop: 'self', neighbors: [] }] }));
    const loop = startLoop({}, {}, { stateFile });
    await advance(0);
    loop.say(
      'neighbor 127.0.0.2 ipv4 unicast 198.18.0.99/32 next-hop self',
      'neighbor 127.0.0.2 ipv4 unicast 198.18.0.10/32 next-hop self',
      'neighbor 127.0.0.2 ipv4 unicast 192.0.2.0/24 next-hop self',
      'done',
    );
    await advance(0);
    expect(loop.lines()).toEqual([query, announce, 'neighbor 127.0.0.2 withdraw route 198.18.0.99/32 next-hop self']);
    expect(loop.messages()).toContain(
      "ExaBGP announces 3 route(s); withdrew what the config does not vouch for: withdraw 198.18.0.99/32 from 127.0.0.2; not ours, left alone: 192.0.2.0/24 (exabgp.conf's static routes or another process's)",
    );
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ routes: [{ prefix: '198.18.0.10/32', nextHop: 'self', neighbors: [] }] });
    loop.signals.emit('SIGTERM');
    await loop.exit;
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ routes: [] });
  });

  it('withdraws everything ExaBGP announces when its own config is invalid at start', async () => {
    const loop = startLoop({}, {}, {
      loadConfig: () => {
        throw new Error('exabgp-anycast.json: not valid JSON');
      },
    });
    await advance(0);
    loop.say('neighbor 127.0.0.2 ipv4 unicast 198.18.0.10/32 next-hop self', 'done');
    await advance(0);
    expect(loop.lines()).toEqual([query, 'neighbor 127.0.0.2 withdraw route 198.18.0.10/32 next-hop self']);
    expect(loop.events.map((e) => e.event)).toEqual(['configInvalid', 'ribReconciled']);
    loop.signals.emit('SIGTERM');
  });

  it('says so when ExaBGP never answers the start-up question', async () => {
    const loop = startLoop();
    await advance(2000);
    expect(loop.events.filter((e) => e.event === 'ribUnknown')).toHaveLength(1);
    loop.signals.emit('SIGTERM');
  });

  it('warns at start when exabgp.api.ack is off, since nothing can be confirmed', async () => {
    const loop = startLoop({}, {}, { env: { exabgp_api_ack: 'false' } });
    await advance(0);
    expect(loop.events[0]?.event).toBe('acksOff');
    loop.signals.emit('SIGTERM');
  });

  it('does not count a route ExaBGP answered "error" to as announced, and re-sends it 1 s later until done', async () => {
    const loop = startLoop();
    await advance(0);
    loop.say('done', 'error');
    await advance(0);
    expect(loop.messages().some((m) => m.includes('it is NOT announced, re-sending in 1 s'))).toBe(true);
    await advance(999);
    expect(loop.lines()).toEqual([query, announce]);
    await advance(1);
    expect(loop.lines()).toEqual([query, announce, announce]);
    loop.say('done');
    await advance(0);
    expect(loop.messages()).toContain('ExaBGP accepted announce 198.18.0.10/32 as-path [ 65010 ] after 1 rejection(s); it is announced');
    await advance(60_000);
    expect(loop.lines()).toEqual([query, announce, announce]);
    loop.signals.emit('SIGTERM');
  });

  it('counts a poll that never finishes as failed after timeoutMs, whatever the source', async () => {
    const loop = startLoop({}, { fall: 1 });
    await advance(0);
    loop.stats.delayMs = Infinity;
    await advance(1900);
    expect(loop.lines()).toEqual([query, announce, withdraw]);
    expect(loop.messages()).toContain('stats unavailable (counted as unhealthy): stats source unix:/test.sock: no complete reply within 900 ms');
    loop.signals.emit('SIGTERM');
  });

  it('counts an exception in the core as a failed poll (fail closed), logged with its stack once', async () => {
    let broken = false;
    const config = configWith({}, { fall: 1 });
    const service = config.services[0];
    if (!service) throw new Error('no service');
    const health = service.health;
    Object.defineProperty(service, 'health', {
      get: () => {
        if (broken) throw new Error('boom');
        return health;
      },
    });
    const loop = startLoop({}, {}, { loadConfig: () => config });
    await advance(0);
    broken = true;
    await advance(2000);
    expect(loop.lines()).toEqual([query, announce, withdraw]);
    const failures = loop.events.filter((e) => e.event === 'coreFailed');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/internal error while deciding; this poll counts as failed: Error: boom\n\s+at /);
    loop.signals.emit('SIGTERM');
  });

  it('re-opens the stats source on every SIGHUP, so rotated credentials are read again', async () => {
    const loop = startLoop();
    await advance(0);
    loop.signals.emit('SIGHUP');
    await advance(0);
    loop.signals.emit('SIGHUP');
    await advance(0);
    expect(loop.stats.opened).toBe(3);
    loop.signals.emit('SIGTERM');
  });

  it('coalesces a burst of SIGHUPs into one reload', async () => {
    let loads = 0;
    const config = configWith();
    const loop = startLoop({}, {}, { loadConfig: () => (loads++, config) });
    await advance(0);
    for (let i = 0; i < 1000; i++) loop.signals.emit('SIGHUP');
    await advance(0);
    expect(loads).toBe(2);
    loop.signals.emit('SIGTERM');
  });

  it('keeps deciding through a storm of reloads: a reload does not throw away the poll in flight', async () => {
    const loop = startLoop({}, { fall: 1 });
    await advance(0);
    loop.stats.delayMs = 300;
    loop.stats.csv = deadCsv;
    for (let t = 0; t < 2000; t += 50) {
      loop.signals.emit('SIGHUP');
      await advance(50);
    }
    expect(loop.written.find((w) => w.line === withdraw)?.at).toBe(300);
    loop.signals.emit('SIGTERM');
  });

  it('keeps going after a line on stdin that would crash a naive parser, and after an oversized line', async () => {
    const loop = startLoop();
    await advance(0);
    loop.say('{"type":"state","neighbor":{"state":"up","address":{"peer":{"toString":1}}}}');
    loop.input.write('x'.repeat(1024 * 1024 + 10));
    loop.say('', 'done', 'done');
    await advance(0);
    expect(loop.messages()).toContain('dropped 1 line(s) from ExaBGP longer than 1048576 bytes');
    loop.stats.csv = deadCsv;
    loop.signals.emit('SIGUSR1');
    await advance(0);
    loop.signals.emit('SIGUSR1');
    await advance(0);
    expect(loop.lines()).toEqual([query, announce, withdraw]);
    loop.signals.emit('SIGTERM');
    expect(await loop.exit).toBe(0);
  });

  it('resolves only once the withdraws written at exit have reached the pipe, waiting at most 1 s', async () => {
    const received: string[] = [];
    let slowMs = 400;
    const output = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk.toString());
        setTimeout(callback, slowMs);
      },
    });
    const loop = startLoop({}, {}, { output });
    await advance(1000);
    let exited = false;
    void loop.exit.then(() => (exited = true));
    loop.signals.emit('SIGTERM');
    await advance(1);
    expect(exited).toBe(false);
    await advance(1000);
    expect(exited).toBe(true);
    expect(received.join('')).toContain(`${withdraw}\n`);

    slowMs = 60_000;
    const stuck = startLoop({}, {}, { output: new Writable({ write: (_c, _e, callback) => setTimeout(callback, slowMs) }) });
    await advance(0);
    let stuckExited = false;
    void stuck.exit.then(() => (stuckExited = true));
    stuck.signals.emit('SIGTERM');
    await advance(1000);
    expect(stuckExited).toBe(true);
  });
});

describe('runPlugin following HAProxy\'s event stream', () => {
  const eventful = { intervalMs: 60_000, rise: 1, fall: 1, stats: { source: 'unix:/test.sock', timeoutMs: 900, events: 'exabgp-anycast' } };

  it('opens the stream on the stats socket for the configured ring, and none without stats.events', async () => {
    const withEvents = startLoop({}, eventful);
    const without = startLoop();
    await advance(0);
    expect(withEvents.streams.map((s) => s.settings)).toEqual([{ source: 'unix:/test.sock', ring: 'exabgp-anycast', timeoutMs: 900 }]);
    expect(without.streams).toEqual([]);
    withEvents.signals.emit('SIGTERM');
    without.signals.emit('SIGTERM');
  });

  it('polls at once on an event about a watched backend, and withdraws long before the next periodic poll', async () => {
    const loop = startLoop({}, eventful);
    await advance(1000);
    loop.stats.csv = deadCsv;
    loop.haproxyEvent('be_app');
    await advance(0);
    expect(loop.fetchedAt).toEqual([0, 1000]);
    expect(loop.written.at(-1)).toEqual({ at: 1000, line: withdraw });
    loop.signals.emit('SIGTERM');
  });

  it.each([
    ['a backend no service watches', 'be_other'],
    ['no backend at all (a "Proxy … stopped" line)', undefined],
  ])('does not poll for an event about %s', async (_what, backend) => {
    const loop = startLoop({}, eventful);
    await advance(1000);
    loop.haproxyEvent(backend);
    await advance(0);
    expect(loop.fetchedAt).toEqual([0]);
    loop.signals.emit('SIGTERM');
  });

  it('coalesces a burst of events: at most one poll running and one pending', async () => {
    const loop = startLoop({}, eventful);
    await advance(0);
    loop.stats.delayMs = 100;
    for (let i = 0; i < 50; i++) loop.haproxyEvent('be_app');
    await advance(300);
    // The pending poll starts when the running one ends (setTimeout 0 takes 1 ms, as in Node); nothing after it.
    expect(loop.fetchedAt).toEqual([0, 0, 101]);
    loop.signals.emit('SIGTERM');
  });

  it('keeps the periodic poll as the safety net', async () => {
    const loop = startLoop({}, { ...eventful, intervalMs: 1000 });
    await advance(3000);
    expect(loop.fetchedAt).toEqual([0, 1000, 2000, 3000]);
    loop.signals.emit('SIGTERM');
  });

  it('polls once when the stream is (re)established: what changed while none was open is not in it', async () => {
    const loop = startLoop({}, { ...eventful, intervalMs: 60_000 });
    await advance(0);
    loop.streams[0]?.handlers.connected(true);
    await advance(0);
    loop.streams[0]?.handlers.connected(false);
    await advance(0);
    expect(loop.fetchedAt).toEqual([0, 0]);
    loop.signals.emit('SIGTERM');
  });

  it('keeps the stream across a reload that changes neither socket nor ring, replaces it when the ring changes, and closes it at exit', async () => {
    let ring = 'exabgp-anycast';
    const loop = startLoop({}, {}, { loadConfig: () => configWith({}, { ...eventful, stats: { ...eventful.stats, events: ring } }) });
    await advance(0);
    loop.signals.emit('SIGHUP');
    await advance(0);
    expect(loop.streams).toHaveLength(1);
    ring = 'other';
    loop.signals.emit('SIGHUP');
    await advance(0);
    expect(loop.streams.map((s) => [s.settings.ring, s.closed])).toEqual([
      ['exabgp-anycast', true],
      ['other', false],
    ]);
    loop.signals.emit('SIGTERM');
    await loop.exit;
    expect(loop.streams[1]?.closed).toBe(true);
  });

  it('tells the observer whether the stream is established, and how long an event took to become a command', async () => {
    const connected: Array<[string | undefined, boolean]> = [];
    const reactions: number[] = [];
    const loop = startLoop({}, eventful, { observer: { eventStream: (ring, up) => connected.push([ring, up]), reacted: (s) => reactions.push(s) } });
    await advance(0);
    loop.streams[0]?.handlers.connected(true);
    loop.stats.delayMs = 5;
    loop.haproxyEvent('be_app');
    await advance(0);
    loop.stats.csv = deadCsv;
    loop.haproxyEvent('be_app');
    await advance(10);
    expect(connected).toEqual([
      ['exabgp-anycast', false],
      ['exabgp-anycast', true],
    ]);
    // Only the poll that wrote a command counts: it withdrew 5 ms (its read) after the event it looked at.
    expect(reactions).toEqual([0.005]);
    loop.signals.emit('SIGTERM');
  });
});
