import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerCleanup } from './cleanup-registry.js';
import { spawnSupervised, type SpawnOptions, type SupervisedProcess } from './spawn-supervised.js';

/**
 * One experiment's scope: a temp dir for configs, sockets and logs, plus everything started in it.
 * `close()` undoes it all, newest first. Tests open one per file; a demo or fault matrix can open
 * one per scenario.
 */
export interface Lab {
  readonly name: string;
  readonly dir: string;
  /** An absolute path inside the lab dir. */
  path(file: string): string;
  /** spawnSupervised with logs in the lab dir; stopped by close(). */
  spawn(options: Omit<SpawnOptions, 'logDir'>): Promise<SupervisedProcess>;
  /** Runs `close` during close(), before everything registered earlier. */
  defer(label: string, close: () => Promise<unknown> | unknown): void;
  /**
   * Takes charge of a process something else started (e.g. test/support/haproxy.ts): `stop` runs
   * during close(), and if this Node process exits without closing, `pid` gets SIGKILL.
   */
  adopt(label: string, pid: number, stop: () => Promise<unknown>): void;
  /** Stops everything, then removes the dir (kept when LAB_KEEP_DIRS=1, to read the logs). */
  close(): Promise<void>;
}

export interface LabOptions {
  /** Keep the dir with every log after close(); default: only when LAB_KEEP_DIRS=1. */
  keepDir?: boolean;
}

export function openLab(name: string, options: LabOptions = {}): Lab {
  // Short and in /tmp: unix socket paths (BIRD's, HAProxy's) must stay under 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), `lab-${name}-`));
  const keepDir = options.keepDir ?? process.env['LAB_KEEP_DIRS'] === '1';
  const closers: { label: string; close: () => Promise<unknown> | unknown }[] = [];
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      const errors: unknown[] = [];
      for (const closer of closers.reverse()) {
        try {
          await closer.close();
        } catch (error) {
          errors.push(new Error(`${name}: closing ${closer.label} failed`, { cause: error }));
        }
      }
      if (keepDir) {
        writeFileSync(join(dir, 'KEPT'), 'kept on purpose: a later lab does not sweep this dir\n');
        process.stderr.write(`lab ${name}: logs kept in ${dir}\n`);
      }
      else await rm(dir, { recursive: true, force: true });
      unregister();
      if (errors.length > 0) throw new AggregateError(errors, `lab ${name} did not close cleanly`);
    })();
    return closing;
  };

  // Registered before any process, so on exit the processes (newer) are killed before the dir goes.
  const unregister = registerCleanup({
    label: `lab ${name}`,
    close,
    closeSync: () => {
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  });

  const defer: Lab['defer'] = (label, closeFn) => {
    closers.push({ label, close: closeFn });
  };

  const adopt: Lab['adopt'] = (label, pid, stop) => {
    const release = registerCleanup({
      label: `${label} (pid ${pid})`,
      close: async () => {
        await stop();
        release();
      },
      closeSync: () => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      },
    });
    defer(label, async () => {
      await stop();
      release();
    });
  };

  return {
    name,
    dir,
    path: (file) => join(dir, file),
    spawn: async (options) => {
      const child = await spawnSupervised({ ...options, logDir: dir });
      defer(child.name, () => child.stop());
      return child;
    },
    defer,
    adopt,
    close,
  };
}
