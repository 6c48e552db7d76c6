/** Something started by the lab that must not outlive this Node process. */
export interface Cleanup {
  readonly label: string;
  /** The orderly way: SIGTERM, wait, escalate. */
  close(): Promise<void>;
  /** The last resort, from an 'exit' handler where only synchronous calls still run. */
  closeSync(): void;
}

/**
 * Registers `cleanup` until the returned function is called. While anything is registered, Ctrl-C,
 * SIGTERM, SIGHUP and process exit run the cleanups, so a failed or interrupted test leaves no
 * daemon behind. The handlers are removed again when nothing is registered, so a library user's
 * own signal handling is untouched between labs.
 */
export function registerCleanup(cleanup: Cleanup): () => void {
  if (live.length === 0) installHandlers();
  live.push(cleanup);
  return () => {
    const index = live.indexOf(cleanup);
    if (index !== -1) live.splice(index, 1);
    if (live.length === 0) removeHandlers();
  };
}

/** Closes everything still registered, newest first; failures are collected, not short-circuited. */
export async function cleanupAll(): Promise<void> {
  const errors: unknown[] = [];
  for (const cleanup of [...live].reverse()) {
    try {
      await cleanup.close();
    } catch (error) {
      errors.push(new Error(`cleanup of ${cleanup.label} failed`, { cause: error }));
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, 'lab cleanup failed');
}

// --- internal ---

const live: Cleanup[] = [];
const signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Upper bound for orderly shutdown after a signal; the user is waiting at a terminal. */
const signalCleanupMs = 10_000;

function installHandlers(): void {
  process.on('exit', closeAllSync);
  for (const signal of signals) process.on(signal, onSignal);
}

function removeHandlers(): void {
  process.off('exit', closeAllSync);
  for (const signal of signals) process.off(signal, onSignal);
}

function closeAllSync(): void {
  for (const cleanup of [...live].reverse()) {
    try {
      cleanup.closeSync();
    } catch {
      // Nothing more can be done while exiting; carry on with the others.
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // A second Ctrl-C during cleanup should get the default (immediate) behaviour.
  for (const s of signals) process.off(s, onSignal);
  let finished = false;
  const timer = setTimeout(finish, signalCleanupMs);
  void cleanupAll()
    .catch((error: unknown) => process.stderr.write(`lab: ${String(error)}\n`))
    .finally(() => {
      clearTimeout(timer);
      finish();
    });

  function finish(): void {
    if (finished) return;
    finished = true;
    closeAllSync();
    // Die of the same signal, as we would have without the handler, unless the program has its
    // own handler for it: then that handler decides.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
}
