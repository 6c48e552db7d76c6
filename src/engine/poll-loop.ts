import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { canonicalAddress } from '../config/prefix.js';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { openExabgpChannel } from '../exabgp/exabgp-channel.js';
import type { NeighborState } from '../exabgp/parse-exabgp-message.js';
import { describeCommand, type Command, type Route } from '../exabgp/format-command.js';
import { openEventStream, type EventStream, type EventStreamHandlers, type EventStreamSettings } from '../haproxy/event-stream.js';
import type { HaproxyEvent } from '../haproxy/parse-haproxy-event.js';
import { readSnapshot } from '../haproxy/read-snapshot.js';
import { createStatsSource, type StatsSource } from '../haproxy/stats-source.js';
import type { Logger } from '../log/logger.js';
import { acknowledge, nextRetryAt, retryDue, retryNow } from './acknowledge.js';
import { reconcileRib, type RibRoute } from './reconcile-rib.js';
import { openRouteRecordFile } from './route-record-file.js';
import {
  initialEngineState,
  reloadEngineState,
  resendCommands,
  tick,
  withdrawEverything,
  type EngineState,
  type PollResult,
  type ServiceVerdict,
  type TickInput,
  type TickOutput,
} from './tick.js';

export interface PluginOptions {
  /** Reads and validates the config; called at start and on every SIGHUP. Throws when invalid. */
  loadConfig(): Config;
  log: Logger;
  /** Where to record which routes are ours (see route-record-file.ts); none: no record. */
  stateFile?: string;
  /** The process's own stdin, stdout, signals and stats sources, unless a test hands in others. */
  io?: PluginIo;
  /** Watches the plugin (metrics, status) and may reload it; made once the plugin runs. */
  observe?: (controls: PluginControls) => PluginObserver;
}

/** What the plugin tells an observer. Calls are synchronous and cheap; an observer that throws is logged, never fatal. */
export interface PluginObserver {
  /** One read of the stats, parse included; `error` is why it failed. */
  polled(durationMs: number, error: string | undefined): void;
  /** A poll's decisions, with the state they leave (`now` on the performance.now() clock). */
  decided(config: Config, state: EngineState, verdicts: ServiceVerdict[], now: number): void;
  /** ExaBGP's answer to a command, after the state took it in. */
  answered(command: Command, ok: boolean, state: EngineState): void;
  neighbor(peer: string, state: NeighborState): void;
  reloaded(result: ReloadResult): void;
  /** HAProxy's event stream: its ring (none: not configured), and whether it is established. */
  eventStream(ring: string | undefined, connected: boolean): void;
  /** An event-triggered poll wrote commands: the time from HAProxy's event line to them. */
  reacted(seconds: number): void;
}

export interface PluginControls {
  /** Reloads the config now, as SIGHUP does. */
  reload(): ReloadResult;
}

export type ReloadResult = { ok: true; services: string[] } | { ok: false; error: string };

export interface PluginIo {
  input: Readable;
  output: Writable;
  signals: EventEmitter;
  openSource(settings: Config['stats']): StatsSource;
  /** Follows HAProxy's event ring (stats.events); by default over the stats socket (event-stream.ts). */
  openEvents?(settings: EventStreamSettings, handlers: EventStreamHandlers, log: Logger): EventStream;
  /** ExaBGP's settings as the process inherited them, to tell whether acks are off. */
  env?: NodeJS.ProcessEnv;
}

export const pluginSignals = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;

/** How long the start-up `show adj-rib out` may take before we go on without its answer. */
const ribAnswerTimeoutMs = 2000;
/** How long the last commands may take to reach the pipe at exit. */
const drainTimeoutMs = 1000;

const processIo = (): PluginIo => ({ input: process.stdin, output: process.stdout, signals: process, openSource: createStatsSource, env: process.env });

/**
 * The long-running process ExaBGP starts. Resolves with the exit code once ExaBGP is gone or we
 * were told to stop. It never exits on a bad config or a failed poll: ExaBGP gives up after five
 * respawns a minute, so a crash loop would take the BGP sessions down with it.
 */
export function runPlugin({ loadConfig, log, stateFile, io = processIo(), observe }: PluginOptions): Promise<number> {
  return new Promise((resolve) => {
    let config: Config | undefined;
    let source: StatsSource | undefined;
    let events: EventStream | undefined;
    /** When the oldest event not yet looked at by a poll arrived; the poll that starts next takes it. */
    let unseenEventAt: number | undefined;
    let state: EngineState | undefined;
    let pollTimer: NodeJS.Timeout | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let retryTimerAt: number | undefined;
    let polling = false;
    let pollAgain = false;
    let reloadQueued = false;
    let stopped = false;
    let coreFailureLogged = false;
    const knownNeighbors = new Set<string>();
    const record = openRouteRecordFile(stateFile, log);
    // What an earlier instance recorded as possibly announced, kept until reconciled with ExaBGP's answer.
    const previous = record.read();
    let unreconciled: Route[] = previous ?? [];
    // The start-up question "what do you announce?": collected until its answer's `done`.
    let rib: RibRoute[] | undefined = [];
    const ribTimer = setTimeout(() => {
      if (rib === undefined) return;
      // With exabgp.api.ack false the answer comes without its `done` (and an empty one not at all).
      const found = rib.length > 0 ? rib : undefined;
      rib = undefined;
      log({
        level: 'warn',
        event: 'ribUnknown',
        message: `ExaBGP did not finish its answer to "show adj-rib out" within ${ribAnswerTimeoutMs} ms: if exabgp.api.ack is false, nothing the plugin sends can be confirmed; ${found ? `going by the ${found.length} route(s) it listed` : 'going by the state file'}, and configured prefixes are decided by the first poll`,
      });
      reconcile(found);
    }, ribAnswerTimeoutMs);

    const channel = openExabgpChannel(io.input, io.output, log, {
      onAnswer(command, ok) {
        if (command.kind === 'query') return ribAnswered(ok);
        if (!state) {
          if (!ok) log({ level: 'error', event: 'commandRejected', message: `ExaBGP answered "error" to: ${describeCommand(command)}` });
          return;
        }
        const out = acknowledge(state, command, ok, performance.now());
        state = out.state;
        out.events.forEach(log);
        notify((o) => state && o.answered(command, ok, state));
        scheduleRetry();
      },
      onRibRoute(route) {
        rib?.push(route);
        noteNeighbor(route.neighbor);
      },
      onNeighbor(peer, neighborState) {
        noteNeighbor(peer);
        notify((o) => o.neighbor(peer, neighborState));
        if (neighborState === 'up') {
          const commands = state ? resendCommands(state) : [];
          log({ level: 'info', event: 'neighborUp', message: `neighbor ${peer} is up; re-sent ${commands.length} announcement(s)` });
          channel.send(commands);
        } else if (neighborState === 'down') {
          log({ level: 'warn', event: 'neighborDown', message: `neighbor ${peer} is down` });
        }
      },
      onShutdown: () => stop('ExaBGP is shutting down'),
      onClosed() {
        if (stopped) return;
        log({ level: 'info', event: 'exabgpGone', message: 'ExaBGP closed the API pipe; exiting' });
        void finish(0);
      },
    });

    function noteNeighbor(peer: string): void {
      knownNeighbors.add(canonicalAddress(peer) ?? peer);
    }

    function ribAnswered(ok: boolean): void {
      if (rib === undefined) return;
      clearTimeout(ribTimer);
      const found = rib;
      rib = undefined;
      if (!ok) log({ level: 'warn', event: 'ribUnknown', message: 'ExaBGP answered "error" to "show adj-rib out"; withdrawing only what the state file recorded' });
      reconcile(ok ? found : undefined);
    }

    /** Takes back what an earlier instance left that the config does not vouch for. */
    function reconcile(found: RibRoute[] | undefined): void {
      const { withdraws, foreign } = reconcileRib(config, found, previous);
      unreconciled = [];
      channel.send(withdraws);
      saveRecord();
      const what = withdraws.map(describeCommand).join(', ');
      const others = foreign.length > 0 ? `; not ours, left alone: ${foreign.join(', ')} (exabgp.conf's static routes or another process's)` : '';
      log({
        level: withdraws.length > 0 ? 'warn' : 'info',
        event: 'ribReconciled',
        message: `${found ? `ExaBGP announces ${found.length} route(s)` : 'from the state file'}; ${withdraws.length > 0 ? `withdrew what the config does not vouch for: ${what}` : 'nothing left over to withdraw'}${others}`,
      });
    }

    /** The state file follows what may be announced: the engine's routes, and what is not reconciled yet. */
    function saveRecord(): void {
      record.write([...unreconciled, ...(state ? [...state.routes.values()].map((r) => r.route) : [])]);
    }

    function start(next: Config): void {
      config = next;
      source = io.openSource(next.stats);
      followEvents(next);
      state = initialEngineState(next, performance.now());
      log({
        level: 'info',
        event: 'started',
        message: `watching ${next.services.length} service(s) via ${source.description} every ${next.intervalMs} ms (rise ${next.rise}, fall ${next.fall}); the first poll announces what HAProxy reports healthy and withdraws the rest`,
      });
      void poll();
    }

    /** Reloads run once per turn of the event loop, however many SIGHUPs arrived: a storm cannot starve polling. */
    function queueReload(): void {
      if (reloadQueued) return;
      reloadQueued = true;
      setImmediate(() => {
        reloadQueued = false;
        if (!stopped) reload();
      });
    }

    function reload(): ReloadResult {
      const result = applyReload();
      notify((o) => o.reloaded(result));
      return result;
    }

    function applyReload(): ReloadResult {
      let next: Config;
      try {
        next = loadConfig();
      } catch (error) {
        log({ level: 'error', event: 'reloadRejected', message: `config reload rejected, ${config ? 'keeping the running config' : 'still not announcing anything'}: ${errorMessage(error)}` });
        return { ok: false, error: errorMessage(error) };
      }
      const services = next.services.map((s) => s.name);
      if (!config || !state) {
        start(next);
        return { ok: true, services };
      }
      // Always a new source: the credentials (password file, CA) are read afresh.
      source = io.openSource(next.stats);
      followEvents(next);
      state = retryNow(reloadEngineState(state, next, performance.now()), performance.now());
      config = next;
      log({ level: 'info', event: 'reloaded', message: `config reloaded: ${next.services.length} service(s)` });
      void poll();
      scheduleRetry();
      return { ok: true, services };
    }

    /** A new stream only when the socket or the ring changed: a reload keeps the established one. */
    function followEvents(next: Config): void {
      const ring = next.stats.events;
      if (events && ring === events.ring && next.stats.source === config?.stats.source) return;
      events?.close();
      events = undefined;
      notify((o) => o.eventStream(ring, false));
      if (ring === undefined) return;
      const settings = { source: next.stats.source, ring, timeoutMs: next.stats.timeoutMs };
      events = (io.openEvents ?? openEventStream)(settings, { event: eventArrived, connected: (up) => streamConnected(ring, up) }, log);
    }

    /** What changed while no stream was open is not in the new one: a (re)established stream polls once. */
    function streamConnected(ring: string, up: boolean): void {
      notify((o) => o.eventStream(ring, up));
      if (up && !stopped) void poll();
    }

    /** An event only says "look now": the poll reads the CSV, which stays the one truth. */
    function eventArrived({ backend }: HaproxyEvent, receivedAt: number): void {
      if (stopped || !config || backend === undefined) return;
      if (!config.services.some((service) => service.health.backends.includes(backend))) return;
      unseenEventAt ??= receivedAt;
      void poll();
    }

    async function poll(): Promise<void> {
      if (stopped || !config || !source) return;
      if (polling) {
        pollAgain = true;
        return;
      }
      polling = true;
      clearTimeout(pollTimer);
      const started = performance.now();
      const eventAt = unseenEventAt;
      unseenEventAt = undefined;
      const readFrom = config.stats.source;
      const result = await readStats(source, config.stats.timeoutMs);
      polling = false;
      notify((o) => o.polled(performance.now() - started, result.ok ? undefined : result.error));
      if (stopped || !config) return;
      // A reload during the read keeps its result unless the stats now come from elsewhere.
      if (config.stats.source === readFrom) decide(config, result, eventAt);
      else pollAgain = true;
      // Polls start intervalMs apart, however long each took: a slow source does not stretch the cadence.
      const wait = pollAgain ? 0 : Math.max(0, config.intervalMs - (performance.now() - started));
      pollAgain = false;
      pollTimer = setTimeout(() => void poll(), wait);
    }

    function decide(current: Config, result: PollResult, eventAt?: number): void {
      if (!state) return;
      const input: TickInput = {
        poll: result,
        disabled: current.disableFile !== undefined && existsSync(current.disableFile),
        now: performance.now(),
        knownNeighbors,
      };
      const out = failClosedTick(current, state, input);
      state = out.state;
      channel.send(out.commands);
      if (eventAt !== undefined && out.commands.length > 0) {
        const seconds = (performance.now() - eventAt) / 1000;
        notify((o) => o.reacted(seconds));
      }
      saveRecord();
      out.events.forEach(log);
      notify((o) => state && o.decided(current, state, out.verdicts, input.now));
      scheduleRetry();
    }

    /** An exception in the core is a failed poll, logged with its stack once; if even that fails, everything is withdrawn. */
    function failClosedTick(current: Config, before: EngineState, input: TickInput): TickOutput {
      try {
        return tick(current, before, input);
      } catch (error) {
        if (!coreFailureLogged) {
          coreFailureLogged = true;
          log({ level: 'error', event: 'coreFailed', message: `internal error while deciding; this poll counts as failed: ${error instanceof Error ? error.stack : String(error)}` });
        }
        try {
          return tick(current, before, { ...input, poll: { ok: false, error: `internal error: ${errorMessage(error)}` } });
        } catch {
          const out = withdrawEverything(before);
          return { ...out, verdicts: [], events: [{ level: 'error', event: 'coreFailed', message: `internal error again; withdrew ${out.commands.length} route(s)` }] };
        }
      }
    }

    function scheduleRetry(): void {
      const at = state && !stopped ? nextRetryAt(state) : undefined;
      if (at === retryTimerAt) return;
      clearTimeout(retryTimer);
      retryTimerAt = at;
      if (at === undefined) return;
      retryTimer = setTimeout(() => {
        retryTimerAt = undefined;
        if (!state || stopped) return;
        const out = retryDue(state, performance.now());
        state = out.state;
        channel.send(out.commands);
        scheduleRetry();
      }, Math.max(0, at - performance.now()));
    }

    function pollNow(): void {
      if (state) state = retryNow(state, performance.now());
      scheduleRetry();
      void poll();
    }

    function stop(why: string): void {
      if (stopped) return;
      const fromState: Command[] = state ? withdrawEverything(state).commands : [];
      const commands = [...fromState, ...unreconciled.map((route): Command => ({ kind: 'withdraw', service: undefined, route }))];
      unreconciled = [];
      state = state && withdrawEverything(state).state;
      channel.send(commands);
      saveRecord();
      log({ level: 'info', event: 'stopping', message: `${why}; withdrew ${commands.length} route(s), exiting` });
      void finish(0);
    }

    /** For upgrades: exit at once and leave the routes to the next instance, which ExaBGP starts and which decides on its first poll. */
    function handOver(): void {
      if (stopped) return;
      const kept = state ? [...state.routes.values()].filter((r) => r.status !== 'unknown').map((r) => r.route.prefix) : [];
      log({
        level: 'warn',
        event: 'handOver',
        message: `SIGUSR2 received: exiting WITHOUT withdrawing, leaving ${kept.length} route(s) announced for the next instance${kept.length ? ` (${kept.join(', ')})` : ''}`,
      });
      void finish(0);
    }

    async function finish(code: number): Promise<void> {
      stopped = true;
      events?.close();
      clearTimeout(pollTimer);
      clearTimeout(retryTimer);
      clearTimeout(ribTimer);
      for (const name of pluginSignals) io.signals.off(name, handlers[name]);
      await channel.drain(drainTimeoutMs);
      io.input.destroy();
      resolve(code);
    }

    const observer = observe?.({ reload });
    let observerFailureLogged = false;
    /** Observers are told, never trusted: one that throws is logged once and the plugin goes on. */
    function notify(tell: (o: PluginObserver) => unknown): void {
      if (!observer) return;
      try {
        tell(observer);
      } catch (error) {
        if (observerFailureLogged) return;
        observerFailureLogged = true;
        log({ level: 'error', event: 'observerFailed', message: `metrics/status failed, the plugin goes on: ${error instanceof Error ? error.stack : String(error)}` });
      }
    }

    const handlers: Record<(typeof pluginSignals)[number], () => void> = {
      SIGTERM: () => stop('SIGTERM received'),
      SIGINT: () => stop('SIGINT received'),
      SIGHUP: queueReload,
      SIGUSR1: pollNow,
      SIGUSR2: handOver,
    };
    for (const name of pluginSignals) io.signals.on(name, handlers[name]);

    const env = io.env ?? {};
    if ((env['exabgp.api.ack'] ?? env.exabgp_api_ack)?.toLowerCase() === 'false') {
      log({ level: 'warn', event: 'acksOff', message: 'exabgp.api.ack is false: ExaBGP confirms nothing, so no route can be confirmed as announced and rejected commands cannot be retried' });
    }
    channel.send([{ kind: 'query', text: 'show adj-rib out' }]);
    try {
      start(loadConfig());
    } catch (error) {
      log({
        level: 'error',
        event: 'configInvalid',
        message: `not announcing anything until the config is fixed (then send SIGHUP), and withdrawing what an earlier instance left in ExaBGP: ${errorMessage(error)}`,
      });
    }
  });
}

/** One read of the stats, bounded by the loop itself: a source that never settles is a failed poll, not a frozen route. */
async function readStats(source: StatsSource, timeoutMs: number): Promise<PollResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<PollResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `stats source ${source.description}: no complete reply within ${timeoutMs} ms` }), timeoutMs);
  });
  const read = readSnapshot(source).then(
    (snapshot): PollResult => ({ ok: true, snapshot }),
    (error: unknown): PollResult => ({ ok: false, error: errorMessage(error) }),
  );
  try {
    return await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
