// Runs the client agent in the client namespace and collects one sample per request.
import { join } from 'node:path';
import { startProcess, type LabProcess } from './exec.js';
import type { Sample } from './timeline-svg.js';

export interface ClientSample extends Sample {
  seq: number;
  ms: number;
}

export class ClientRun {
  samples: ClientSample[] = [];
  proc: LabProcess;

  constructor(ns: string, agent: string, addr: string, dir: string, opts: { periodMs?: number; durationMs: number; timeoutMs?: number; tag?: string }) {
    this.proc = startProcess(
      `client${opts.tag ?? ''}`,
      ns,
      process.execPath,
      [agent, addr, String(opts.periodMs ?? 20), String(opts.durationMs), String(opts.timeoutMs ?? 500)],
      join(dir, `client${opts.tag ?? ''}.log`),
      {
        stdin: 'pipe',
        onStdoutLine: (line) => {
          try {
            this.samples.push(JSON.parse(line) as ClientSample);
          } catch {
            /* not a sample */
          }
        },
      },
    );
  }

  /** Asks the agent to stop (it finishes in-flight requests) and waits for it. */
  async stop(): Promise<ClientSample[]> {
    this.proc.child.stdin?.end();
    await this.proc.exited;
    this.samples.sort((a, b) => a.seq - b.seq);
    return this.samples;
  }

  lost(from = 0, to = Infinity): number {
    return this.samples.filter((s) => s.t >= from && s.t < to && !s.region).length;
  }

  byRegion(from = 0, to = Infinity): Record<string, number> {
    const res: Record<string, number> = {};
    for (const s of this.samples) if (s.t >= from && s.t < to) res[s.region ?? 'lost'] = (res[s.region ?? 'lost'] ?? 0) + 1;
    return res;
  }

  /** Region of the most recent answered requests (the last n samples all agree), or undefined. */
  recentRegion(n = 3): string | undefined {
    const last = this.samples.slice(-n);
    if (last.length < n) return undefined;
    const r = last[0]?.region;
    return r && last.every((s) => s.region === r) ? r : undefined;
  }
}
