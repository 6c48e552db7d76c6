// One region's NVA: HAProxy in front of two backend web servers, ExaBGP running the bundled plugin.
// Everything runs inside the region's namespace; the service address 198.18.0.100 is on its loopback.
import { existsSync, readFileSync } from 'node:fs';
import { askHaproxy } from '../src/haproxy/ask-haproxy.js';
import { pidOfShowInfo } from '../src/haproxy/parse-haproxy-event.js';
import { waitFor, type Lab as DaemonLab, type SpawnOptions, type SupervisedProcess } from './daemons/index.js';
import { pidAlive, run } from './exec.js';
import type { RegionNet } from './netns.js';

export interface BackendSpec {
  name: string;
  /** The NVA's own link address: the other region's HAProxy reaches it over the bridge. */
  address: string;
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
  backends = new Map<string, SupervisedProcess>();
  haproxy?: SupervisedProcess;
  exabgp?: SupervisedProcess;

  constructor(
    readonly net: RegionNet,
    private readonly scope: DaemonLab,
    readonly files: NvaFiles,
    readonly backendSpecs: BackendSpec[],
    readonly backendAgent: string,
  ) {}

  get ns(): string {
    return this.net.ns;
  }

  /** Starts a program in this NVA's namespace, logs named `<tag>-<name>.*.log` in the lab dir. */
  spawn(options: Omit<SpawnOptions, 'logDir' | 'netns'>): Promise<SupervisedProcess> {
    return this.scope.spawn({ ...options, name: `${this.net.tag}-${options.name}`, netns: this.ns });
  }

  /** Starts one backend; resolves with the moment it accepted connections (epoch ms, as it reported). */
  async startBackend(name: string): Promise<number> {
    const spec = this.backendSpecs.find((b) => b.name === name);
    if (!spec) throw new Error(`no backend ${name}`);
    const p = await this.spawn({
      name,
      command: process.execPath,
      args: [this.backendAgent, spec.address, String(spec.port), regionWords(this.net.region), name],
    });
    this.backends.set(name, p);
    const [, listeningAt] = await p.waitForOutput(/^listening (\d+)$/m, { timeoutMs: 5000, intervalMs: 10 });
    return Number(listeningAt);
  }

  async startBackends(): Promise<void> {
    await Promise.all(this.backendSpecs.map((b) => this.startBackend(b.name)));
  }

  async portListening(port: number): Promise<boolean> {
    const r = await run('ip', ['netns', 'exec', this.ns, 'ss', '-Hltn', `sport = :${port}`]);
    return r.stdout.trim().length > 0;
  }

  /** The backend dies (SIGKILL: no goodbye to open connections). */
  async killBackend(name: string): Promise<void> {
    const p = this.backends.get(name);
    if (p?.running()) p.signal('SIGKILL');
    await p?.stop();
  }

  async killBackends(): Promise<void> {
    await Promise.all([...this.backends.keys()].map((n) => this.killBackend(n)));
  }

  /**
   * The backends stop answering without refusing: packets to them are dropped in this namespace,
   * from the local HAProxy and from the other region's bridge alike, as when a link or VM hangs.
   */
  async blackholeBackends(): Promise<void> {
    const ports = this.backendSpecs.map((b) => b.port).join(', ');
    const addresses = [...new Set(this.backendSpecs.map((b) => b.address))].join(', ');
    const rules = [
      'table inet lab_blackhole {',
      '  chain output { type filter hook output priority 0; policy accept;',
      `    ip daddr { ${addresses} } tcp dport { ${ports} } drop`,
      '  }',
      '  chain input { type filter hook input priority 0; policy accept;',
      `    ip daddr { ${addresses} } tcp dport { ${ports} } drop`,
      '  }',
      '}',
    ].join('\n');
    const r = await run('ip', ['netns', 'exec', this.ns, 'nft', '-f', '-'], { input: rules });
    if (r.code !== 0) throw new Error(`${this.ns}: nft refused the blackhole rules: ${r.stderr}`);
  }

  /** Removes blackholeBackends' rules (none is fine). */
  async restoreBackendPaths(): Promise<void> {
    await run('ip', ['netns', 'exec', this.ns, 'nft', 'delete', 'table', 'inet', 'lab_blackhole']);
  }

  backendsRunning(): boolean {
    return this.backendSpecs.every((b) => this.backends.get(b.name)?.running() === true);
  }

  /** Restarts the dead backends; resolves with the moment the first of them accepted connections. */
  async restoreBackends(): Promise<number> {
    const dead = this.backendSpecs.filter((b) => !this.backends.get(b.name)?.running());
    const times = await Promise.all(dead.map((b) => this.startBackend(b.name)));
    return times.length ? Math.min(...times) : Date.now();
  }

  async startHaproxy(): Promise<void> {
    const check = await run('ip', ['netns', 'exec', this.ns, 'haproxy', '-c', '-q', '-f', this.files.haproxyCfg]);
    if (check.code !== 0) throw new Error(`haproxy -c failed for ${this.net.region}: ${check.stdout}${check.stderr}`);
    const haproxy = await this.spawn({ name: 'haproxy', command: 'haproxy', args: ['-db', '-f', this.files.haproxyCfg] });
    this.haproxy = haproxy;
    await haproxy.waitFor('the stats socket and port 80', async () => existsSync(this.files.statsSocket) && this.portListening(80));
  }

  /**
   * Reloads HAProxy as `systemctl reload` does without a master process: a new HAProxy with the
   * current haproxy.cfg and `-sf <old pid>`, which takes over the listeners and tells the old one to
   * finish. Resolves once the new process answers on the stats socket. The old one lives on while a
   * client holds a connection to it (a `show events -w` stream does): `oldExited` resolves once it
   * is gone and rejects if it is still there after `oldExitTimeoutMs`.
   */
  async reloadHaproxy(oldExitTimeoutMs = 10_000): Promise<{ oldPid: number; newPid: number; oldExited: Promise<void> }> {
    const old = this.haproxy;
    if (!old?.running()) throw new Error(`${this.ns}: no HAProxy running to reload`);
    const check = await run('ip', ['netns', 'exec', this.ns, 'haproxy', '-c', '-q', '-f', this.files.haproxyCfg]);
    if (check.code !== 0) throw new Error(`haproxy -c failed for ${this.net.region}: ${check.stdout}${check.stderr}`);
    const haproxy = await this.spawn({ name: 'haproxy', command: 'haproxy', args: ['-db', '-f', this.files.haproxyCfg, '-sf', String(old.pid)] });
    this.haproxy = haproxy;
    await haproxy.waitFor('the stats socket to answer from the new process', async () => (await this.haproxyPid()) === haproxy.pid);
    const oldExited = waitFor(`${this.ns}: the old HAProxy (pid ${old.pid}) to exit after the reload (a client holding a connection keeps it alive)`, () => !old.running(), {
      timeoutMs: oldExitTimeoutMs,
      intervalMs: 20,
    }).then(() => undefined);
    return { oldPid: old.pid, newPid: haproxy.pid, oldExited };
  }

  /** The pid of the HAProxy process that answers on the stats socket now (`show info`). */
  async haproxyPid(): Promise<number | undefined> {
    return pidOfShowInfo(await askHaproxy({ path: this.files.statsSocket }, 'show info', { timeoutMs: 2000 }));
  }

  /** The plugin's `GET /metrics`, fetched inside this namespace from its config's `metrics.listen`. */
  async pluginMetrics(): Promise<string> {
    const listen = (JSON.parse(readFileSync(this.files.pluginConf, 'utf8')) as { metrics?: { listen?: string } }).metrics?.listen;
    if (!listen) throw new Error(`${this.files.pluginConf} sets no metrics.listen`);
    const fetchMetrics = `fetch('http://${listen}/metrics', { signal: AbortSignal.timeout(2000) }).then(async (r) => { if (!r.ok) throw new Error('HTTP ' + r.status); process.stdout.write(await r.text()); })`;
    const r = await run('ip', ['netns', 'exec', this.ns, process.execPath, '-e', fetchMetrics]);
    if (r.code !== 0) throw new Error(`${this.ns}: GET http://${listen}/metrics failed: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async killHaproxy(): Promise<void> {
    if (this.haproxy?.running()) this.haproxy.signal('SIGKILL');
    await this.haproxy?.stop();
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
    const env = this.exabgpEnv();
    const test = await run('ip', ['netns', 'exec', this.ns, 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'exabgp', '--test', this.files.exabgpConf], { timeoutMs: 20_000 });
    if (test.code !== 0) throw new Error(`exabgp --test failed for ${this.net.region}: ${test.stdout}${test.stderr}`);
    this.exabgp = await this.spawn({ name: 'exabgp', command: 'exabgp', args: [this.files.exabgpConf], env: { ...process.env, ...env } });
  }

  /** Everything ExaBGP's API processes (the plugin) wrote to stderr, across ExaBGP restarts. */
  pluginLog(): string {
    return this.exabgp ? readFileSync(this.exabgp.stderrPath, 'utf8') : '';
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

  /** Waits until ExaBGP runs a plugin other than `old` (it respawns one that died); returns its pid. */
  async waitForRespawnedPlugin(old: number | undefined): Promise<number> {
    const exabgp = this.exabgp;
    if (!exabgp) throw new Error(`${this.ns}: ExaBGP is not running`);
    return exabgp.waitFor('a respawned plugin', () => this.pluginPids().find((p) => p !== old), { timeoutMs: 10_000 });
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
