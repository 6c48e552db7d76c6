import { writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Lab } from './open-lab.js';
import type { SupervisedProcess } from './spawn-supervised.js';

export interface ExabgpOptions {
  /** Names the log files; default `exabgp`. Give each ExaBGP in a lab its own. */
  name?: string;
  /** exabgp.conf text (see exabgpConfig). */
  config: string;
  /** Extra `exabgp.section.key` settings; they win over the lab's. */
  env?: Readonly<Record<string, string>>;
}

export interface Exabgp {
  readonly configPath: string;
  /**
   * ExaBGP's own log is its stdout; its stderr is where the API processes' stderr ends up
   * (ExaBGP lets them inherit it), so plugin logs are read from `process.stderr()`.
   */
  readonly process: SupervisedProcess;
  stop(): Promise<void>;
}

/** Starts ExaBGP 4.2 in the foreground and waits until it has loaded its configuration. */
export async function startExabgp(lab: Lab, options: ExabgpOptions): Promise<Exabgp> {
  const name = options.name ?? 'exabgp';
  const configPath = lab.path(`${name}.conf`);
  const envPath = lab.path(`${name}.env`);
  writeFileSync(configPath, options.config);
  // An empty env file of our own, so Debian's /etc/exabgp/exabgp.env (user exabgp, cli on) does not apply.
  writeFileSync(envPath, '');
  const child = await lab.spawn({
    name,
    command: 'exabgp',
    args: ['--env', envPath, configPath],
    env: { ...process.env, ...labEnvironment(), ...options.env },
  });
  await child.waitForOutput(/loaded new configuration successfully/);
  return {
    configPath,
    process: child,
    stop: async () => {
      await child.stop();
    },
  };
}

// --- internal ---

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
