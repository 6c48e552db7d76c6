import { Command, Option } from 'commander';
import type { LogFormat } from '../log/logger.js';
import type { LogLevel } from '../log/log-event.js';

export interface LogOptions {
  logFormat: LogFormat;
  logLevel: LogLevel;
}

export function logOptions(command: Command): Command {
  return command
    .addOption(new Option('--log-format <format>', 'stderr log format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--log-level <level>', 'lowest level logged').choices(['debug', 'info', 'warn', 'error']).default('info'));
}
