// Small helpers to run commands, optionally inside a network namespace.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit (check `code`). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 15_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code !== 0 ? String(err.message) : '') });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command and throws with its stderr when it fails. */
export async function must(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** `ip netns exec NS cmd …` as argv, or the plain command when ns is undefined. */
export function inNs(ns: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return ns ? ['ip', ['netns', 'exec', ns, cmd, ...args]] : [cmd, args];
}

export function runIn(ns: string | undefined, cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const [c, a] = inNs(ns, cmd, args);
  return run(c, a, opts);
}

export function mustIn(ns: string | undefined, cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const [c, a] = inNs(ns, cmd, args);
  return must(c, a, opts);
}

export interface LabProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  log: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
}

/**
 * Starts a long-running process (inside `ns` when given), stdout+stderr appended to `log`.
 * `ip netns exec` execs the command, so the pid is the daemon's own pid.
 */
export function startProcess(
  name: string,
  ns: string | undefined,
  cmd: string,
  args: string[],
  log: string,
  opts: { env?: NodeJS.ProcessEnv; stdin?: 'ignore' | 'pipe'; onStdoutLine?: (line: string) => void } = {},
): LabProcess {
  const [c, a] = inNs(ns, cmd, args);
  const out: WriteStream = createWriteStream(log, { flags: 'a' });
  const child = spawn(c, a, {
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(opts.env ?? {}) },
    detached: false,
  });
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      alive = false;
      resolve({ code, signal });
    });
    child.on('error', (e) => {
      alive = false;
      out.write(`[lab] spawn error: ${e.message}\n`);
      resolve({ code: -1, signal: null });
    });
  });
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    out.write(d);
    if (opts.onStdoutLine) {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        opts.onStdoutLine(line);
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => out.write(d));
  child.on('close', () => out.end());
  return { name, child, pid: child.pid ?? -1, log, exited, running: () => alive };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or the deadline passes; returns the value or undefined. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, timeoutMs: number, everyMs = 50): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() >= end) return undefined;
    await sleep(everyMs);
  }
}

/** True while the process runs; a zombie (exited, not yet reaped by its parent or init) counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}
