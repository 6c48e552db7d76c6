// One place that knows how to undo everything the lab made, run on normal exit, Ctrl-C, SIGTERM or a crash.
type Undo = () => Promise<void> | void;

const undos: Array<{ name: string; fn: Undo }> = [];
let installed = false;
let running: Promise<void> | undefined;

export function onCleanup(name: string, fn: Undo): () => void {
  const entry = { name, fn };
  undos.push(entry);
  installSignalHandlers();
  return () => {
    const i = undos.indexOf(entry);
    if (i >= 0) undos.splice(i, 1);
  };
}

/** Runs every registered undo, newest first; safe to call more than once. */
export function cleanupAll(): Promise<void> {
  if (running) return running;
  running = (async () => {
    while (undos.length) {
      const u = undos.pop();
      if (!u) break;
      try {
        await u.fn();
      } catch (e) {
        process.stderr.write(`[lab] cleanup of ${u.name} failed: ${(e as Error).message}\n`);
      }
    }
  })().finally(() => {
    running = undefined;
  });
  return running;
}

function installSignalHandlers(): void {
  if (installed || process.env.VITEST) return; // under vitest, afterAll hooks clean up
  installed = true;
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) return; // a second Ctrl-C while cleaning up: keep cleaning
    signalled = true;
    process.stderr.write(`\n[lab] ${sig}: cleaning up…\n`);
    void cleanupAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', (e) => {
    process.stderr.write(`[lab] crashed: ${e.stack ?? e.message}\n`);
    void cleanupAll().finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`[lab] crashed: ${(e as Error)?.stack ?? String(e)}\n`);
    void cleanupAll().finally(() => process.exit(1));
  });
}
