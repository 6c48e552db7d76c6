// Watches the hub: polls BIRD for the service prefix and records every change of the best path and of the set
// of paths, with timestamps, so tests and the benchmark can measure when a route left or reached the hub.
import type { BirdRoute } from './daemons/index.js';
import type { Hub } from './hub.js';
import type { Topology } from './netns.js';

export interface HubSnapshot {
  t: number;
  routes: BirdRoute[];
  /** Region of the best path, undefined when the hub has no route. */
  best?: string;
  /** Regions with a path at the hub. */
  present: string[];
}

export class HubWatcher {
  history: HubSnapshot[] = [];
  private timer?: NodeJS.Timeout;
  private busy = false;
  private listeners: Array<() => void> = [];

  constructor(
    readonly hub: Hub,
    readonly topo: Topology,
    readonly everyMs = 40,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  regionOf(r: BirdRoute): string {
    return this.topo.regions.find((x) => x.nvaAddr === r.nextHop)?.region ?? r.nextHop ?? '?';
  }

  async poll(): Promise<HubSnapshot | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    try {
      const routes = await this.hub.routes();
      // Stamped when BIRD's answer arrived: never earlier than the change it shows.
      const t = Date.now();
      const best = routes.find((r) => r.best);
      const snap: HubSnapshot = { t, routes, best: best ? this.regionOf(best) : undefined, present: routes.map((r) => this.regionOf(r)).sort() };
      const last = this.history[this.history.length - 1];
      if (!last || last.best !== snap.best || last.present.join() !== snap.present.join() || pathKey(last.routes) !== pathKey(snap.routes)) {
        this.history.push(snap);
      }
      return snap;
    } catch {
      // A birdc that failed once (the hub busy) is a missed sample, not a verdict; the next poll retries.
      return undefined;
    } finally {
      this.busy = false;
      for (const l of this.listeners.splice(0)) l();
    }
  }

  current(): HubSnapshot | undefined {
    return this.history[this.history.length - 1];
  }

  /** Waits until `pred` holds for the latest snapshot; returns that snapshot's time, or undefined on timeout. */
  async until(pred: (s: HubSnapshot) => boolean, timeoutMs: number): Promise<number | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.timer ? await this.next() : await this.poll();
      const cur = this.current();
      if (cur && pred(cur)) return cur.t;
      if (Date.now() > end) return undefined;
      if (!s && !this.timer) await new Promise((r) => setTimeout(r, this.everyMs));
    }
  }

  private next(): Promise<void> {
    return new Promise((r) => this.listeners.push(r));
  }

  /** Best-path changes from `from` on (the state at `from` first), for the timeline picture. */
  bestChanges(from = 0): Array<{ t: number; region?: string }> {
    const out: Array<{ t: number; region?: string }> = [];
    for (const s of this.history) {
      const t = Math.max(s.t, from);
      if (s.t <= from) out.length = 0;
      const prev = out[out.length - 1];
      if (!prev || prev.region !== s.best) out.push({ t, region: s.best });
    }
    return out;
  }
}

function pathKey(rs: BirdRoute[]): string {
  return rs.map((r) => `${r.nextHop ?? '?'}:${r.asPath.join(' ')}:${r.best ? 1 : 0}`).join('|');
}
