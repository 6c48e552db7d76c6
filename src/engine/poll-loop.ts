import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { openExabgpChannel } from '../exabgp/exabgp-channel.js';
import { readSnapshot } from '../haproxy/read-snapshot.js';
import { createStatsSource, type StatsSource } from '../haproxy/stats-source.js';
import type { Logger } from '../log/logger.js';
import {
  initialEngineState,
  reloadEngineState,
  resendCommands,
  shutdownCommands,
  startupCommands,
  tick,
  type EngineState,
  type PollResult,
} from './tick.js';

export interface PluginOptions {
  /** Reads and validates the config; called at start and on every SIGHUP. Throws when invalid. */
  loadConfig(): Config;
  log: Logger;
  /** The process's own stdin, stdout, signals and stats sources, unless a test hands in others. */
  io?: PluginIo;
}

export interface PluginIo {
  input: Readable;
  output: Writable;
  signals: EventEmitter;
  openSource(settings: Config['stats']): StatsSource;
}

const processIo = (): PluginIo => ({ input: process.stdin, output: process.stdout, signals: process, openSource: createStatsSource });

const signalNames = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1'] as const;

/**
 * The long-running process ExaBGP starts. Resolves with the exit code once ExaBGP is gone or we
 * were told to stop. It never exits on a bad config or a failed poll: ExaBGP gives up after five
 * respawns a minute, so a crash loop would take the BGP sessions down with it.
 */
export function runPlugin({ loadConfig, log, io = processIo() }: PluginOptions): Promise<number> {
  return new Promise((resolve) => {
    let config: Config | undefined;
    let source: StatsSource | undefined;
    let state: EngineState | undefined;
    let timer: NodeJS.Timeout | undefined;
    let polling = false;
    let pollAgain = false;
    let stopped = false;

    const channel = openExabgpChannel(io.input, io.output, log, {
      onNeighborUp(peer) {
        const lines = state ? resendCommands(state) : [];
        log({ level: 'info', event: 'neighborUp', message: `neighbor ${peer} is up; re-sent ${lines.length} announcement(s)` });
        channel.send(lines);
      },
      onShutdown: () => stop('ExaBGP is shutting down'),
      onClosed() {
        if (stopped) return;
        log({ level: 'info', event: 'exabgpGone', message: 'ExaBGP closed the API pipe; exiting' });
        finish(0);
      },
    });

    function start(next: Config): void {
      config = next;
      source = io.openSource(next.stats);
      state = initialEngineState(next, performance.now());
      channel.send(startupCommands(next).map((c) => c.line));
      log({
        level: 'info',
        event: 'started',
        message: `watching ${next.services.length} service(s) via ${source.description} every ${next.intervalMs} ms (rise ${next.rise}, fall ${next.fall}); all prefixes withdrawn until healthy`,
      });
      void poll();
    }

    function reload(): void {
      let next: Config;
      try {
        next = loadConfig();
      } catch (error) {
        log({ level: 'error', event: 'reloadRejected', message: `config reload rejected, ${config ? 'keeping the running config' : 'still not announcing anything'}: ${errorMessage(error)}` });
        return;
      }
      if (!config || !state) return start(next);
      if (JSON.stringify(next.stats) !== JSON.stringify(config.stats)) source = io.openSource(next.stats);
      state = reloadEngineState(state, next, performance.now());
      config = next;
      log({ level: 'info', event: 'reloaded', message: `config reloaded: ${next.services.length} service(s)` });
      void poll();
    }

    async function poll(): Promise<void> {
      if (stopped || !config || !source) return;
      if (polling) {
        pollAgain = true;
        return;
      }
      polling = true;
      clearTimeout(timer);
      const started = performance.now();
      try {
        const current = config;
        const result = await readStats(source);
        if (stopped || current !== config || !state) return;
        const disabled = current.disableFile !== undefined && existsSync(current.disableFile);
        const out = tick(current, state, { poll: result, disabled, now: performance.now() });
        state = out.state;
        channel.send(out.commands.map((c) => c.line));
        out.events.forEach(log);
      } catch (error) {
        log({ level: 'error', event: 'pollFailed', message: `poll failed, will retry: ${errorMessage(error)}` });
      } finally {
        polling = false;
        if (!stopped && config) {
          // Polls start intervalMs apart, however long each took: a slow source does not stretch the cadence.
          const wait = pollAgain ? 0 : Math.max(0, config.intervalMs - (performance.now() - started));
          timer = setTimeout(() => void poll(), wait);
        }
        pollAgain = false;
      }
    }

    function stop(why: string): void {
      if (stopped) return;
      const lines = state ? shutdownCommands(state) : [];
      channel.send(lines);
      log({ level: 'info', event: 'stopping', message: `${why}; withdrew ${lines.length} route(s), exiting` });
      finish(0);
    }

    function finish(code: number): void {
      stopped = true;
      clearTimeout(timer);
      for (const name of signalNames) io.signals.off(name, handlers[name]);
      io.input.destroy();
      resolve(code);
    }

    const handlers: Record<(typeof signalNames)[number], () => void> = {
      SIGTERM: () => stop('SIGTERM received'),
      SIGINT: () => stop('SIGINT received'),
      SIGHUP: reload,
      SIGUSR1: () => void poll(),
    };
    for (const name of signalNames) io.signals.on(name, handlers[name]);

    try {
      start(loadConfig());
    } catch (error) {
      log({
        level: 'error',
        event: 'configInvalid',
        message: `not announcing anything until the config is fixed (then send SIGHUP): ${errorMessage(error)}`,
      });
    }
  });
}

async function readStats(source: StatsSource): Promise<PollResult> {
  try {
    return { ok: true, snapshot: await readSnapshot(source) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}
