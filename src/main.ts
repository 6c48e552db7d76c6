// First: holds signals that Node's defaults would act on before `run` listens.
import './early-signals.js';
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { PluginError, errorMessage, type ErrorCode } from './errors.js';

/** Exit codes are a contract for scripts: 1 bad input, 2 stats source unreadable. */
const exitCodes: Record<ErrorCode, number> = {
  ERR_CONFIG_INVALID: 1,
  ERR_CONFIG_READ: 1,
  ERR_TOPOLOGY_INVALID: 1,
  ERR_USAGE: 1,
  ERR_STATS_FETCH: 2,
  ERR_STATS_PARSE: 2,
};

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
    } else if (error instanceof PluginError) {
      process.stderr.write(`exabgp-anycast: ${error.message}\n`);
      process.exitCode = exitCodes[error.code];
    } else {
      process.stderr.write(`exabgp-anycast: unexpected error: ${errorMessage(error)}\n`);
      process.exitCode = 70;
    }
  }
}

// Ends lingering sockets and timers of a finished command; stdout to a pipe or file is written synchronously.
void main().then(() => process.exit());
