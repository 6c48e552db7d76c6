// Checks for the Debian packages the lab needs; installs the missing ones when run as root.
import { run } from './exec.js';

export const NEEDED: Array<{ pkg: string; cmd: string }> = [
  { pkg: 'haproxy', cmd: 'haproxy' },
  { pkg: 'exabgp', cmd: 'exabgp' },
  { pkg: 'bird2', cmd: 'bird' },
  { pkg: 'bird2', cmd: 'birdc' },
  { pkg: 'iproute2', cmd: 'ip' },
  { pkg: 'iproute2', cmd: 'ss' },
];

async function installed(pkg: string): Promise<boolean> {
  const r = await run('dpkg-query', ['-W', '-f=${Status}', pkg]);
  return r.stdout.includes('install ok installed');
}

async function has(cmd: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${cmd}`])).code === 0;
}

/** The daemons live in /usr/sbin, which a non-root user's PATH often lacks. */
export function addSbinToPath(): void {
  const parts = (process.env.PATH ?? '').split(':');
  for (const d of ['/usr/sbin', '/sbin']) if (!parts.includes(d)) parts.push(d);
  process.env.PATH = parts.filter(Boolean).join(':');
}

export async function missingPackages(): Promise<string[]> {
  addSbinToPath();
  const missing = new Set<string>();
  for (const n of NEEDED) if (!(await installed(n.pkg)) && !(await has(n.cmd))) missing.add(n.pkg);
  return [...missing];
}

/** Returns normally when everything is there (after installing it as root), throws naming what is missing otherwise. */
export async function ensurePackages(log: (m: string) => void): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`Node.js 20 or later is needed (this is ${process.versions.node})`);
  let missing = await missingPackages();
  if (!missing.length) return;
  const root = process.getuid?.() === 0;
  if (!root) throw new Error(`missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  log(`installing missing Debian packages: ${missing.join(' ')}`);
  await run('apt-get', ['update'], { timeoutMs: 300_000 });
  const r = await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { timeoutMs: 600_000 });
  missing = await missingPackages();
  if (missing.length) throw new Error(`could not install ${missing.join(' ')}: ${r.stderr.split('\n').slice(-5).join(' ')}`);
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
