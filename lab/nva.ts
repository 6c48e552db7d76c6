// One region's NVA: HAProxy in front of two backend web servers, ExaBGP running the bundled plugin.
// Everything runs inside the region's namespace; the service address 198.18.0.100 is on its loopback.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidAlive, run, sleep, startProcess, waitFor, type LabProcess } from './exec.js';
import type { RegionNet } from './netns.js';

export interface BackendSpec {
  name: string;
  port: number;
}

export interface NvaFiles {
  /** The ExaBGP configuration (from `generate`). */
  exabgpConf: string;
  /** The HAProxy configuration (from `generate`, or the lab's own when the generator has none). */
  haproxyCfg: string;
  /** The plugin's JSON configuration. */
  pluginConf: string;
  /** HAProxy's stats socket path (as the plugin reads it). */
  statsSocket: string;
}

/** Words the backends put in their page, as in the seed. */
export function regionWords(region: string): string {
  return region === 'northeurope' ? 'North Europe' : region === 'westeurope' ? 'West Europe' : region;
}

export const EXABGP_USER = 'exabgp';

export class Nva {
  backends = new Map<string, LabProcess>();
  haproxy?: LabProcess;
  exabgp?: LabProcess;
  /** Lines ExaBGP's process wrote (ExaBGP logs and the plugin's stderr). */
  exabgpLines: string[] = [];

  constructor(
    readonly net: RegionNet,
    readonly dir: string,
    readonly files: NvaFiles,
    readonly backendSpecs: BackendSpec[],
    readonly backendAgent: string,
  ) {}

  get ns(): string {
    return this.net.ns;
  }

  /** When each backend last started accepting connections (epoch ms), as it reported. */
  listeningAt = new Map<string, number>();

  startBackend(name: string): LabProcess {
    const spec = this.backendSpecs.find((b) => b.name === name);
    if (!spec) throw new Error(`no backend ${name}`);
    this.listeningAt.delete(name);
    const p = startProcess(`${this.net.tag}-${name}`, this.ns, process.execPath, [this.backendAgent, '127.0.0.1', String(spec.port), regionWords(this.net.region), name], join(this.dir, `backend-${name}.log`), {
      onStdoutLine: (line) => {
        const m = /^listening (\d+)/.exec(line);
        if (m) this.listeningAt.set(name, Number(m[1]));
      },
    });
    this.backends.set(name, p);
    return p;
  }

  async startBackends(): Promise<void> {
    for (const b of this.backendSpecs) this.startBackend(b.name);
    for (const b of this.backendSpecs) {
      const ok = await waitFor(() => this.listeningAt.has(b.name) || undefined, 5000, 20);
      if (!ok) throw new Error(`backend ${b.name} in ${this.ns} did not start`);
    }
  }

  async portListening(port: number): Promise<boolean> {
    const r = await run('ip', ['netns', 'exec', this.ns, 'ss', '-Hltn', `sport = :${port}`]);
    return r.stdout.trim().length > 0;
  }

  async killBackend(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.backends.get(name);
    if (p?.running()) {
      p.child.kill(signal);
      await p.exited;
    }
  }

  async killBackends(): Promise<void> {
    await Promise.all([...this.backends.keys()].map((n) => this.killBackend(n)));
  }

  /** Restarts the dead backends; resolves with the moment the first of them accepted connections. */
  async restoreBackends(): Promise<number> {
    const started = this.backendSpecs.filter((b) => !this.backends.get(b.name)?.running());
    for (const b of started) this.startBackend(b.name);
    for (const b of started) await waitFor(() => this.listeningAt.has(b.name) || undefined, 5000, 10);
    const times = started.map((b) => this.listeningAt.get(b.name)).filter((t): t is number => t !== undefined);
    return times.length ? Math.min(...times) : Date.now();
  }

  async startHaproxy(): Promise<void> {
    const check = await run('ip', ['netns', 'exec', this.ns, 'haproxy', '-c', '-q', '-f', this.files.haproxyCfg]);
    if (check.code !== 0) throw new Error(`haproxy -c failed for ${this.net.region}: ${check.stdout}${check.stderr}`);
    this.haproxy = startProcess(`${this.net.tag}-haproxy`, this.ns, 'haproxy', ['-db', '-f', this.files.haproxyCfg], join(this.dir, 'haproxy.log'));
    const ok = await waitFor(() => existsSync(this.files.statsSocket) && this.portListening(80), 5000, 50);
    if (!ok) throw new Error(`HAProxy in ${this.ns} did not start; see ${join(this.dir, 'haproxy.log')}`);
    // The plugin runs as ExaBGP's unprivileged user (as Debian's unit does). The generated socket is
    // group haproxy, which an operator adds exabgp to; the lab leaves the host's groups alone and
    // hands the socket to the exabgp group instead.
    if (this.files.statsSocket) await run('chgrp', [EXABGP_USER, this.files.statsSocket]);
  }

  async killHaproxy(): Promise<void> {
    if (this.haproxy?.running()) {
      this.haproxy.child.kill('SIGKILL');
      await this.haproxy.exited;
    }
  }

  exabgpEnv(): NodeJS.ProcessEnv {
    return {
      'exabgp.daemon.user': EXABGP_USER,
      'exabgp.api.cli': 'false',
      'exabgp.log.destination': 'stdout',
      'exabgp.log.level': 'INFO',
      'exabgp.daemon.daemonize': 'false',
    };
  }

  async startExabgp(): Promise<void> {
    const test = await run('ip', ['netns', 'exec', this.ns, 'env', ...Object.entries(this.exabgpEnv()).map(([k, v]) => `${k}=${v}`), 'exabgp', '--test', this.files.exabgpConf], { timeoutMs: 20_000 });
    if (test.code !== 0) throw new Error(`exabgp --test failed for ${this.net.region}: ${test.stdout}${test.stderr}`);
    this.exabgpLines = [];
    this.exabgp = startProcess(`${this.net.tag}-exabgp`, this.ns, 'exabgp', [this.files.exabgpConf], join(this.dir, 'exabgp.log'), {
      env: this.exabgpEnv(),
      onStdoutLine: (l) => {
        this.exabgpLines.push(l);
        if (this.exabgpLines.length > 20_000) this.exabgpLines.splice(0, 10_000);
      },
    });
  }

  async stopExabgp(signal: NodeJS.Signals = 'SIGTERM', waitMs = 10_000): Promise<void> {
    if (this.exabgp?.running()) {
      this.exabgp.child.kill(signal);
      await Promise.race([this.exabgp.exited, sleep(waitMs)]);
    }
  }

  /** Sends a signal to the plugin (ExaBGP's child); returns the pids signalled. */
  signalPlugin(signal: NodeJS.Signals): number[] {
    const pids = this.pluginPids();
    for (const p of pids) process.kill(p, signal);
    return pids;
  }

  /** The plugin's pid: ExaBGP's child process. */
  pluginPids(): number[] {
    const pid = this.exabgp?.pid;
    if (!pid || !this.exabgp?.running()) return [];
    return childrenOf(pid);
  }
}

/** Direct children of a process, from /proc. */
export function childrenOf(pid: number): number[] {
  const res: number[] = [];
  try {
    for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) res.push(Number(task));
  } catch {
    /* gone */
  }
  return res.filter((p) => pidAlive(p));
}
