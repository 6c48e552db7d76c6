import type { LogEvent, LogLevel } from './log-event.js';

/** `journal`: for systemd's journal, which stamps the time itself and reads the `<N>` priority. */
export type LogFormat = 'text' | 'json' | 'journal';

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** syslog priorities (sd-daemon(3)): err, warning, info, debug. */
const syslogPriority: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

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
    write(formatLogLine(format, event, clock()));
  };
}

/** The text written for one event, newline included. */
export function formatLogLine(format: LogFormat, event: LogEvent, time: Date): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ time: time.toISOString(), ...event })}\n`;
    case 'text':
      return `${time.toISOString()} ${event.level} ${event.message}\n`;
    case 'journal': {
      // journald makes each line its own entry, so a continuation line without the prefix
      // would land at the default priority (info) and `journalctl -p warning` would miss it.
      const prefix = `<${syslogPriority[event.level]}>`;
      return `${event.message
        .split('\n')
        .map((line, i) => (i === 0 ? `${prefix}${event.level} ${line}` : `${prefix}${line}`))
        .join('\n')}\n`;
    }
  }
}

/**
 * Whether stderr is connected to the journal: systemd sets JOURNAL_STREAM to "device:inode" of
 * the stream it connected (systemd.exec(5)), and a child whose stderr was redirected elsewhere
 * still inherits the variable, so the numbers must match stderr's own.
 */
export function isJournalStream(journalStream: string | undefined, stderr: { dev: bigint; ino: bigint } | undefined): boolean {
  const match = /^(\d+):(\d+)$/.exec(journalStream ?? '');
  if (match === null || stderr === undefined) return false;
  return BigInt(match[1] as string) === stderr.dev && BigInt(match[2] as string) === stderr.ino;
}
