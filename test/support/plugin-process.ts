import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The bundled artifact, exactly what operators copy to an NVA. */
export const bundlePath = fileURLToPath(new URL('../../dist/exabgp-anycast.js', import.meta.url));

/**
 * The node that runs the bundle: PLUGIN_NODE when set (the `debian-node` vitest project sets it to
 * Debian 12's node 18, see test/support/debian-node.ts), else the node running the tests.
 */
export const pluginNode = process.env['PLUGIN_NODE'] || process.execPath;

export interface PluginProcess {
  child: ChildProcessWithoutNullStreams;
  /** Lines written to stdout so far: the commands ExaBGP would receive. */
  readonly stdoutLines: string[];
  readonly stderr: () => string;
  /** Resolves with the first stdout line (from `from` on) matching, or rejects after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code, or rejects after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<number | null>;
}

/** Starts the bundled CLI the way ExaBGP does: stdin and stdout are pipes. */
export function spawnPlugin(args: string[]): PluginProcess {
  const child = spawn(pluginNode, [bundlePath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdoutLines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    stdoutLines.push(...lines);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Writing to a plugin that has already exited fails with EPIPE, asynchronously: without a
  // handler that is an uncaught error in the test run. Tests judge the exit and the output instead.
  child.stdin.on('error', () => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const poll = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        const found = check();
        if (found !== undefined) {
          clearInterval(timer);
          resolve(found);
        } else if (Date.now() - started > timeoutMs) {
          clearInterval(timer);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstdout:\n${stdoutLines.join('\n')}\nstderr:\n${stderr}`));
        }
      }, 10);
    });

  return {
    child,
    stdoutLines,
    stderr: () => stderr,
    waitForLine: (pattern, timeoutMs = 5000, from = 0) =>
      poll(() => stdoutLines.slice(from).find((l) => pattern.test(l)), timeoutMs, `stdout ${pattern}`),
    waitForStderr: (pattern, timeoutMs = 5000) =>
      poll(() => (pattern.test(stderr) ? true : undefined), timeoutMs, `stderr ${pattern}`).then(() => undefined),
    waitForExit: (timeoutMs = 5000) =>
      Promise.race([
        exit,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`process still running after ${timeoutMs} ms\nstderr:\n${stderr}`)), timeoutMs).unref(),
        ),
      ]),
  };
}
