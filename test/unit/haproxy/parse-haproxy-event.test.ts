import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeEventsRefusal, parseHaproxyEvent, pidOfShowInfo } from '../../../src/haproxy/parse-haproxy-event.js';

const fixture = (file: string) => readFileSync(new URL(`../../fixtures/haproxy/${file}`, import.meta.url), 'utf8');
/** Lines HAProxy 2.6.12 streamed with `show events evring -nw` (test/fixtures/haproxy/README.md). */
const captured = fixture('2.6-events.txt').split('\n').filter(Boolean);
const lineContaining = (text: string): string => {
  const line = captured.find((l) => l.includes(text));
  if (line === undefined) throw new Error(`no captured line contains ${text}`);
  return line;
};

describe('parseHaproxyEvent on lines captured from HAProxy 2.6', () => {
  it.each([
    ['Server be_app/s1 is UP, reason', 11409, 'be_app'],
    ['Server be_app/s1 is DOWN, reason', 11409, 'be_app'],
    ['Backup Server be_app/b1 is UP, reason', 11409, 'be_app'],
    ['Backup Server be_app/b1 is DOWN, reason', 11409, 'be_app'],
    ['backend be_app has no server available!', 11409, 'be_app'],
    ['Server be_app/s1 is going DOWN for maintenance', 11537, 'be_app'],
    ['Backup Server be_app/b1 is going DOWN for maintenance', 11537, 'be_app'],
    ['Server be_app/s1 was DOWN and now enters maintenance', 11537, 'be_app'],
    ['Server be_app/s1 is UP/READY (leaving forced maintenance)', 11537, 'be_app'],
    ['Backup Server be_app/b1 is UP/READY (leaving forced maintenance)', 11537, 'be_app'],
    ['Server be_app/s1 enters drain state', 11537, 'be_app'],
    ['Server be_app/s1 is UP (leaving forced drain)', 11537, 'be_app'],
  ])('"%s" comes from pid %i and is about backend %s', (text, pid, backend) => {
    expect(parseHaproxyEvent(lineContaining(text))).toEqual({ pid, backend, stopping: false });
  });

  it.each(['Proxy be_app stopped', 'Proxy <HTTPCLIENT> stopped'])('"%s" says the process is stopping, as an old one does at a reload', (text) => {
    expect(parseHaproxyEvent(lineContaining(text))).toEqual({ pid: 11537, backend: undefined, stopping: true });
  });

  it('recognises every captured line that reports a server or backend state change', () => {
    const changes = captured.filter((line) => parseHaproxyEvent(line).backend !== undefined);
    expect(changes).toHaveLength(captured.length - 2);
  });

  it.each([
    ['a line without the rfc3164 header', 'Server be_x/s1 is DOWN, reason: Layer4 timeout', { pid: undefined, backend: 'be_x', stopping: false }],
    ['a traffic log line', '<134>Dec  2 03:53:58 localhost haproxy[7]: 127.0.0.1:5000 [02/Dec/2026:03:53:58.001] fe be_app/s1 0/0/0/1/1 200', { pid: 7, backend: undefined, stopping: false }],
    ['a server line about something else', '<133>Dec  2 03:53:58 localhost haproxy[7]: Server be_app/s1 changed its IP from 10.0.0.1 to 10.0.0.2', { pid: 7, backend: undefined, stopping: false }],
    ['an empty line', '', { pid: undefined, backend: undefined, stopping: false }],
    ['garbage', '<<<[[[]]]: Server /', { pid: undefined, backend: undefined, stopping: false }],
  ])('%s is classified without throwing', (_what, line, expected) => {
    expect(parseHaproxyEvent(line)).toEqual(expected);
  });
});

describe('describeEventsRefusal', () => {
  it.each([
    ['2.6-events-level-user.txt', /level user.*"level operator"/],
    ['2.6-events-no-such-ring.txt', /no ring named "evring".*"ring evring" section.*"log ring@evring local0 notice"/],
  ])('says the cause and the fix for what HAProxy 2.6 answered (%s)', (file, expected) => {
    expect(describeEventsRefusal(fixture(file), 'evring')).toMatch(expected);
  });

  it('names an older HAProxy that does not know the command', () => {
    expect(describeEventsRefusal('Unknown command. Please enter one of the following commands only :\n', 'r')).toMatch(/HAProxy 2\.2 or later/);
  });

  it('quotes any other answer', () => {
    expect(describeEventsRefusal('something else\n', 'r')).toBe('HAProxy answered "something else" instead of streaming events');
  });
});

describe('pidOfShowInfo', () => {
  it.each([
    ['Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nPid: 11738\nUptime: 0d 0h00m01s\n', 11738],
    ['Permission denied\n', undefined],
  ])('reads the Pid line', (answer, pid) => {
    expect(pidOfShowInfo(answer)).toBe(pid);
  });
});
