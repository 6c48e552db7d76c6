// What the demo and the benchmark measure, each from its own source:
// - HAProxy's detection: when HAProxy's own stats say the backend went DOWN / UP (polled on its stats socket);
// - the plugin's decision: the timestamp of its "→ down; withdraw" / "→ up; announce" log line;
// - BGP propagation: when the hub's BIRD table changed (HubWatcher).
import { createConnection } from 'node:net';

export interface HaproxyBackendState {
  t: number;
  status: string;
  up: number;
  total: number;
}

/** Reads `show stat` on a HAProxy stats socket (a unix socket path on this host) and returns the CSV. */
export function showStat(socketPath: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    s.on('connect', () => s.write('show stat\n'));
    s.on('data', (d) => (buf += d.toString('utf8')));
    s.on('end', () => {
      clearTimeout(timer);
      resolve(buf);
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** The status of one backend (its BACKEND row) and how many of its servers are UP. */
export function backendState(csv: string, backend: string): Omit<HaproxyBackendState, 't'> | undefined {
  const lines = csv.split('\n').filter(Boolean);
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  const px = header.indexOf('pxname');
  const sv = header.indexOf('svname');
  const st = header.indexOf('status');
  let status: string | undefined;
  let up = 0;
  let total = 0;
  for (const l of lines.slice(1)) {
    const c = l.split(',');
    if (c[px] !== backend) continue;
    if (c[sv] === 'BACKEND') status = c[st];
    else if (c[sv] !== 'FRONTEND') {
      total++;
      if ((c[st] ?? '').startsWith('UP')) up++;
    }
  }
  return status === undefined ? undefined : { status, up, total };
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
      const s = backendState(await showStat(this.socketPath, 500), this.backend);
      const t = Date.now();
      const status = s ? s.status : 'absent';
      const last = this.history[this.history.length - 1];
      if (!last || last.status !== status || last.up !== (s?.up ?? 0)) this.history.push({ t, status, up: s?.up ?? 0, total: s?.total ?? 0 });
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
