import { Command, Option } from 'commander';
import { fstatSync } from 'node:fs';
import { isJournalStream, type LogFormat } from '../log/logger.js';
import type { LogLevel } from '../log/log-event.js';

export interface LogOptions {
  logFormat: LogFormat;
  logLevel: LogLevel;
}

export function logOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--log-format <format>', 'stderr log format; journal: <N> priority prefix, no timestamp (chosen by itself when stderr is the journal)')
        .choices(['text', 'json', 'journal'])
        .default('text'),
    )
    .addOption(new Option('--log-level <level>', 'lowest level logged').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .hook('preAction', (thisCommand) => {
      // Only the default gives way: an explicit --log-format is what the operator wants.
      if (thisCommand.getOptionValueSource('logFormat') === 'default' && isJournalStream(process.env['JOURNAL_STREAM'], stderrIdentity())) {
        thisCommand.setOptionValueWithSource('logFormat', 'journal', 'implied');
      }
    });
}

function stderrIdentity(): { dev: bigint; ino: bigint } | undefined {
  try {
    const { dev, ino } = fstatSync(2, { bigint: true });
    return { dev, ino };
  } catch {
    return undefined; // stderr closed: nothing to match
  }
}
