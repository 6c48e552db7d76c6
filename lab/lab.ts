// The whole lab: namespaces, the hub, two NVAs built from `generate` output, the client.
// Used by `npm run demo`, the fault-matrix tests and the failover benchmark.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleAgents, type AgentPaths } from './agents/bundle.js';
import { ClientRun } from './client.js';
import { openLab, registerCleanup, type Lab as DaemonLab } from './daemons/index.js';
import { mustIn, run } from './exec.js';
import { Hub } from './hub.js';
import { createTopology, destroyNamespaces, destroyNamespacesSync, labId, LAB_DIR_PREFIX, SERVICE_ADDR, sweepStale, type Topology } from './netns.js';
import { Nva, type NvaFiles } from './nva.js';
import { HubWatcher } from './watch.js';

/** The generator's topology input, loosely typed: the lab only patches a few fields. */
export type TopologyInput = {
  pluginPath: string;
  nodePath?: string;
  pluginConfigPath?: string;
  stats: { source: string; timeoutMs?: number; [k: string]: unknown };
  intervalMs?: number;
  rise?: number;
  fall?: number;
  disableFile?: string;
  onStatsError?: string;
  services: Array<Record<string, unknown> & { name: string }>;
  regions: Array<{ name: string; backendServers?: Record<string, string[]>; nvas: Array<{ name: string; address: string; peers: string[] }> }>;
  [k: string]: unknown;
};

export interface LabOptions {
  /** The repository root (holds dist/exabgp-anycast.js and lab/topology.json). */
  repoRoot: string;
  /** The bundled plugin; default REPO/dist/exabgp-anycast.js. */
  plugin?: string;
  /** Plugin settings that override lab/topology.json. */
  intervalMs?: number;
  rise?: number;
  fall?: number;
  /** HAProxy server check settings. */
  haproxy?: { inter?: number; fall?: number; rise?: number };
  /** Further changes to the topology before `generate` runs (tests: onDown, stats source…). */
  patchTopology?: (t: TopologyInput) => void;
  /** Changes to each installed plugin config before ExaBGP starts: what generate always writes (stats.events). */
  patchPluginConfig?: (config: Record<string, unknown>) => void;
  /** How often the hub watcher polls BIRD (ms); default 40. */
  watchEveryMs?: number;
  log?: (msg: string) => void;
  /** Keep the temp dir (logs) after stop. */
  keepDir?: boolean;
}

/**
 * Inside each NVA namespace, /etc/exabgp is that NVA's own folder (ip netns exec bind-mounts
 * /etc/netns/NS/exabgp), so the lab keeps there every file whose in-NVA path the generated files
 * name: the bundle, the plugin config, HAProxy's stats socket, the maintenance file.
 */
export const NVA_ETC = '/etc/exabgp';

export class Lab {
  hub!: Hub;
  watcher!: HubWatcher;
  nvas: Nva[] = [];
  agents!: AgentPaths;
  topologyInput!: TopologyInput;
  private clients = 0;
  private removeCleanup?: () => void;
  private stopped = false;

  private constructor(
    readonly topo: Topology,
    /** Every process of the lab, its configs and logs (lab/daemons' scope; its dir is `dir`). */
    readonly scope: DaemonLab,
    readonly opts: LabOptions,
  ) {}

  get dir(): string {
    return this.scope.dir;
  }

  static async start(opts: LabOptions): Promise<Lab> {
    const log = opts.log ?? (() => {});
    await sweepStale();
    const id = labId();
    let topo: Topology | undefined;
    // Registered before anything exists (and before the scope, so it is closed after the scope's
    // processes): a failure half-way still removes what was made.
    const pending: { lab?: Lab } = {};
    const remove = registerCleanup({
      label: `lab ${id}`,
      async close() {
        if (pending.lab) await pending.lab.stop();
        else await removeNetwork(topo);
      },
      closeSync() {
        destroyNamespacesSync(topo?.namespaces ?? []);
        removeEtc(topo);
      },
    });
    // The owner's pid in the dir's name lets a later run remove it if this process is killed outright.
    const scope = openLab(`${LAB_DIR_PREFIX}${process.pid}`, opts.keepDir === undefined ? {} : { keepDir: opts.keepDir });
    chmodSync(scope.dir, 0o755); // the plugin runs as the exabgp user and reads its files here
    try {
      log(`creating namespaces ${id}-{hub,ne,we,cl} and veth links in 198.18.1.0/28`);
      topo = await createTopology(id);
      const lab = new Lab(topo, scope, opts);
      pending.lab = lab;
      lab.removeCleanup = remove;
      await lab.boot(log);
      return lab;
    } catch (e) {
      remove();
      if (pending.lab) await pending.lab.stop();
      else {
        await scope.close();
        await removeNetwork(topo);
      }
      throw e;
    }
  }

  private async boot(log: (m: string) => void): Promise<void> {
    this.agents = await bundleAgents(this.scope.path('agents'), this.opts.repoRoot);
    const files = await this.generate(log);
    log('starting BIRD (hub, AS 65515)');
    this.hub = await Hub.start(this.scope, this.topo);
    this.watcher = new HubWatcher(this.hub, this.topo, this.opts.watchEveryMs ?? 40);
    for (const net of this.topo.regions) {
      const f = files.get(net.region);
      if (!f) throw new Error(`generate produced nothing for ${net.region}`);
      const backends = (this.backendServers(net.region) ?? []).map((server, i) => {
        const [address = '', port = ''] = server.split(':');
        return { name: `s${i + 1}`, address, port: Number(port) };
      });
      const nva = new Nva(net, this.scope, f, backends, this.agents.backend);
      this.nvas.push(nva);
      log(`${net.region}: starting backends, HAProxy, ExaBGP + plugin in ${net.ns}`);
      await nva.startBackends();
      await nva.startHaproxy();
      await nva.startExabgp();
    }
    log('waiting for both regions to announce the service address at the hub');
    this.watcher.start();
    const all = this.topo.regions.map((r) => r.region);
    const ok = await this.watcher.until((s) => all.every((r) => s.present.includes(r)), 45_000);
    if (!ok) throw new Error(`the hub did not get a path from every region within 45 s; logs in ${this.dir}`);
  }

  backendServers(region: string): string[] | undefined {
    const r = this.topologyInput.regions.find((x) => x.name === region);
    const servers = r?.backendServers ?? {};
    return Object.values(servers)[0];
  }

  /** Host path of a file that the NVA's processes see as /etc/exabgp/NAME. */
  etcPath(nva: Nva | string, name = ''): string {
    const ns = typeof nva === 'string' ? this.nva(nva).ns : nva.ns;
    return join('/etc/netns', ns, 'exabgp', name);
  }

  /** Host path of a file given by its in-namespace path (only /etc/exabgp/… differs). */
  hostPath(nva: Nva, p: string): string {
    return p.startsWith(`${NVA_ETC}/`) ? this.etcPath(nva, p.slice(NVA_ETC.length + 1)) : p;
  }

  nva(regionOrTag: string): Nva {
    const n = this.nvas.find((x) => x.net.region === regionOrTag || x.net.tag === regionOrTag);
    if (!n) throw new Error(`no NVA for ${regionOrTag}`);
    return n;
  }

  get primary(): Nva {
    return this.nvas[0] as Nva;
  }

  get secondary(): Nva {
    return this.nvas[1] as Nva;
  }

  /**
   * Writes the topology for `generate` (lab/topology.json + options), runs it, and sets each NVA up
   * with its generated install.sh, as an operator would, under a root prefix of its own.
   */
  private async generate(log: (m: string) => void): Promise<Map<string, NvaFiles>> {
    const root = this.opts.repoRoot;
    const plugin = this.opts.plugin ?? join(root, 'dist', 'exabgp-anycast.js');
    if (!existsSync(plugin)) throw new Error(`${plugin} is missing: run npm run build first`);
    const t = JSON.parse(readFileSync(join(root, 'lab', 'topology.json'), 'utf8')) as TopologyInput;
    t.pluginPath = `${NVA_ETC}/exabgp-anycast.js`;
    t.nodePath = process.execPath;
    if (this.opts.intervalMs !== undefined) t.intervalMs = this.opts.intervalMs;
    if (this.opts.rise !== undefined) t.rise = this.opts.rise;
    if (this.opts.fall !== undefined) t.fall = this.opts.fall;
    const checks = this.opts.haproxy;
    if (checks) {
      for (const service of t.services) {
        const haproxy = (service.haproxy ?? {}) as Record<string, unknown>;
        service.haproxy = { ...haproxy, check: { ...(haproxy.check as object), ...(checks.inter !== undefined && { interMs: checks.inter }), ...(checks.fall !== undefined && { fall: checks.fall }), ...(checks.rise !== undefined && { rise: checks.rise }) } };
      }
    }
    this.opts.patchTopology?.(t);
    this.topologyInput = t;
    const topoFile = this.scope.path('topology.json');
    writeFileSync(topoFile, `${JSON.stringify(t, null, 2)}\n`);
    const out = this.scope.path('generated');
    log(`generate: ${plugin} generate ${topoFile} → ${out}`);
    const generated = await run(process.execPath, [plugin, 'generate', '--topology', topoFile, '--out', out], { timeoutMs: 30_000 });
    if (generated.code !== 0) throw new Error(`generate failed: ${generated.stderr || generated.stdout}`);
    const res = new Map<string, NvaFiles>();
    for (const net of this.topo.regions) {
      const region = t.regions.find((r) => r.name === net.region);
      const nvaName = region?.nvas[0]?.name;
      if (!nvaName) throw new Error(`topology has no NVA for ${net.region}`);
      // The NVA's root prefix is a folder of its own, except that its etc/exabgp is the namespace's own /etc/exabgp.
      const etc = join('/etc/netns', net.ns, 'exabgp');
      mkdirSync(etc, { recursive: true });
      chmodSync(etc, 0o755);
      const nvaRoot = join(nvaRootsDir(this.topo), net.tag);
      mkdirSync(join(nvaRoot, 'etc'), { recursive: true });
      symlinkSync(etc, join(nvaRoot, NVA_ETC));
      const install = await run('ip', ['netns', 'exec', net.ns, 'sh', join(out, nvaName, 'install.sh'), '--root', nvaRoot, '--bundle', plugin]);
      if (install.code !== 0) throw new Error(`install.sh failed for ${nvaName}: ${install.stderr || install.stdout}`);
      for (const line of install.stdout.trim().split('\n')) log(`${net.region}: ${line}`);
      await this.putServiceAddressesOnLo(net.ns, nvaRoot);
      const inNva = (path: string) => (path.startsWith(`${NVA_ETC}/`) ? join(etc, path.slice(NVA_ETC.length + 1)) : path);
      const sock = t.stats.source.startsWith('unix:') ? t.stats.source.slice('unix:'.length) : '';
      const pluginConf = inNva(t.pluginConfigPath ?? '/etc/exabgp-anycast/exabgp-anycast.json');
      const patchPluginConfig = this.opts.patchPluginConfig;
      if (patchPluginConfig) {
        const config = JSON.parse(readFileSync(pluginConf, 'utf8')) as Record<string, unknown>;
        patchPluginConfig(config);
        writeFileSync(pluginConf, `${JSON.stringify(config, null, 2)}\n`);
      }
      res.set(net.region, {
        exabgpConf: inNva(`${NVA_ETC}/exabgp.conf`),
        haproxyCfg: join(nvaRoot, 'etc', 'haproxy', 'haproxy.cfg'),
        pluginConf,
        statsSocket: inNva(sock),
      });
    }
    return res;
  }

  /** What systemd does at boot with the installed address unit: its commands, in the NVA's namespace. */
  private async putServiceAddressesOnLo(ns: string, nvaRoot: string): Promise<void> {
    const unit = readFileSync(join(nvaRoot, 'etc', 'systemd', 'system', 'exabgp-anycast-loopback.service'), 'utf8');
    for (const [, command = ''] of unit.matchAll(/^ExecStart=(.*)$/gm)) {
      const [program = '', ...args] = command.split(' ');
      await mustIn(ns, program, args);
    }
  }

  /** The client agent in the client namespace: one GET of the service address every periodMs. */
  async startClient(durationMs: number, opts: { periodMs?: number; timeoutMs?: number } = {}): Promise<ClientRun> {
    const proc = await this.scope.spawn({
      name: `client${++this.clients}`,
      command: process.execPath,
      args: ClientRun.args(this.agents.client, SERVICE_ADDR, { ...opts, durationMs }),
      netns: this.topo.clientNs,
    });
    return new ClientRun(proc);
  }

  /** Waits until the hub's best path is from `region` (undefined: no route at all). Returns the time it happened. */
  waitBest(region: string | undefined, timeoutMs: number): Promise<number | undefined> {
    return this.watcher.until((s) => s.best === region, timeoutMs);
  }

  waitPresent(region: string, present: boolean, timeoutMs: number): Promise<number | undefined> {
    return this.watcher.until((s) => s.present.includes(region) === present, timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.removeCleanup?.();
    this.watcher?.stop();
    // ExaBGP first (it withdraws and stops the plugin), then everything else, newest first.
    await Promise.all(this.nvas.map((n) => n.exabgp?.stop({ graceMs: 3000 })));
    await this.scope.close();
    await removeNetwork(this.topo);
  }
}

async function removeNetwork(topo: Topology | undefined): Promise<void> {
  await destroyNamespaces(topo?.namespaces ?? []);
  removeEtc(topo);
}

/**
 * Where each NVA's install.sh root prefix lives (`<dir>/<tag>`). Not in the lab's own dir: the roots
 * hold links that resolve only inside the NVA's namespace. The name lets sweepStale remove it too.
 */
function nvaRootsDir(topo: Topology): string {
  return join(tmpdir(), `lab-${LAB_DIR_PREFIX}${process.pid}-${topo.id}-nva-roots`);
}

function removeEtc(topo: Topology | undefined): void {
  if (!topo) return;
  rmSync(nvaRootsDir(topo), { recursive: true, force: true });
  for (const ns of topo.namespaces) rmSync(join('/etc/netns', ns), { recursive: true, force: true });
  try {
    if (readdirSync('/etc/netns').length === 0) rmdirSync('/etc/netns');
  } catch {
    /* absent or in use by others */
  }
}

export function repoRootFrom(start: string): string {
  let d = resolve(start);
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'lab'))) return d;
    d = resolve(d, '..');
  }
  return resolve(start);
}
