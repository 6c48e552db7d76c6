import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { birdConfig, type BirdNeighbor } from './bird-config.js';
import { freePort } from './free-port.js';
import type { Lab } from './open-lab.js';
import { parseBirdRouteEvents, parseBirdRoutes, type BirdRoute, type BirdRouteEvent } from './parse-bird-routes.js';
import type { SupervisedProcess } from './spawn-supervised.js';
import type { WaitOptions } from './wait-for.js';

export interface BirdOptions {
  /** Names the log files and the control socket; default `bird`. Give each BIRD in a lab its own. */
  name?: string;
  routerId: string;
  localAs: number;
  /** Listen address; default 127.0.0.1. Not with `netns`. */
  address?: string;
  /** Listen port; default a free one. Not with `netns`. */
  port?: number;
  /**
   * Run in this one of the lab's own network namespaces instead of on loopback: BIRD dials its
   * peers on port 179 (give each neighbor its `sourceAddress`) and installs its best paths in the
   * namespace's kernel table.
   */
  netns?: string;
  neighbors: readonly BirdNeighbor[];
  holdTime?: number;
  /** Trace every route change with ms timestamps into `<name>.log`, read by routeEvents(). */
  traceRoutes?: boolean;
}

export interface BirdProtocolState {
  name: string;
  /** BIRD's protocol state: `up`, `start`, `down`, … */
  state: string;
  /** When the state last changed, as printed: unchanged means the session never dropped. */
  since: string;
  /** For BGP: `Established`, `Passive`, `Active`, … possibly followed by the last error. */
  info: string;
  established: boolean;
}

export interface Bird {
  /** Where BIRD accepts sessions; in a namespace `0.0.0.0` and 179 (every address of the namespace). */
  readonly address: string;
  readonly port: number;
  readonly socketPath: string;
  readonly configPath: string;
  readonly process: SupervisedProcess;
  /** Every path BIRD holds for exactly `prefix` (not a covering one), with its attributes. */
  showRoutes(prefix: string): Promise<BirdRoute[]>;
  /** Polls showRoutes until `accept` says yes; resolves with the routes it accepted. */
  waitForRoutes(prefix: string, description: string, accept: (routes: BirdRoute[]) => boolean, options?: WaitOptions): Promise<BirdRoute[]>;
  protocolState(name: string): Promise<BirdProtocolState>;
  waitForEstablished(name: string, options?: WaitOptions): Promise<void>;
  /** Route changes for `prefix` as BIRD traced them (with `traceRoutes`), oldest first. */
  routeEvents(prefix: string): BirdRouteEvent[];
  /** Drops and restarts one BGP session (the peer sees a Cease notification). */
  restartProtocol(name: string): Promise<void>;
  /** Any birdc command; resolves with its output, rejects if birdc reports an error. */
  birdc(command: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts BIRD 2 in the foreground as a passive BGP route server and waits until birdc answers. */
export async function startBird(lab: Lab, options: BirdOptions): Promise<Bird> {
  const name = options.name ?? 'bird';
  const inNamespace = options.netns !== undefined;
  if (inNamespace && (options.address !== undefined || options.port !== undefined)) {
    throw new Error(`${name}: a BIRD in a namespace listens on 179 of every address there; drop address and port`);
  }
  const address = inNamespace ? '0.0.0.0' : (options.address ?? '127.0.0.1');
  const port = inNamespace ? 179 : (options.port ?? (await freePort(address)));
  const configPath = lab.path(`${name}.conf`);
  const socketPath = lab.path(`${name}.ctl`);
  const routeLog = options.traceRoutes === true ? lab.path(`${name}.log`) : undefined;
  writeFileSync(
    configPath,
    birdConfig({
      routerId: options.routerId,
      localAs: options.localAs,
      placement: inNamespace ? { kind: 'namespace' } : { kind: 'loopback', address, port },
      neighbors: options.neighbors,
      ...(options.holdTime === undefined ? {} : { holdTime: options.holdTime }),
      ...(routeLog === undefined ? {} : { routeLog }),
    }),
  );
  const child = await lab.spawn({
    name,
    command: 'bird',
    args: ['-f', '-c', configPath, '-s', socketPath, '-P', lab.path(`${name}.pid`)],
    ...(options.netns === undefined ? {} : { netns: options.netns }),
  });

  const birdc = async (command: string): Promise<string> => {
    try {
      const { stdout } = await run('birdc', ['-s', socketPath, command], { timeout: 5000 });
      return stdout;
    } catch (error) {
      // birdc exits non-zero for error replies ("syntax error", "Network not found") and prints them on stdout.
      const output = (error as { stdout?: string }).stdout?.trim();
      throw new Error(`${name}: birdc '${command}' failed${output ? `: ${output}` : ''}`, { cause: error });
    }
  };
  const showRoutes = async (prefix: string): Promise<BirdRoute[]> => {
    // It is pasted into a birdc command line.
    if (!/^[0-9a-fA-F.:]+\/\d+$/.test(prefix)) throw new Error(`${name}: '${prefix}' is not a prefix`);
    // `for PREFIX` would also match a covering route; `where net =` is exact.
    return parseBirdRoutes(await birdc(`show route all where net = ${prefix}`));
  };
  const protocolState = async (protocol: string): Promise<BirdProtocolState> =>
    parseProtocolState(protocol, await birdc(`show protocols ${protocol}`));

  await child.waitFor('birdc to answer', () => birdc('show status'));

  return {
    address,
    port,
    socketPath,
    configPath,
    process: child,
    showRoutes,
    waitForRoutes: (prefix, description, accept, waitOptions) => {
      let seen: BirdRoute[] | undefined;
      return child.waitFor(
        `routes for ${prefix}: ${description}`,
        async () => {
          seen = await showRoutes(prefix);
          return accept(seen) ? seen : undefined;
        },
        {
          ...waitOptions,
          context: () =>
            [waitOptions?.context?.(), `last routes seen for ${prefix}: ${seen === undefined ? 'none read' : describeRoutes(seen)}`]
              .filter(Boolean)
              .join('\n'),
        },
      );
    },
    protocolState,
    routeEvents: (prefix) => (routeLog !== undefined && existsSync(routeLog) ? parseBirdRouteEvents(readFileSync(routeLog, 'utf8'), prefix) : []),
    waitForEstablished: async (protocol, waitOptions) => {
      await child.waitFor(`BGP session ${protocol} Established`, async () => (await protocolState(protocol)).established, waitOptions);
    },
    restartProtocol: async (protocol) => {
      const reply = await birdc(`restart ${protocol}`);
      if (!reply.includes('restarted')) throw new Error(`${name}: restart ${protocol} answered: ${reply.trim()}`);
    },
    birdc,
    stop: async () => {
      await child.stop();
    },
  };
}

// --- internal ---

const run = promisify(execFile);

function describeRoutes(routes: readonly BirdRoute[]): string {
  if (routes.length === 0) return '(no paths)';
  return routes
    .map((r) => `${r.prefix} [${r.protocol} from ${r.from ?? '?'}]${r.best ? ' *' : ''} as-path [${r.asPath.join(' ')}]`)
    .join('; ');
}

/**
 * `show protocols NAME` prints a header and one row: name, protocol, table, state, since, info.
 * `Since` may be a time, a date, or both (`timeformat protocol iso long`), wider than its header,
 * so the row is read by fields rather than by the header's columns; `Info` often has spaces.
 */
function parseProtocolState(protocol: string, output: string): BirdProtocolState {
  const row = output.split('\n').find((line) => line.split(/\s+/)[0] === protocol);
  const fields = /^\S+\s+\S+\s+\S+\s+(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?|\S+)\s*(.*)$/.exec(row ?? '');
  if (!fields) throw new Error(`no protocol ${protocol} in: ${output.trim()}`);
  const info = (fields[3] ?? '').trim();
  return { name: protocol, state: fields[1] ?? '', since: fields[2] ?? '', info, established: info.startsWith('Established') };
}
