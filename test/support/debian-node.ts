// Debian 12's own Node.js (the `nodejs` package, 18.20), for running the bundle as operators on
// Debian 12 will, on a machine whose `node` is a newer one. It is unpacked from Debian's .deb files
// into a cache dir; nothing is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = join(repoRoot, 'node_modules/.cache/debian-node');

/**
 * The command that runs Debian's node: a shell script at a fixed path, so a vitest project can name
 * it before it exists (`ensureDebianNode` writes it).
 */
export const debianNodePath = join(cacheDir, 'node');

/** The `nodejs` major version Debian 12 ships. */
const debianMajor = '18';

/**
 * Makes `debianNodePath` run Debian 12's node, downloading its packages with `apt-get download`
 * the first time (about 12 MB), and checks that it starts. Needs root: the script mounts.
 * Returns the version it runs, e.g. `v18.20.4`.
 */
export function ensureDebianNode(): string {
  let version = debianNodeVersion();
  let root = unpackedRoot(version);
  if (!existsSync(root)) {
    try {
      unpackPackages(version, root);
    } catch (error) {
      // Package lists older than the mirror name files it no longer has (a security update
      // replaced them): refresh the lists once and take what they name now.
      console.error(`apt-get download of nodejs ${version} failed (${String(error)}); running apt-get update and trying again`);
      aptGetUpdate();
      version = debianNodeVersion();
      root = unpackedRoot(version);
      if (!existsSync(root)) unpackPackages(version, root);
    }
  }
  writeScript(root);
  const started = spawnSync(debianNodePath, ['-p', 'process.version'], { encoding: 'utf8' });
  const running = started.stdout.trim();
  if (started.status !== 0 || !running.startsWith(`v${debianMajor}.`)) {
    throw new Error(`${debianNodePath} (Debian's nodejs ${version}) did not start: exit ${started.status}, output ${JSON.stringify(running)}\n${started.stderr}`);
  }
  return running;
}

// --- internal ---

const unpackedRoot = (version: string) => join(cacheDir, version.replace(/[^\w.-]/g, '_'), 'root');

const aptGetUpdate = () => execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });

/** The newest `nodejs` 18.x the apt sources offer (the security update when there is one). */
function debianNodeVersion(): string {
  const newest = () =>
    execFileSync('apt-cache', ['madison', 'nodejs'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split('|')[1]?.trim() ?? '')
      .filter((version) => version.startsWith(`${debianMajor}.`))
      .sort((a, b) => (spawnSync('dpkg', ['--compare-versions', a, 'gt', b]).status === 0 ? -1 : 1))[0];
  let version = newest();
  if (version === undefined) {
    aptGetUpdate();
    version = newest();
  }
  if (version === undefined) {
    throw new Error(`no nodejs ${debianMajor}.x in the apt sources (apt-cache madison nodejs); Debian 12 (bookworm) main is needed`);
  }
  return version;
}

/**
 * `nodejs` and what it needs that this machine lacks: `libnodeNNN` at the same version, the
 * `node-*` packages it loads JavaScript from (acorn, cjs-module-lexer, undici, …) and any shared
 * library not installed here (e.g. libc-ares2 next to a non-Debian node).
 */
function packagesFor(version: string): string[] {
  const wanted = [`nodejs=${version}`];
  const seen = new Set(['nodejs']);
  // One apt-cache call per level of the dependency tree: each call takes seconds.
  for (let level = wanted; level.length > 0; ) {
    const fields = execFileSync('apt-cache', ['show', '--no-all-versions', ...level], { encoding: 'utf8' });
    const next: string[] = [];
    for (const [, depends = ''] of fields.matchAll(/^(?:Pre-)?Depends: (.*)$/gm)) {
      for (const group of depends.split(',')) {
        // The first alternative is the one apt would pick; `nodejs:any | nodejs (<< …)` names ourselves.
        const [, name, exactVersion] = /^\s*([\w.+-]+)(?::\w+)?\s*(?:\(\s*=\s*([^)\s]+)\s*\))?/.exec(group.split('|')[0] ?? '') ?? [];
        if (name === undefined || seen.has(name)) continue;
        seen.add(name);
        if (exactVersion !== undefined) next.push(`${name}=${exactVersion}`);
        else if (name.startsWith('node-') || !isInstalled(name)) next.push(name);
      }
    }
    wanted.push(...next);
    level = next;
  }
  return wanted;
}

function isInstalled(name: string): boolean {
  return spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', name], { encoding: 'utf8' }).stdout === 'installed';
}

/** Downloads and unpacks into a dir beside `root`, then renames it: a half-done unpack is never used. */
function unpackPackages(version: string, root: string): void {
  mkdirSync(dirname(root), { recursive: true });
  const staging = mkdtempSync(`${root}.partial-`);
  try {
    // _apt (apt's download user) must be able to write here, or apt warns and downloads as root.
    chmodSync(staging, 0o777);
    execFileSync('apt-get', ['download', '-qq', ...packagesFor(version)], { cwd: staging, stdio: ['ignore', 'ignore', 'inherit'] });
    const debs = readdirSync(staging).filter((file) => file.endsWith('.deb'));
    for (const deb of debs) execFileSync('dpkg-deb', ['-x', join(staging, deb), join(staging, 'root')]);
    renameSync(join(staging, 'root'), root);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Debian's node loads parts of itself (cjs-module-lexer, acorn, undici) from /usr/share/nodejs at
 * every start, and links libnode from /usr/lib. So the script runs it in a mount namespace of its
 * own, where the unpacked /usr/share lies over the machine's (an overlay: /usr/share/nodejs need
 * not exist to be mounted on), and with LD_LIBRARY_PATH at the unpacked libraries. `exec` all the
 * way down keeps one pid, so signals sent to the spawned process reach node.
 */
function writeScript(root: string): void {
  const libnode = readdirSync(join(root, 'usr/lib'), { recursive: true, encoding: 'utf8' }).find((path) => /(^|\/)libnode\.so\.\d+$/.test(path));
  if (libnode === undefined) throw new Error(`no libnode.so under ${root}/usr/lib: the unpacked nodejs packages are incomplete; delete ${dirname(root)} and run again`);
  if (/[:,\s'"\\]/.test(root)) throw new Error(`${root}: the path cannot be given to mount -t overlay; clone the repository to a path without : , quotes or blanks`);
  const script = [
    '#!/bin/sh',
    `# Debian 12's node, unpacked by test/support/debian-node.ts; runs it with its own /usr/share/nodejs.`,
    `exec unshare --mount --propagation private sh -c 'mount -t overlay debian-node -o "lowerdir=$0/usr/share:/usr/share" /usr/share && LD_LIBRARY_PATH="$0/usr/lib/${dirname(libnode)}" exec "$0/usr/bin/node" "$@"' '${root}' "$@"`,
    '',
  ].join('\n');
  const partial = `${debianNodePath}.partial-${process.pid}`;
  writeFileSync(partial, script, { mode: 0o755 });
  renameSync(partial, debianNodePath);
}
