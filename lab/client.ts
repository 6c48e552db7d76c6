// Runs the client agent in the client namespace and reads one sample per request from its output.
import { waitFor, type SupervisedProcess } from './daemons/index.js';
import type { Sample } from './timeline-svg.js';

export interface ClientSample extends Sample {
  seq: number;
  ms: number;
}

export class ClientRun {
  constructor(readonly proc: SupervisedProcess) {}

  /** argv for the client agent: GET http://ADDR/ every periodMs for durationMs, each given up after timeoutMs in all. */
  static args(agent: string, addr: string, opts: { periodMs?: number; durationMs: number; timeoutMs?: number }): string[] {
    return [agent, addr, String(opts.periodMs ?? 20), String(opts.durationMs), String(opts.timeoutMs ?? 500)];
  }

  /** Every request answered or failed so far, in the order they were sent. */
  samples(): ClientSample[] {
    const samples: ClientSample[] = [];
    for (const line of this.proc.stdout().split('\n')) {
      // The last line may still be half written.
      if (!line.endsWith('}')) continue;
      try {
        samples.push(JSON.parse(line) as ClientSample);
      } catch {
        /* not a sample */
      }
    }
    return samples.sort((a, b) => a.seq - b.seq);
  }

  /** Waits for the requests it was asked to make, then for the last answers. */
  async finished(): Promise<ClientSample[]> {
    await this.proc.exited;
    return this.samples();
  }

  /** Asks the agent to stop (SIGTERM: it finishes in-flight requests) and waits for it. */
  async stop(): Promise<ClientSample[]> {
    await this.proc.stop();
    return this.samples();
  }

  /**
   * Waits until every request started before `to` has its answer or its failure (the agent numbers
   * requests in order, so those are all below the first one started at `to` or later); fails after `maxWaitMs`.
   */
  async settled(to: number, maxWaitMs: number): Promise<void> {
    await waitFor(
      `the client's answers to every request sent before ${new Date(to).toISOString()}`,
      () => {
        const samples = this.samples();
        const next = samples.find((s) => s.t >= to)?.seq;
        return next !== undefined && samples.filter((s) => s.seq < next).length === next - 1;
      },
      { timeoutMs: maxWaitMs },
    );
  }

  lost(from = 0, to = Infinity): number {
    return this.samples().filter((s) => s.t >= from && s.t < to && !s.region).length;
  }

  /** Requests answered, but after more than `overMs`. */
  slow(from: number, to: number, overMs: number): number {
    return this.samples().filter((s) => s.t >= from && s.t < to && s.region && s.ms > overMs).length;
  }

  byRegion(from = 0, to = Infinity): Record<string, number> {
    const res: Record<string, number> = {};
    for (const s of this.samples()) if (s.t >= from && s.t < to) res[s.region ?? 'lost'] = (res[s.region ?? 'lost'] ?? 0) + 1;
    return res;
  }
}
