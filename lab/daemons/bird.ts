import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { birdConfig, type BirdNeighbor } from './bird-config.js';
import { freePort } from './free-port.js';
import type { Lab } from './open-lab.js';
import { parseBirdRoutes, type BirdRoute } from './parse-bird-routes.js';
import type { SupervisedProcess } from './spawn-supervised.js';
import type { WaitOptions } from './wait-for.js';

export interface BirdOptions {
  /** Names the log files and the control socket; default `bird`. Give each BIRD in a lab its own. */
  name?: string;
  routerId: string;
  localAs: number;
  /** Listen address; default 127.0.0.1. */
  address?: string;
  /** Listen port; default a free one. */
  port?: number;
  neighbors: readonly BirdNeighbor[];
  holdTime?: number;
}

export interface BirdProtocolState {
  name: string;
  /** BIRD's protocol state: `up`, `start`, `down`, … */
  state: string;
  /** For BGP: `Established`, `Passive`, `Active`, … possibly followed by the last error. */
  info: string;
  established: boolean;
}

export interface Bird {
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
  /** Drops and restarts one BGP session (the peer sees a Cease notification). */
  restartProtocol(name: string): Promise<void>;
  /** Any birdc command; resolves with its output, rejects if birdc reports an error. */
  birdc(command: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts BIRD 2 in the foreground as a passive BGP route server and waits until birdc answers. */
export async function startBird(lab: Lab, options: BirdOptions): Promise<Bird> {
  const name = options.name ?? 'bird';
  const address = options.address ?? '127.0.0.1';
  const port = options.port ?? (await freePort(address));
  const configPath = lab.path(`${name}.conf`);
  const socketPath = lab.path(`${name}.ctl`);
  writeFileSync(configPath, birdConfig({ ...options, address, port }));
  const child = await lab.spawn({
    name,
    command: 'bird',
    args: ['-f', '-c', configPath, '-s', socketPath, '-P', lab.path(`${name}.pid`)],
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
 * `show protocols NAME` prints a header and one row. Columns are found from the header's
 * positions because `Since` may contain a space (date and time) and `Info` often does.
 */
function parseProtocolState(protocol: string, output: string): BirdProtocolState {
  const lines = output.split('\n');
  const header = lines.find((line) => line.startsWith('Name '));
  const row = lines.find((line) => line.split(/\s+/)[0] === protocol);
  if (header === undefined || row === undefined) throw new Error(`no protocol ${protocol} in: ${output.trim()}`);
  const column = (title: string, next?: string): string => {
    const start = header.indexOf(title);
    const end = next === undefined ? undefined : header.indexOf(next);
    return row.slice(start, end).trim();
  };
  const info = column('Info');
  return { name: protocol, state: column('State', 'Since'), info, established: info.startsWith('Established') };
}
