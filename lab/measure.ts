// What the demo and the benchmark measure, each from its own source:
// - HAProxy's detection: when every non-backup server of the backend is DOWN (or enough of them UP again). The
//   bridge's backup servers keep the BACKEND row UP, so its status says nothing here. Dated by HAProxy's own
//   state-change lines in its event ring, as a subscriber in a process of its own stamps them on arrival (this
//   process is busy polling BIRD, HAProxy and the client, and would read them late); by its stats, polled, when
//   the ring says nothing;
// - the plugin's decision: the timestamp of its "→ down; withdraw" / "→ up; announce" log line;
// - BGP propagation: when the hub's BIRD table changed (HubWatcher).
import { spawn, type ChildProcess } from 'node:child_process';
import { parseHaproxyEvent } from '../src/haproxy/parse-haproxy-event.js';
import { readSnapshot } from '../src/haproxy/read-snapshot.js';
import { createStatsSource } from '../src/haproxy/stats-source.js';

export interface HaproxyBackendState {
  /** Epoch ms: the end of the read that saw the change. */
  t: number;
  /** The BACKEND row's status, `absent` when HAProxy has no such backend, `unreachable` when the read failed. */
  status: string;
  /** Non-backup servers UP (`UP`, `UP 1/2`…) by name, and how many non-backup servers there are. */
  upServers: string[];
  up: number;
  total: number;
  /** Backup servers UP: the bridge to the other regions. */
  backupUp: number;
}

/** One server state change, from HAProxy's ring: `Server be/srv is DOWN, …`, `Backup Server be/srv is UP, …`. */
export interface RingServerChange {
  /** Epoch ms the line reached the subscriber. */
  t: number;
  server: string;
  backup: boolean;
  up: boolean;
}

/** One read of HAProxy's stats socket by the plugin's own reader and parser: one backend, or undefined if absent. */
export async function readHaproxyBackend(socketPath: string, backend: string) {
  const source = createStatsSource({ source: `unix:${socketPath}`, timeoutMs: 500, maxBodyBytes: 16 * 1024 * 1024 });
  return (await readSnapshot(source)).backends.get(backend);
}

/**
 * The ring subscriber, run as `node -e` (argv: socket, ring): `show events RING -nw`, each line out as JSON with
 * Date.now() at its arrival; subscribes again when HAProxy closes a quiet stream; exits with its parent (IPC).
 */
const RING_SUBSCRIBER = `
const net = require('node:net');
const [socketPath, ring] = process.argv.slice(1);
let socket;
function subscribe() {
  let partial = '';
  socket = net.connect(socketPath, () => socket.write('show events ' + ring + ' -nw\\n'));
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    const t = Date.now();
    const parts = (partial + chunk).split('\\n');
    partial = parts.pop();
    for (const line of parts) process.stdout.write(JSON.stringify({ t, line }) + '\\n');
  });
  socket.on('error', () => undefined);
  socket.on('close', () => setTimeout(subscribe, 100));
}
subscribe();
process.on('disconnect', () => process.exit(0));
`;

const serverChange = /(Backup )?Server [^/\s]+\/(\S+) (?:is (UP|DOWN)|is going DOWN for maintenance|(?:was DOWN and now )?enters maintenance)/;

/**
 * Polls one backend's state and records each change. With `ring`, it also follows HAProxy's event ring and keeps
 * the lines about the backend: they date HAProxy's changes to the ms.
 */
export class HaproxyPoller {
  history: HaproxyBackendState[] = [];
  /** Arrival (epoch ms) of every ring line about the backend. */
  events: number[] = [];
  /** The servers' state changes among them. */
  changes: RingServerChange[] = [];
  private timer?: NodeJS.Timeout;
  private subscriber?: ChildProcess;
  private busy = false;

  constructor(
    readonly socketPath: string,
    readonly backend: string,
    readonly everyMs = 25,
    readonly ring?: string,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.everyMs);
    if (this.ring && !this.subscriber) {
      // The socket is a file: reachable from here, whichever namespace HAProxy listens in.
      const child = spawn(process.execPath, ['-e', RING_SUBSCRIBER, this.socketPath, this.ring], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
      this.subscriber = child;
      let partial = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const part of parts) this.ringLine(JSON.parse(part) as { t: number; line: string });
      });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.subscriber?.kill();
    this.subscriber = undefined;
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const backend = await readHaproxyBackend(this.socketPath, this.backend);
      const primary = backend?.servers.filter((s) => !s.backup) ?? [];
      const upServers = primary.filter((s) => s.status.startsWith('UP')).map((s) => s.name);
      this.record({
        status: backend?.status ?? 'absent',
        upServers,
        up: upServers.length,
        total: primary.length,
        backupUp: backend?.servers.filter((s) => s.backup && s.status.startsWith('UP')).length ?? 0,
      });
    } catch {
      this.record({ status: 'unreachable', upServers: [], up: 0, total: 0, backupUp: 0 });
    } finally {
      this.busy = false;
    }
  }

  private record(state: Omit<HaproxyBackendState, 't'>): void {
    const last = this.current();
    if (last && last.status === state.status && last.upServers.join() === state.upServers.join() && last.total === state.total && last.backupUp === state.backupUp) return;
    this.history.push({ t: Date.now(), ...state });
  }

  private ringLine({ t, line }: { t: number; line: string }): void {
    if (parseHaproxyEvent(line).backend !== this.backend) return;
    this.events.push(t);
    const m = serverChange.exec(line);
    if (m) this.changes.push({ t, server: m[2] as string, backup: m[1] !== undefined, up: m[3] === 'UP' });
  }

  /** The latest state recorded. */
  current(): HaproxyBackendState | undefined {
    return this.history[this.history.length - 1];
  }

  /** First time at or after `from` that the backend's polled state matched. */
  firstAfter(from: number, pred: (s: HaproxyBackendState) => boolean): number | undefined {
    return this.history.find((h) => h.t >= from && pred(h))?.t;
  }

  /**
   * The first ring line at or after `from` after which the non-backup servers match `pred` (counted from the
   * polled state before `from`, then line by line); without such a line, the polled time.
   */
  detectedAfter(from: number, pred: (up: number, total: number) => boolean): number | undefined {
    const before = [...this.history].reverse().find((h) => h.t < from);
    if (before) {
      const up = new Set(before.upServers);
      for (const change of this.changes) {
        if (change.t < from || change.backup) continue;
        if (change.up) up.add(change.server);
        else up.delete(change.server);
        if (pred(up.size, before.total)) return change.t;
      }
    }
    return this.firstAfter(from, (s) => s.total > 0 && pred(s.up, s.total));
  }

  /** The first ring line about the backend at or after `from`: HAProxy's first reaction to a fault. */
  firstEventAfter(from: number): number | undefined {
    return this.events.find((t) => t >= from);
  }
}

export interface PluginTransition {
  t: number;
  service: string;
  from: string;
  to: string;
  action?: 'announce' | 'withdraw';
  line: string;
}

/** State changes the plugin logged (text log format): "2026-…Z info www: up → falling (…)[; withdraw …]". */
export function pluginTransitions(log: string): PluginTransition[] {
  const out: PluginTransition[] = [];
  for (const line of log.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\s+\w+\s+([\w.:-]+): (\w+) → (\w+)/.exec(line);
    if (!m) continue;
    const action = /;\s*(announce|withdraw)\b/.exec(line)?.[1] as PluginTransition['action'];
    out.push({ t: Date.parse(m[1] as string), service: m[2] as string, from: m[3] as string, to: m[4] as string, action, line });
  }
  return out;
}

export interface Breakdown {
  /** From the fault until HAProxy's first state-change line about the backend: its first failed connection or check. */
  firstLineMs?: number;
  /** From the fault until HAProxy's stats show every non-backup server DOWN (or enough of them UP again). */
  haproxyMs?: number;
  /** From HAProxy's change until the plugin logged its decision. */
  pluginMs?: number;
  /** From the plugin's decision until the hub's table changed. */
  bgpMs?: number;
  /** From the fault until the hub's best path changed. */
  totalMs?: number;
  /** Requests started from just before the fault until 500 ms after the hub changed that failed (or timed out at the client). */
  lost?: number;
  /** Requests of the same window answered, but after more than SLOW_MS. */
  slow?: number;
}

export function fmtMs(v: number | undefined): string {
  return v === undefined ? '–' : `${Math.round(v)} ms`;
}
