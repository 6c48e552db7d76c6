/**
 * Until `run` installs its own handlers, Node's defaults would act on these signals: SIGUSR1
 * opens the inspector (a debugger on 127.0.0.1 in the plugin's process), and SIGHUP or SIGUSR2
 * kill it. For `run` they are held from the first moment and handed over once the plugin listens;
 * other commands keep Node's defaults. The bundle runs this module's code as its very first
 * statement (scripts/build.mjs puts it in the banner), before the rest of the file is even
 * evaluated; imported by main.ts it covers running from source, and finds the bundle's holder.
 */
const heldSignals = ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;

interface Holder {
  received: NodeJS.Signals[];
  hold(signal: NodeJS.Signals): void;
}

const key = Symbol.for('exabgp-anycast.early-signals');
const registry = globalThis as unknown as Record<symbol, Holder | undefined>;

if (process.argv.includes('run') && registry[key] === undefined) {
  const holder: Holder = { received: [], hold: (signal) => holder.received.push(signal) };
  for (const signal of heldSignals) process.on(signal, holder.hold);
  registry[key] = holder;
}

/** Stops holding, and re-emits what arrived meanwhile to the handlers installed since. */
export function releaseEarlySignals(): void {
  const holder = registry[key];
  if (holder === undefined) return;
  registry[key] = undefined;
  for (const signal of heldSignals) process.off(signal, holder.hold);
  for (const signal of holder.received.splice(0)) process.emit(signal, signal);
}
