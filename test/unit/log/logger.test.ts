import { describe, expect, it } from 'vitest';
import type { LogEvent, LogLevel } from '../../../src/log/log-event.js';
import { createLogger, formatLogLine, isJournalStream } from '../../../src/log/logger.js';

const time = new Date('2025-03-01T10:00:00.123Z');
const event = (level: LogLevel, message = 'www: up → falling'): LogEvent => ({ level, event: 'stateChange', message, service: 'www' });

describe('formatLogLine', () => {
  it.each([
    ['error', '<3>error www: up → falling\n'],
    ['warn', '<4>warn www: up → falling\n'],
    ['info', '<6>info www: up → falling\n'],
    ['debug', '<7>debug www: up → falling\n'],
  ] as const)('starts a journal line at level %s with its syslog priority and no timestamp', (level, line) => {
    expect(formatLogLine('journal', event(level), time)).toBe(line);
  });

  it('gives every line of a multi-line journal message the priority, so journalctl -p keeps them together', () => {
    const message = 'config.json: invalid configuration:\n  - /rise: must be >= 1\n  - /fall: must be >= 1';
    expect(formatLogLine('journal', event('error', message), time)).toBe(
      '<3>error config.json: invalid configuration:\n<3>  - /rise: must be >= 1\n<3>  - /fall: must be >= 1\n',
    );
  });

  it.each([
    ['text', '2025-03-01T10:00:00.123Z warn www: up → falling\n'],
    ['json', '{"time":"2025-03-01T10:00:00.123Z","level":"warn","event":"stateChange","message":"www: up → falling","service":"www"}\n'],
  ] as const)('keeps the timestamp in %s lines', (format, line) => {
    expect(formatLogLine(format, event('warn'), time)).toBe(line);
  });
});

describe('createLogger', () => {
  it('writes only events at or above its level', () => {
    const lines: string[] = [];
    const log = createLogger('journal', 'warn', (line) => lines.push(line), () => time);
    for (const level of ['debug', 'info', 'warn', 'error'] as const) log(event(level, level));
    expect(lines).toEqual(['<4>warn warn\n', '<3>error error\n']);
  });
});

describe('isJournalStream', () => {
  const stderr = { dev: 64769n, ino: 18446744073709551557n };
  it.each<[string | undefined, boolean, string]>([
    ['64769:18446744073709551557', true, 'device and inode both match stderr (inode beyond 2^53 compared exactly)'],
    ['64769:18446744073709551556', false, 'the inode differs: stderr was redirected after systemd started the parent'],
    ['1:18446744073709551557', false, 'the device differs'],
    [undefined, false, 'JOURNAL_STREAM is not set'],
    ['', false, 'JOURNAL_STREAM is empty'],
    ['64769', false, 'JOURNAL_STREAM has no inode'],
    ['64769:x', false, 'JOURNAL_STREAM is not numeric'],
  ])('JOURNAL_STREAM=%s → %s (%s)', (value, expected, _why) => {
    expect(isJournalStream(value, stderr)).toBe(expected);
  });

  it('is false when stderr cannot be examined', () => {
    expect(isJournalStream('64769:5', undefined)).toBe(false);
  });
});
