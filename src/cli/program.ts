import { Command } from 'commander';
import { version } from '../../package.json';
import { dryRunCommand } from './dry-run.js';
import { generateCommand } from './generate.js';
import { planCommand } from './plan.js';
import { reloadCommand } from './reload.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { statusCommand } from './status.js';
import { validateCommand } from './validate.js';

/** The whole CLI. main.ts runs it. */
export function buildProgram(): Command {
  const program = new Command('exabgp-anycast')
    .description('Announce anycast prefixes through ExaBGP only while HAProxy has enough healthy backends.')
    .version(version)
    .showHelpAfterError('(add --help for usage and examples)')
    .exitOverride();
  program.addCommand(runCommand());
  program.addCommand(dryRunCommand());
  program.addCommand(replayCommand());
  program.addCommand(validateCommand());
  program.addCommand(generateCommand());
  program.addCommand(planCommand());
  program.addCommand(schemaCommand());
  program.addCommand(statusCommand());
  program.addCommand(reloadCommand());
  // addCommand does not pass these settings down; tests and scripts rely on both.
  for (const command of program.commands) command.exitOverride().showHelpAfterError('(add --help for usage and examples)');
  return program;
}
