// The Debian packages themselves are installed by scripts/ensure-setup.mjs, which `npm run demo`
// and `npm run bench:failover` run first; this only makes their programs findable.

/** The daemons live in /usr/sbin, which a non-root user's PATH often lacks. */
export function addSbinToPath(): void {
  const parts = (process.env.PATH ?? '').split(':');
  for (const d of ['/usr/sbin', '/sbin']) if (!parts.includes(d)) parts.push(d);
  process.env.PATH = parts.filter(Boolean).join(':');
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}
