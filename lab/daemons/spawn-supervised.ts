import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { registerCleanup } from './cleanup-registry.js';
import { sessionMembers, signalSession } from './session-members.js';
import { waitFor, type WaitOptions } from './wait-for.js';

export interface SpawnOptions {
  /** Names the log files (`<name>.stdout.log`, `<name>.stderr.log`) and appears in every error. */
  name: string;
  command: string;
  args?: readonly string[];
  /** Directory for the log files; it must exist. */
  logDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * A network namespace to run in (`ip netns exec NS`, which execs the command, so `pid` is still
   * the program's own). Only the lab's own namespaces: the caller made them.
   */
  netns?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** How long SIGTERM gets before SIGKILL; default 5 s. */
  graceMs?: number;
}

export interface SupervisedProcess {
  readonly name: string;
  readonly pid: number;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  /** Settles when the process itself (not its descendants) has exited. */
  readonly exited: Promise<ExitInfo>;
  running(): boolean;
  /**
   * Everything this process wrote to stdout so far. A program started again under the same name
   * appends to the same file; this is only the current run's part.
   */
  stdout(): string;
  /** The same for stderr (for ExaBGP this includes its API processes' stderr). */
  stderr(): string;
  /** Sends `signal` to the program itself (not its descendants): a fault, or a reload. */
  signal(signal: NodeJS.Signals): void;
  /** The last `lines` lines of both logs, labelled, for error messages. */
  tail(lines?: number): string;
  /** `waitFor` that gives up as soon as this process exits and appends its log tail on failure. */
  waitFor<T>(description: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, options?: WaitOptions): Promise<T>;
  /** Waits until stdout or stderr matches `pattern`; resolves with the match. */
  waitForOutput(pattern: RegExp, options?: WaitOptions): Promise<RegExpMatchArray>;
  /**
   * SIGTERM, then SIGKILL after the grace period; then the same for any descendant left behind
   * (found through the session, see sessionMembers). Safe to call more than once.
   */
  stop(options?: StopOptions): Promise<ExitInfo>;
}

/**
 * Starts a long-running program with stdout and stderr going straight to files (the kernel writes
 * them, so nothing is lost if this process is busy or dies) and registers it for cleanup.
 * Resolves once the program has been exec'd; readiness is the caller's business (waitFor*).
 */
export async function spawnSupervised(options: SpawnOptions): Promise<SupervisedProcess> {
  const { name } = options;
  const stdoutPath = join(options.logDir, `${name}.stdout.log`);
  const stderrPath = join(options.logDir, `${name}.stderr.log`);
  const stdoutFd = openSync(stdoutPath, 'a');
  const stderrFd = openSync(stderrPath, 'a');
  // Where this run's output starts in the (appended) files.
  const stdoutStart = fstatSync(stdoutFd).size;
  const stderrStart = fstatSync(stderrFd).size;
  const [command, args] = withParentDeathSignal(...inNamespace(options.netns, options.command, options.args ?? []));
  let child;
  try {
    // detached: the daemon leads a new session, which is how stop() later finds all it started.
    child = spawn(command, args, {
      stdio: ['ignore', stdoutFd, stderrFd],
      env: options.env ?? process.env,
      cwd: options.cwd,
      detached: true,
    });
  } finally {
    // The child has its own copies once spawn() returns.
    closeSync(stdoutFd);
    closeSync(stderrFd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`${name}: could not start ${options.command}`, { cause: error })));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: started without a pid`);

  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });

  const read = (path: string, from: number): string => (existsSync(path) ? readFileSync(path).subarray(from).toString('utf8') : '');
  const stdout = (): string => read(stdoutPath, stdoutStart);
  const stderr = (): string => read(stderrPath, stderrStart);
  const tail = (lines = 20): string =>
    [`--- ${name} stdout (${stdoutPath}) ---`, lastLines(stdout(), lines), `--- ${name} stderr (${stderrPath}) ---`, lastLines(stderr(), lines)].join(
      '\n',
    );

  let stopping: Promise<ExitInfo> | undefined;
  // Once stopped, a later call (the lab closing everything) costs nothing.
  const stop = ({ graceMs = 5000 }: StopOptions = {}): Promise<ExitInfo> =>
    (stopping ??= (async () => {
      if (exit === undefined) {
        // Only the leader gets SIGTERM: daemons shut their own children down in order.
        signalLeader(pid, 'SIGTERM');
        if (!(await settlesWithin(exited, graceMs))) signalSession(pid, 'SIGKILL');
      }
      const result = await exited;
      await stopLeftovers(pid, graceMs);
      unregister();
      return result;
    })());

  const unregister = registerCleanup({
    label: `${name} (pid ${pid})`,
    close: async () => {
      await stop();
    },
    closeSync: () => {
      signalSession(pid, 'SIGKILL');
    },
  });

  const processWaitFor: SupervisedProcess['waitFor'] = (description, probe, waitOptions = {}) =>
    waitFor(`${name}: ${description}`, probe, {
      ...waitOptions,
      abortIf: () => (exit === undefined ? waitOptions.abortIf?.() : `${name} exited (${describeExit(exit)})`),
      context: () => [waitOptions.context?.(), tail()].filter(Boolean).join('\n'),
    });

  return {
    name,
    pid,
    stdoutPath,
    stderrPath,
    exited,
    running: () => exit === undefined,
    stdout,
    stderr,
    signal: (signal) => signalLeader(pid, signal),
    tail,
    waitFor: processWaitFor,
    waitForOutput: (pattern, waitOptions) => processWaitFor(`output matching ${String(pattern)}`, () => `${stdout()}\n${stderr()}`.match(pattern), waitOptions),
    stop,
  };
}

// --- internal ---

const setprivPath = '/usr/bin/setpriv';

/**
 * Wraps the command in `setpriv --pdeathsig KILL` when available: the kernel then kills the daemon
 * if this Node process dies without running any cleanup (SIGKILL, OOM, a vitest worker torn down).
 */
function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  return existsSync(setprivPath) ? [setprivPath, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, [...args]];
}

function inNamespace(netns: string | undefined, command: string, args: readonly string[]): [string, readonly string[]] {
  return netns === undefined ? [command, args] : ['ip', ['netns', 'exec', netns, command, ...args]];
}

function signalLeader(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone (a concurrent stop, or it died on its own): `exited` settles either way.
  }
}

/** Like racing a delay, but the timer is cleared so it cannot keep a finished program alive. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Descendants that outlived the leader (orphans of a crash, or helpers that ignore their parent). */
async function stopLeftovers(sessionId: number, graceMs: number): Promise<void> {
  if (signalSession(sessionId, 'SIGTERM') === 0) return;
  const deadline = Date.now() + graceMs;
  while (sessionMembers(sessionId).length > 0 && Date.now() < deadline) await delay(20);
  signalSession(sessionId, 'SIGKILL');
}

function describeExit(exit: ExitInfo): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}

function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(-count).join('\n');
}
