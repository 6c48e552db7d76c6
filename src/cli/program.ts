import { Command } from 'commander';
import { generateCommand } from './generate.js';

/** The whole CLI. main.ts runs it; tests may run it too. */
export function buildProgram(): Command {
  const program = new Command('exabgp-anycast')
    .description('Announce anycast prefixes through ExaBGP only while HAProxy has enough healthy backends.')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(generateCommand());
  return program;
}
