import type { LogEvent, LogLevel } from './log-event.js';

export type LogFormat = 'text' | 'json';

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export type Logger = (event: LogEvent) => void;

/**
 * Logs go to stderr (ExaBGP hands it to its own log); stdout is the command channel.
 * `write` is injectable so tests can read what would be logged.
 */
export function createLogger(
  format: LogFormat,
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
  clock: () => Date = () => new Date(),
): Logger {
  return (event) => {
    if (rank[event.level] < rank[level]) return;
    const time = clock().toISOString();
    write(format === 'json' ? `${JSON.stringify({ time, ...event })}\n` : `${time} ${event.level} ${event.message}\n`);
  };
}
