import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../config/load-config.js';
import { readConfigFile } from '../config/read-config-file.js';
import type { Config } from '../config/types.js';
import { runPlugin } from '../engine/poll-loop.js';
import { releaseEarlySignals } from '../early-signals.js';
import { PluginError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { parseListenAddress, type ListenAddress } from '../config/listen-address.js';
import { logOptions, type LogOptions } from './log-options.js';

interface RunFlags extends LogOptions {
  config?: string;
  stats?: string;
  events?: string;
  backend?: string[];
  prefix?: string[];
  name: string;
  nextHop?: string;
  asPath?: number[];
  minUp?: number;
  intervalMs?: number;
  rise?: number;
  fall?: number;
  timeoutMs?: number;
  disableFile?: string;
  stateFile?: string;
  metricsListen?: string;
}

const integer = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new PluginError('ERR_USAGE', `${flag} takes a whole number, got "${value}"`);
  return Number(value);
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

export function runCommand(): Command {
  const command = new Command('run')
    .description('Run as an ExaBGP API process: poll HAProxy, write announce/withdraw lines to stdout, log to stderr.')
    .option('-c, --config <file>', 'JSON config file (see `exabgp-anycast schema`)')
    .option('--stats <source>', 'one-service mode: unix:/path, tcp://host:port, http(s)://…;csv or file:/path.csv')
    .option('--events <ring>', "one-service mode: HAProxy log ring to follow with show events (unix: and tcp:// sources): a server state change polls at once")
    .option('--backend <name>', 'one-service mode: HAProxy backend to watch (repeatable)', collect)
    .option('--prefix <prefix>', 'one-service mode: prefix to announce (repeatable)', collect)
    .option('--name <name>', 'one-service mode: service name in logs', 'anycast')
    .option('--next-hop <ip|self>', 'one-service mode: next hop (default self)')
    .option('--as-path <asns>', 'one-service mode: AS path, comma-separated, e.g. 65010,65010,65010', (v: string) => v.split(',').map((a) => integer('--as-path')(a.trim())))
    .option('--min-up <n>', 'one-service mode: servers that must be up', integer('--min-up'))
    .option('--interval-ms <ms>', 'one-service mode: poll interval', integer('--interval-ms'))
    .option('--rise <n>', 'one-service mode: healthy polls before announcing', integer('--rise'))
    .option('--fall <n>', 'one-service mode: unhealthy polls before withdrawing', integer('--fall'))
    .option('--timeout-ms <ms>', 'one-service mode: stats read timeout', integer('--timeout-ms'))
    .option('--disable-file <path>', 'one-service mode: maintenance file; while it exists the prefix is withdrawn')
    .option(
      '--state-file <path>',
      "record of which routes in ExaBGP are this plugin's, read by the next instance (default: $RUNTIME_DIRECTORY/exabgp-anycast.routes.json, i.e. /run/exabgp under Debian's exabgp.service)",
    )
    .option('--metrics-listen <host:port>', 'serve GET /metrics (Prometheus), GET /status and POST /-/reload here, e.g. 127.0.0.1:9834; overrides metrics.listen');
  logOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  exabgp-anycast run --config /etc/exabgp-anycast/exabgp-anycast.json
  exabgp-anycast run --stats unix:/run/haproxy/admin.sock --backend http_back --prefix 9.9.9.9/32 --as-path 65010,65010,65010

In exabgp.conf:
  process anycast { run /usr/bin/node /usr/local/lib/exabgp-anycast/exabgp-anycast.js run --config /etc/exabgp-anycast/exabgp-anycast.json; encoder json; }

Signals: SIGTERM/SIGINT withdraw and exit, SIGHUP reloads the config (and re-reads credentials),
SIGUSR1 polls now, SIGUSR2 exits leaving the routes announced for the next instance (upgrades).
With metrics.listen (or --metrics-listen) set: GET /metrics, GET /status, and POST /-/reload (as SIGHUP, from loopback only).`,
    )
    .action(async (flags: RunFlags) => {
      const log = createLogger(flags.logFormat, flags.logLevel);
      const listen = flags.metricsListen !== undefined ? parseListenAddress(flags.metricsListen, '--metrics-listen') : listenFromConfigFile(flags.config, log);
      const readConfig = flags.config !== undefined ? () => readConfigFile(flags.config as string) : () => configFromFlags(flags);
      const loadConfig = (): Config => checkedMetrics(readConfig(), flags, listen, log);
      const runtimeDirectory = process.env['RUNTIME_DIRECTORY']?.split(':')[0];
      const stateFile = flags.stateFile ?? (runtimeDirectory ? join(runtimeDirectory, 'exabgp-anycast.routes.json') : undefined);
      // Loaded only when asked for: without metrics.listen none of the metrics code is evaluated (bench/metrics-soak.ts checks).
      const observe = listen && (await import('../observe/observe-over-http.js')).observeOverHttp(listen, log);
      const exited = runPlugin({ loadConfig, log, stateFile, observe });
      releaseEarlySignals();
      process.exitCode = await exited;
    });
  return command;
}

/**
 * metrics.listen as the config file says at start, read leniently: the listener also serves a
 * plugin whose config is otherwise invalid, so that POST /-/reload can bring it a fixed one.
 */
function listenFromConfigFile(path: string | undefined, log: Logger): ListenAddress | undefined {
  if (path === undefined) return undefined;
  let listen: unknown;
  try {
    listen = (JSON.parse(readFileSync(path, 'utf8')) as { metrics?: { listen?: unknown } } | null)?.metrics?.listen;
  } catch {
    return undefined; // Loading the config says what is wrong with it.
  }
  if (typeof listen !== 'string') return undefined;
  try {
    return parseListenAddress(listen, `${path}: /metrics/listen`);
  } catch (error) {
    log({ level: 'error', event: 'metricsUnavailable', message: `no metrics: ${(error as Error).message}` });
    return undefined;
  }
}

/** The listener binds once, at start: a reload that moves it says when that applies. */
function checkedMetrics(config: Config, flags: RunFlags, inUse: ListenAddress | undefined, log: Logger): Config {
  const wanted = config.metrics?.listen;
  if (flags.metricsListen === undefined && wanted !== inUse?.text) {
    log({
      level: 'warn',
      event: 'metricsMoved',
      message: `metrics.listen is now ${wanted ?? 'unset'}, but the listener binds only at start (${inUse ? `it stays on ${inUse.text}` : 'there is none now'}); restart the plugin to apply it (SIGUSR2 hands over without withdrawing)`,
    });
  }
  return config;
}

function configFromFlags(flags: RunFlags): Config {
  if (flags.stats === undefined || !flags.backend?.length || !flags.prefix?.length) {
    throw new PluginError('ERR_USAGE', 'run needs --config FILE, or --stats, --backend and --prefix for a single service');
  }
  const settings = {
    stats: { source: flags.stats, timeoutMs: flags.timeoutMs, events: flags.events },
    intervalMs: flags.intervalMs,
    rise: flags.rise,
    fall: flags.fall,
    disableFile: flags.disableFile,
    services: [
      {
        name: flags.name,
        prefixes: flags.prefix,
        nextHop: flags.nextHop,
        asPath: flags.asPath,
        health: { backends: flags.backend, minUp: flags.minUp },
      },
    ],
  };
  // undefined flags must not reach the schema (they would hide its defaults).
  return validateConfig(JSON.parse(JSON.stringify(settings)), 'command line');
}
