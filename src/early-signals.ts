/**
 * Imported first by main.ts, before anything slow loads. Until `run` installs its own handlers,
 * Node's defaults would act on these signals: SIGUSR1 opens the inspector (a debugger on
 * 127.0.0.1 in the plugin's process), and SIGHUP or SIGUSR2 kill it. For `run`, they are held
 * here and handed over once the plugin listens. Other commands keep Node's defaults.
 */
const heldSignals = ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const;
const received: NodeJS.Signals[] = [];
const hold = (signal: NodeJS.Signals) => received.push(signal);

if (process.argv.includes('run')) for (const signal of heldSignals) process.on(signal, hold);

/** Stops holding, and re-emits what arrived meanwhile to the handlers installed since. */
export function releaseEarlySignals(): void {
  for (const signal of heldSignals) process.off(signal, hold);
  for (const signal of received.splice(0)) process.emit(signal, signal);
}
