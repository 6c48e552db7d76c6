import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from './open-lab.js';
import type { SupervisedProcess } from './spawn-supervised.js';

/**
 * The ExaBGP releases the lab runs: `4.2` is Debian 12's package (4.2.21, `exabgp` on the PATH);
 * `5.0` is 5.0.13, the oldest 5.x the plugin supports, from the source vendored beside the
 * repository (../shared/vendor/exabgp-5.0.13.tar.gz, Debian 12 has no 5.x).
 */
export type ExabgpVersion = '4.2' | '5.0';
export const exabgpVersions: readonly ExabgpVersion[] = ['4.2', '5.0'];

export interface ExabgpCommand {
  command: string;
  args: string[];
  /** Added to the environment (5.0: where its source is). */
  env: Record<string, string>;
}

export interface ExabgpOptions {
  /** Names the log files; default `exabgp`. Give each ExaBGP in a lab its own. */
  name?: string;
  /** exabgp.conf text (see exabgpConfig). */
  config: string;
  /** Extra `exabgp.section.key` settings; they win over the lab's. */
  env?: Readonly<Record<string, string>>;
  /** Default `4.2`. */
  version?: ExabgpVersion;
}

export interface Exabgp {
  /** The release ExaBGP says it is, e.g. `4.2.21`. */
  readonly release: string;
  readonly configPath: string;
  /**
   * ExaBGP's own log is its stdout; its stderr is where the API processes' stderr ends up
   * (ExaBGP lets them inherit it), so plugin logs are read from `process.stderr()`.
   */
  readonly process: SupervisedProcess;
  stop(): Promise<void>;
}

/** Starts ExaBGP in the foreground and waits until it has loaded its configuration. */
export async function startExabgp(lab: Lab, options: ExabgpOptions): Promise<Exabgp> {
  const name = options.name ?? 'exabgp';
  const version = options.version ?? '4.2';
  const configPath = lab.path(`${name}.conf`);
  const envPath = lab.path(`${name}.env`);
  writeFileSync(configPath, options.config);
  // An empty env file of our own, so Debian's /etc/exabgp/exabgp.env (user exabgp, cli on) does not apply.
  writeFileSync(envPath, '');
  const { command, args, env } = exabgpCommand(version, 'server', configPath, envPath);
  const child = await lab.spawn({ name, command, args, env: { ...process.env, ...env, ...labEnvironment(), ...options.env } });
  const [, release = ''] = await child.waitForOutput(/performing reload of exabgp (\S+)/);
  if (!release.startsWith(`${version}.`)) throw new Error(`${name}: asked for ExaBGP ${version}, but ${command} ${args.join(' ')} is ExaBGP ${release}`);
  await child.waitForOutput(/loaded new configuration successfully/);
  return {
    release,
    configPath,
    process: child,
    stop: async () => {
      await child.stop();
    },
  };
}

/**
 * How to run ExaBGP `version` on `configPath`: `server` runs it; `validate` checks the config
 * offline and exits 0 or 1 (4.2's `exabgp --test`, 5.0's `exabgp validate`). `envPath` is its env
 * file (4.2 `--env`, 5.0 `--env-file`).
 */
export function exabgpCommand(version: ExabgpVersion, action: 'server' | 'validate', configPath: string, envPath?: string): ExabgpCommand {
  if (version === '4.2') {
    const env = envPath === undefined ? [] : ['--env', envPath];
    return { command: 'exabgp', args: [...env, ...(action === 'validate' ? ['--test'] : []), configPath], env: {} };
  }
  const env = envPath === undefined ? [] : ['--env-file', envPath];
  // Debian's python3 (ExaBGP 4.2's own): the vendored README was checked with it, whatever else is on the PATH.
  return { command: '/usr/bin/python3', args: ['-m', 'exabgp', ...env, action, configPath], env: { PYTHONPATH: vendoredExabgp5Source() } };
}

// --- internal ---

const exabgp5 = 'exabgp-5.0.13';

/**
 * The vendored ExaBGP 5.0.13's `src` dir, unpacked once into node_modules/.cache (it is pure
 * Python: PYTHONPATH is its whole install).
 */
function vendoredExabgp5Source(): string {
  const root = repositoryRoot();
  const unpacked = join(root, 'node_modules/.cache', exabgp5);
  const source = join(unpacked, 'src');
  if (existsSync(join(source, 'exabgp/__main__.py'))) return source;
  const tarball = resolve(root, '..', 'shared/vendor', `${exabgp5}.tar.gz`);
  if (!existsSync(tarball)) {
    throw new Error(`ExaBGP 5.0.13's source is missing: expected ${tarball} (the shared/ dir beside the repository, see its vendor/README.md)`);
  }
  mkdirSync(dirname(unpacked), { recursive: true });
  // Unpacked beside the cache and renamed into place, so a half-done unpack is never used.
  const staging = mkdtempSync(`${unpacked}.partial-`);
  try {
    execFileSync('tar', ['xzf', tarball, '-C', staging]);
    if (!existsSync(unpacked)) renameSync(join(staging, exabgp5), unpacked);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return source;
}

/** The dir with package.json and lab/, above this file (also when a bundle of it runs from node_modules/.cache). */
function repositoryRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lab/daemons'))) return dir;
  }
  throw new Error(`no repository root (package.json and lab/daemons) above ${fileURLToPath(import.meta.url)}`);
}

function labEnvironment(): Record<string, string> {
  return {
    // ExaBGP drops privileges to this user before starting API processes; the default (nobody)
    // could not read the lab dir, which mkdtemp makes private.
    'exabgp.daemon.user': userInfo().username,
    'exabgp.daemon.daemonize': 'false',
    // The CLI needs named pipes under /run/exabgp and warns about them on every start.
    'exabgp.api.cli': 'false',
    'exabgp.log.destination': 'stdout',
  };
}
