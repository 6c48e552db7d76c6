// What the demo and the benchmark measure, each from its own source:
// - HAProxy's detection: when HAProxy's own stats say the backend went DOWN / UP (polled on its stats socket
//   with the plugin's own reader, so the lab sees exactly what the plugin sees);
// - the plugin's decision: the timestamp of its "→ down; withdraw" / "→ up; announce" log line;
// - BGP propagation: when the hub's BIRD table changed (HubWatcher).
import { readSnapshot } from '../src/haproxy/read-snapshot.js';
import { createStatsSource } from '../src/haproxy/stats-source.js';

export interface HaproxyBackendState {
  t: number;
  /** The BACKEND row's status, `absent` when HAProxy has no such backend, `unreachable` when the read failed. */
  status: string;
  up: number;
  total: number;
}

/** One read of HAProxy's stats socket by the plugin's own reader and parser: one backend, or undefined if absent. */
export async function readHaproxyBackend(socketPath: string, backend: string) {
  const source = createStatsSource({ source: `unix:${socketPath}`, timeoutMs: 500, maxBodyBytes: 16 * 1024 * 1024 });
  return (await readSnapshot(source)).backends.get(backend);
}

/** Polls one backend's state and records each change. */
export class HaproxyPoller {
  history: HaproxyBackendState[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(
    readonly socketPath: string,
    readonly backend: string,
    readonly everyMs = 25,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const backend = await readHaproxyBackend(this.socketPath, this.backend);
      const t = Date.now();
      const status = backend?.status ?? 'absent';
      const up = backend?.servers.filter((server) => server.status.startsWith('UP')).length ?? 0;
      const last = this.history[this.history.length - 1];
      if (!last || last.status !== status || last.up !== up) this.history.push({ t, status, up, total: backend?.servers.length ?? 0 });
    } catch {
      const last = this.history[this.history.length - 1];
      if (!last || last.status !== 'unreachable') this.history.push({ t: Date.now(), status: 'unreachable', up: 0, total: 0 });
    } finally {
      this.busy = false;
    }
  }

  /** First time at or after `from` that the backend's status matched. */
  firstAfter(from: number, pred: (s: HaproxyBackendState) => boolean): number | undefined {
    return this.history.find((h) => h.t >= from && pred(h))?.t;
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
  /** From the fault (kill/restore) until HAProxy's stats show the change. */
  haproxyMs?: number;
  /** From HAProxy's change until the plugin logged its decision. */
  pluginMs?: number;
  /** From the plugin's decision until the hub's table changed. */
  bgpMs?: number;
  /** From the fault until the hub's best path changed. */
  totalMs?: number;
  /** Requests the client lost between the fault and 1 s after the hub changed. */
  lost?: number;
}

export function fmtMs(v: number | undefined): string {
  return v === undefined ? '–' : `${Math.round(v)} ms`;
}
