// The lab's network: one namespace per host, veth links in 198.18.0.0/15, nothing in the root namespace.
//
//            client (198.18.1.10)
//               | cl0 198.18.1.9/30
//              hub  (BIRD, AS 65515; forwards; installs the best route in its kernel table)
//   ne0 198.18.1.1/30      we0 198.18.1.5/30
//      |                      |
//   nva-ne 198.18.1.2      nva-we 198.18.1.6   (ExaBGP AS 65010 + plugin, HAProxy, backends)
//   lo: 198.18.0.100/32    lo: 198.18.0.100/32   (the anycast service address, put there by the
//                                                  address unit each NVA's install.sh installs: lab.ts)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { must, mustIn, run, runIn, pidAlive } from './exec.js';

export const SERVICE_ADDR = '198.18.0.100';
export const SERVICE_PREFIX = `${SERVICE_ADDR}/32`;
export const HUB_AS = 65515;
export const NVA_AS = 65010;

export interface RegionNet {
  /** Azure-style region name: northeurope, westeurope. */
  region: string;
  /** Short tag used in namespace and interface names. */
  tag: string;
  ns: string;
  /** The NVA's link address (ExaBGP local-address, next-hop self). */
  nvaAddr: string;
  /** The hub's address on this link (the NVA's BGP peer). */
  hubAddr: string;
  /** Interface name on the hub side. */
  hubIf: string;
}

export interface Topology {
  id: string;
  hubNs: string;
  clientNs: string;
  clientAddr: string;
  hubClientAddr: string;
  regions: RegionNet[];
  namespaces: string[];
}

const NS_PREFIX = 'axlab';
/** A lab's temp dir is `<tmpdir>/lab-<LAB_DIR_PREFIX><owner pid>-…` (lab/daemons' openLab). */
export const LAB_DIR_PREFIX = 'netns-';
let seq = 0;

/** Namespace names carry the owner's pid so a later run can tell an abandoned lab from a live one. */
export function labId(tag = ''): string {
  return `${NS_PREFIX}${process.pid}x${tag}${++seq}`;
}

export const REGION_PLAN: Array<{ region: string; tag: string; link: number }> = [
  { region: 'northeurope', tag: 'ne', link: 0 },
  { region: 'westeurope', tag: 'we', link: 4 },
];

export function plan(id: string): Topology {
  const regions: RegionNet[] = REGION_PLAN.map((r) => ({
    region: r.region,
    tag: r.tag,
    ns: `${id}-${r.tag}`,
    hubAddr: `198.18.1.${r.link + 1}`,
    nvaAddr: `198.18.1.${r.link + 2}`,
    hubIf: `${r.tag}0`,
  }));
  const hubNs = `${id}-hub`;
  const clientNs = `${id}-cl`;
  return {
    id,
    hubNs,
    clientNs,
    clientAddr: '198.18.1.10',
    hubClientAddr: '198.18.1.9',
    regions,
    namespaces: [hubNs, clientNs, ...regions.map((r) => r.ns)],
  };
}

async function sysctl(ns: string, key: string, value: string): Promise<void> {
  await mustIn(ns, 'sh', ['-c', `echo ${value} > /proc/sys/${key.replace(/\./g, '/')}`]);
}

async function link(nsA: string, ifA: string, addrA: string, nsB: string, ifB: string, addrB: string): Promise<void> {
  // Created straight into the two namespaces: the root namespace never sees these names.
  await must('ip', ['link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB]);
  await must('ip', ['-n', nsA, 'addr', 'add', `${addrA}/30`, 'dev', ifA]);
  await must('ip', ['-n', nsB, 'addr', 'add', `${addrB}/30`, 'dev', ifB]);
  await must('ip', ['-n', nsA, 'link', 'set', ifA, 'up']);
  await must('ip', ['-n', nsB, 'link', 'set', ifB, 'up']);
}

/** Builds the namespaces and links. On failure it removes what it made and rethrows. */
export async function createTopology(id: string): Promise<Topology> {
  const t = plan(id);
  try {
    for (const ns of t.namespaces) {
      await must('ip', ['netns', 'add', ns]);
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Hub: a router. Loose reverse-path checks: replies from either region share the source address.
    await sysctl(t.hubNs, 'net.ipv4.ip_forward', '1');
    await sysctl(t.hubNs, 'net.ipv4.conf.all.rp_filter', '0');
    await sysctl(t.hubNs, 'net.ipv4.conf.default.rp_filter', '0');
    await link(t.hubNs, 'cl0', t.hubClientAddr, t.clientNs, 'hub0', t.clientAddr);
    await must('ip', ['-n', t.clientNs, 'route', 'add', 'default', 'via', t.hubClientAddr]);
    for (const r of t.regions) {
      await link(t.hubNs, r.hubIf, r.hubAddr, r.ns, 'hub0', r.nvaAddr);
      await must('ip', ['-n', r.ns, 'route', 'add', 'default', 'via', r.hubAddr]);
      await sysctl(r.ns, 'net.ipv4.conf.all.rp_filter', '0');
    }
    return t;
  } catch (e) {
    await destroyNamespaces(t.namespaces);
    throw e;
  }
}

/** Kills every process still inside the namespaces (only ours: we made them), then deletes them. */
export async function destroyNamespaces(namespaces: string[]): Promise<void> {
  const existing = new Set(listNamespaces());
  const mine = namespaces.filter((n) => existing.has(n));
  for (const sig of ['TERM', 'KILL'] as const) {
    let any = false;
    for (const ns of mine) {
      const r = await run('ip', ['netns', 'pids', ns]);
      for (const p of r.stdout.split(/\s+/).filter(Boolean)) {
        const pid = Number(p);
        if (pid > 1 && pid !== process.pid) {
          any = true;
          try {
            process.kill(pid, sig === 'TERM' ? 'SIGTERM' : 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    }
    if (!any) break;
    if (sig === 'TERM') {
      for (let i = 0; i < 30; i++) {
        let left = 0;
        for (const ns of mine) left += (await run('ip', ['netns', 'pids', ns])).stdout.trim() ? 1 : 0;
        if (!left) break;
        await delay(100);
      }
    }
  }
  for (const ns of mine) await run('ip', ['netns', 'del', ns]);
}

/** The last-resort form of destroyNamespaces, for an exit handler where only synchronous calls run. */
export function destroyNamespacesSync(namespaces: string[]): void {
  const existing = new Set(listNamespaces());
  for (const ns of namespaces.filter((n) => existing.has(n))) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
      if (pid > 1 && pid !== process.pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

export function listNamespaces(): string[] {
  try {
    return readdirSync('/run/netns');
  } catch {
    return [];
  }
}

/** Removes namespaces left by lab runs whose owner process is gone (a crash or SIGKILL). */
export async function sweepStale(): Promise<string[]> {
  const dead = (n: string): boolean => {
    const m = /^axlab(\d+)x/.exec(n);
    return m !== null && !pidAlive(Number(m[1]));
  };
  const stale = listNamespaces().filter(dead);
  if (stale.length) await destroyNamespaces(stale);
  // Their per-namespace /etc folders (see lab.ts) too.
  let etc: string[] = [];
  try {
    etc = readdirSync('/etc/netns').filter(dead);
  } catch {
    /* none */
  }
  for (const n of etc) rmSync(`/etc/netns/${n}`, { recursive: true, force: true });
  try {
    if (readdirSync('/etc/netns').length === 0) rmdirSync('/etc/netns');
  } catch {
    /* absent */
  }
  // And their temp dirs.
  for (const d of readdirSync(tmpdir())) {
    const m = new RegExp(`^lab-${LAB_DIR_PREFIX}(\\d+)-`).exec(d);
    // A dir kept on purpose (LAB_KEEP_DIRS=1, --keep-logs) has a KEPT marker: leave it.
    if (m && !pidAlive(Number(m[1])) && !existsSync(join(tmpdir(), d, 'KEPT'))) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  }
  return stale;
}

/** Why this machine cannot host the namespace lab (root, iproute2, kernel support), or undefined if it can. */
export async function namespacesUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = `axlabprobe${process.pid}`;
  const r = await run('ip', ['netns', 'add', probe]);
  if (r.code !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  const v = await run('ip', ['link', 'add', 'p0', 'netns', probe, 'type', 'veth', 'peer', 'name', 'p1', 'netns', probe]);
  await run('ip', ['netns', 'del', probe]);
  return v.code === 0 ? undefined : `cannot make a veth pair: ${v.stderr.trim()}`;
}

/** The hub's kernel route for the service address: the next hop it forwards to, or undefined. */
export async function hubKernelRoute(t: Topology): Promise<string | undefined> {
  const r = await runIn(undefined, 'ip', ['-n', t.hubNs, '-4', 'route', 'show', 'exact', SERVICE_PREFIX]);
  const m = /via (\S+)/.exec(r.stdout);
  return m?.[1];
}

export function regionByNextHop(t: Topology, nh: string | undefined): RegionNet | undefined {
  return t.regions.find((r) => r.nvaAddr === nh);
}
