import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askHaproxy } from '../../src/haproxy/ask-haproxy.js';
import { pidOfShowInfo } from '../../src/haproxy/parse-haproxy-event.js';
import type { StatsSnapshot } from '../../src/haproxy/parse-stats-csv.js';
import { readSnapshot } from '../../src/haproxy/read-snapshot.js';
import { createStatsSource } from '../../src/haproxy/stats-source.js';

/** The `defaults` section the tests' HAProxy configs share: HTTP, short timeouts, 1 s checks. */
export const httpDefaults: readonly string[] = [
  'defaults',
  '    mode http',
  '    timeout connect 1s',
  '    timeout client 5s',
  '    timeout server 5s',
  '    timeout check 1s',
];

/** Backend be_app: servers s1 and s2 at loopback `ports`, each checked with GET / and `check` ("inter 200ms fall 2 rise 2"). */
export function twoServerBackendConfig(ports: readonly [number, number], check: string): string {
  return [
    ...httpDefaults,
    '',
    'backend be_app',
    '    option httpchk GET /',
    ...ports.map((port, i) => `    server s${i + 1} 127.0.0.1:${port} check ${check}`),
    '',
  ].join('\n');
}

/**
 * HAProxy writing its own state changes to a log ring, with a stats socket at `level operator`
 * (and one at `level user` when asked), and two servers checked against HAProxy's own responder.
 */
export function eventRingConfig(ring: string, checkInterMs: number, { userSocket = false } = {}): string {
  return `global
    stats socket {{dir}}/operator.sock mode 600 level operator
${userSocket ? '    stats socket {{dir}}/user.sock mode 600 level user\n' : ''}    log ring@${ring} local0 notice

ring ${ring}
    format rfc3164
    maxlen 1200
    size 32764

${[...httpDefaults, '    log global'].join('\n')}

frontend ok
    bind 127.0.0.1:{{port:ok}}
    http-request return status 200

backend be_app
    server s1 127.0.0.1:{{port:ok}} check inter ${checkInterMs} fall 1 rise 1
    server s2 127.0.0.1:{{port:ok}} check inter ${checkInterMs} fall 1 rise 1
`;
}

export interface HaproxyOptions {
  /**
   * haproxy.cfg text. `{{dir}}` becomes the temp dir; `{{port:NAME}}` becomes a free loopback
   * port (the same NAME always gets the same port, so a server can point at a frontend).
   * An admin CLI socket at `socketPath` is added in a global section of its own.
   */
  config: string;
  /**
   * Run as Debian's haproxy.service does (`-Ws`): a master process whose workers serve, reloaded
   * by SIGUSR2 to the master, which starts new workers and lets the old ones finish.
   */
  masterWorker?: boolean;
}

export interface RunningHaproxy {
  /** The process that serves now (the worker, in master-worker mode): a reload replaces it. */
  readonly pid: number;
  readonly dir: string;
  /** Admin-level CLI socket (`disable server be/s1`, `set server … addr …`; stats through readStats). */
  readonly socketPath: string;
  /** The port chosen for each `{{port:NAME}}`, by NAME. */
  readonly ports: Readonly<Record<string, number>>;
  /** Sends one CLI command over `socketPath` and resolves with the whole reply. */
  command(line: string): Promise<string>;
  /** HAProxy's stats, read and parsed by the plugin's own reader (src/haproxy). */
  readStats(): Promise<StatsSnapshot>;
  /** The same read, as the raw CSV text (for fixtures). */
  statsCsv(): Promise<string>;
  /**
   * Reloads as operators do: without a master process, a new HAProxy with the same config and
   * `-sf <old pid>`, which takes over the sockets and tells the old one to finish; with one,
   * SIGUSR2 to the master. Resolves once the CLI socket answers from the new process.
   */
  reload(): Promise<void>;
  /** Stops HAProxy and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts HAProxy in the foreground on loopback and resolves once its CLI socket answers. */
export async function startHaproxy(options: HaproxyOptions): Promise<RunningHaproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'haproxy-test-'));
  const socketPath = join(dir, 'admin.sock');
  const ports: Record<string, number> = {};
  let config = options.config.replaceAll('{{dir}}', dir);
  for (const name of new Set(Array.from(config.matchAll(/\{\{port:([\w-]+)\}\}/g), (m) => m[1] ?? ''))) {
    ports[name] = await freePort();
    config = config.replaceAll(`{{port:${name}}}`, String(ports[name]));
  }
  const configPath = join(dir, 'haproxy.cfg');
  await writeFile(configPath, `global\n    stats socket ${socketPath} mode 600 level admin\n\n${config}`);

  let stderr = '';
  // -db keeps HAProxy in the foreground so the child pid is HAProxy itself and SIGTERM stops it.
  const launch = (extraArgs: string[]): { child: ChildProcess; running: () => boolean; exited: Promise<void> } => {
    const child = spawn('haproxy', ['-db', '-f', configPath, ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // e.g. spawn ENOENT when haproxy is not installed; 'exit' may never come then.
      child.once('error', (error) => {
        stderr += error.message;
        resolve();
      });
    });
    let running = true;
    void exited.then(() => (running = false));
    return { child, running: () => running, exited };
  };
  let current = launch(options.masterWorker ? ['-W'] : []);
  const launched: Array<typeof current> = [current];
  /** Who answers the CLI socket: HAProxy itself, or the master's current worker. */
  let servingPid = current.child.pid ?? NaN;

  const stop = async (): Promise<void> => {
    for (const { child, running, exited } of launched) {
      if (!running()) continue;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForSocket(socketPath, current.running, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  if (current.child.pid === undefined) throw new Error('haproxy started without a pid');
  servingPid = pidOfShowInfo(await cliCommand(socketPath, 'show info')) ?? servingPid;

  const reload = async (): Promise<void> => {
    const old = servingPid;
    if (options.masterWorker) {
      current.child.kill('SIGUSR2');
    } else {
      current = launch(['-sf', String(old)]);
      launched.push(current);
    }
    const deadline = Date.now() + 5000;
    for (;;) {
      if (!current.running()) throw new Error(`haproxy exited during a reload:\n${stderr}`);
      const pid = pidOfShowInfo(await cliCommand(socketPath, 'show info').catch(() => ''));
      if (pid !== undefined && pid !== old) {
        servingPid = pid;
        return;
      }
      if (Date.now() > deadline) throw new Error(`the CLI socket ${socketPath} did not answer from a new haproxy within 5 s:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  // The one reader of `show stat` in the tests is the plugin's.
  const stats = createStatsSource({ source: `unix:${socketPath}`, timeoutMs: 2000, maxBodyBytes: 16 * 1024 * 1024 });
  return {
    get pid(): number {
      return servingPid;
    },
    dir,
    socketPath,
    ports,
    command: (line) => cliCommand(socketPath, line),
    readStats: () => readSnapshot(stats),
    statsCsv: () => stats.fetch(),
    reload,
    stop,
  };
}

// --- internal ---

/** The kernel picks the port; the tiny race until HAProxy binds it is acceptable in tests. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitForSocket(path: string, isRunning: () => boolean, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (!isRunning()) throw new Error(`haproxy exited during start-up:\n${stderr()}`);
    try {
      await cliCommand(path, 'show info');
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`haproxy CLI socket ${path} did not answer within 5 s:\n${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function cliCommand(path: string, line: string): Promise<string> {
  return askHaproxy({ path }, line, { timeoutMs: 5000, maxAnswerBytes: 16 * 1024 * 1024 });
}
