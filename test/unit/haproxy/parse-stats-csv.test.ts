import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PluginError } from '../../../src/errors.js';
import { parseStatsCsv, type StatsSnapshot } from '../../../src/haproxy/parse-stats-csv.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/haproxy/${name}`, import.meta.url), 'utf8');
const parse = (name: string): StatsSnapshot => parseStatsCsv(fixture(name), name);

/** Replaces cell `column` of the line starting with `prefix` (rows without quoted cells only). */
function editCell(text: string, prefix: string, column: number, value: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.startsWith(prefix)) return line;
      const cells = line.split(',');
      cells[column] = value;
      return cells.join(',');
    })
    .join('\n');
}

/** Repeats the line starting with `prefix` `after` lines further down (0: right after itself). */
function repeatLine(text: string, prefix: string, after = 0): string {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.startsWith(prefix));
  lines.splice(index + 1 + after, 0, lines[index] ?? '');
  return lines.join('\n');
}

/** The message parseStatsCsv throws for `text`. */
function rejection(text: string): string {
  try {
    parseStatsCsv(text, 'unix:/run/haproxy/admin.sock');
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    expect((error as PluginError).code).toBe('ERR_STATS_PARSE');
    expect((error as PluginError).context).toEqual({ source: 'unix:/run/haproxy/admin.sock' });
    return (error as Error).message;
  }
  throw new Error('parseStatsCsv accepted the text');
}

const STATUS = 17;
const TYPE = 32;

describe('parseStatsCsv', () => {
  it('reads frontends, backends and their servers from a real 2.6 CLI capture', () => {
    const snapshot = parse('2.6-all-up.csv');
    expect([...snapshot.frontends.values()]).toEqual([
      { name: 'ok', status: 'OPEN' },
      { name: 'gone', status: 'OPEN' },
      { name: 'busy', status: 'OPEN' },
      { name: 'slow', status: 'OPEN' },
      { name: 'stats', status: 'OPEN' },
      { name: 'stats_auth', status: 'OPEN' },
    ]);
    expect([...snapshot.backends.keys()]).toEqual(['ok', 'gone', 'busy', 'slow', 'be_app', 'be_track', 'be_odd']);
    expect(snapshot.backends.get('ok')).toEqual({ name: 'ok', status: 'UP', servers: [] });
    expect(snapshot.backends.get('be_app')).toEqual({
      name: 'be_app',
      status: 'UP',
      servers: [
        { name: 's1', status: 'UP', checkStatus: 'L7OK', backup: false },
        { name: 's2', status: 'UP', checkStatus: 'L7OK', backup: false },
        { name: 's3', status: 'UP', checkStatus: 'L7OK', backup: true },
        { name: 's4', status: 'no check', checkStatus: '', backup: false },
      ],
    });
  });

  it('skips listener rows (type 3), which name the bind and not a server', () => {
    const snapshot = parse('2.6-all-up.csv');
    expect(fixture('2.6-all-up.csv')).toContain('\nstats,stats-listener,');
    expect(snapshot.frontends.has('stats-listener')).toBe(false);
    expect(snapshot.backends.has('stats')).toBe(false);
  });

  it.each([
    ['2.6-init.csv', 'be_app', 's2', 'UP 1/2', 'INI', false],
    ['2.6-init.csv', 'be_app', 's3', 'UP 1/2', 'INI', true],
    ['2.6-up-going-down.csv', 'be_app', 's1', 'UP 1/2', 'L4CON', false],
    ['2.6-one-down.csv', 'be_app', 's1', 'DOWN', 'L4CON', false],
    ['2.6-down-going-up.csv', 'be_app', 's1', 'DOWN 1/2', 'L7OK', false],
    ['2.6-maint.csv', 'be_app', 's1', 'MAINT', '', false],
    ['2.6-drain.csv', 'be_app', 's2', 'DRAIN', 'L7OK', false],
    ['2.6-nolb.csv', 'be_app', 's2', 'NOLB', 'L7OKC', false],
    ['2.6-backup-serving.csv', 'be_app', 's3', 'UP', 'L7OK', true],
    ['2.6-all-down.csv', 'be_app', 's4', 'MAINT', '', false],
    ['2.6-quoted-last-chk.csv', 'be_odd', 'o1', 'DOWN', 'L7STS', false],
    ['2.6-check-running.csv', 'be_track', 't2', 'UP', 'L7OK', false],
    ['2.6-http.csv', 'be_app', 's4', 'no check', '', false],
    ['1.8-layout.csv', 'be_app', 's1', 'DOWN', 'L4CON', false],
    ['3.x-layout.csv', 'be_app', 's3', 'UP', 'L7OK', true],
  ])('reads %s: %s/%s is "%s", check "%s", backup %s', (file, backend, server, status, checkStatus, backup) => {
    const servers = parse(file).backends.get(backend)?.servers;
    expect(servers?.find((s) => s.name === server)).toEqual({ name: server, status, checkStatus, backup });
  });

  it.each([
    ['2.6-up-going-down.csv', 'be_track', 't1', 'UP 1/2', 'be_app/s1'],
    ['2.6-maint.csv', 'be_track', 't1', 'MAINT (via be_app/s1)', 'be_app/s1'],
    ['2.6-track-init.csv', 'be_b', 't1', 'UP 1/3', 'be_a/s1'],
    ['2.6-track-init.csv', 'be_b', 't2', 'UP 1/3', 'be_b/t1'],
    ['1.8-layout.csv', 'be_track', 't1', 'DOWN', 'be_app/s1'],
  ])('reads %s: %s/%s is "%s", tracking %s, with no check status of its own', (file, backend, server, status, tracked) => {
    const servers = parse(file).backends.get(backend)?.servers;
    expect(servers?.find((s) => s.name === server)).toEqual({ name: server, status, checkStatus: '', backup: false, tracked });
  });

  it('reads a layout without the tracked column as tracking nothing', () => {
    const lines = fixture('2.6-one-down.csv').split('\n');
    const tracked = (lines[0] ?? '').replace(/^# /, '').split(',').indexOf('tracked');
    const withoutTracked = lines
      .map((line) => (line === '' ? line : line.split(',').filter((_, index) => index !== tracked).join(',')))
      .join('\n');
    expect(withoutTracked).not.toContain('tracked');
    const t1 = parseStatsCsv(withoutTracked, 'test').backends.get('be_track')?.servers[0];
    expect(t1).toEqual({ name: 't1', status: 'DOWN', checkStatus: '', backup: false });
  });

  it.each([
    ['2.6-all-up.csv', 'UP'],
    ['2.6-backup-serving.csv', 'UP'],
    ['2.6-checked-all-down.csv', 'UP'],
    ['2.6-all-down.csv', 'DOWN'],
  ])('reads the be_app BACKEND status from %s as %s', (file, status) => {
    expect(parse(file).backends.get('be_app')?.status).toBe(status);
  });

  it('strips the "* " HAProxy puts before the check status while a check runs', () => {
    expect(fixture('2.6-check-running.csv')).toContain(',* L7OK,');
    const t2 = parse('2.6-check-running.csv').backends.get('be_track')?.servers[1];
    expect(t2?.checkStatus).toBe('L7OK');
  });

  it.each(['1.8-layout.csv', '3.x-layout.csv'])('reads %s (other column set, same rows) like the 2.6 capture', (file) => {
    expect(parse(file)).toEqual(parse('2.6-one-down.csv'));
  });

  it('finds columns by name wherever they are', () => {
    const lines = fixture('2.6-maint.csv').split('\n');
    // Keep pxname,svname first (the header check needs them) and reverse everything else.
    const shuffled = lines
      .map((line) => {
        if (line === '') return line;
        const cells = line.replace(/^# /, '').split(',');
        const moved = [...cells.slice(0, 2), ...cells.slice(2, -1).reverse(), ''].join(',');
        return line.startsWith('# ') ? `# ${moved}` : moved;
      })
      .join('\n');
    expect(parseStatsCsv(shuffled, 'shuffled')).toEqual(parse('2.6-maint.csv'));
  });

  it('reads a quoted last_chk with a comma and doubled quotes as one cell', () => {
    expect(fixture('2.6-quoted-last-chk.csv')).toContain(',"Busy, try ""later""",');
    expect(parse('2.6-quoted-last-chk.csv').backends.get('be_odd')).toEqual({
      name: 'be_odd',
      status: 'DOWN',
      servers: [{ name: 'o1', status: 'DOWN', checkStatus: 'L7STS', backup: false }],
    });
  });

  it('reads a quoted cell that spans lines and counts lines right after it', () => {
    const text = fixture('2.6-quoted-last-chk.csv').replace('"Busy, try ""later"""', '"line one\r\nline ""two"",\nthree"');
    expect(parseStatsCsv(text, 'test')).toEqual(parse('2.6-quoted-last-chk.csv'));
    // be_odd,o1 is on line 21; its quoted cell adds two line breaks, so the row after it starts on 24.
    const broken = text.replace('\nbe_odd,BACKEND,', '\nbe_odd,BACKEND,,');
    expect(rejection(broken)).toContain('line 24 has 130 cells but the header has 129');
  });

  it('decodes quoted cells it reads', () => {
    const text = editCell(fixture('2.6-all-up.csv'), 'be_app,s2,', STATUS, '"DOWN, ""odd"""');
    expect(parseStatsCsv(text, 'test').backends.get('be_app')?.servers[1]?.status).toBe('DOWN, "odd"');
  });

  it('keeps a CR that does not end the line as part of its cell', () => {
    const text = editCell(fixture('2.6-all-up.csv'), 'be_app,s2,', STATUS, 'UP\r');
    expect(parseStatsCsv(text, 'test').backends.get('be_app')?.servers[1]?.status).toBe('UP\r');
  });

  it('accepts CRLF line ends', () => {
    expect(parseStatsCsv(fixture('2.6-nolb.csv').replaceAll('\n', '\r\n'), 'test')).toEqual(parse('2.6-nolb.csv'));
  });

  it('accepts the same server name in two backends, and a listen section\'s FRONTEND and BACKEND rows', () => {
    const text = fixture('2.6-all-up.csv').replace('\nbe_track,t2,', '\nbe_track,s1,');
    const snapshot = parseStatsCsv(text, 'test');
    expect(snapshot.backends.get('be_track')?.servers.map((s) => s.name)).toEqual(['t1', 's1']);
    expect(snapshot.frontends.get('ok')?.status).toBe('OPEN');
    expect(snapshot.backends.get('ok')?.status).toBe('UP');
  });

  it('accepts a header with no proxies under it', () => {
    const header = fixture('2.6-all-up.csv').split('\n')[0] ?? '';
    expect(parseStatsCsv(`${header}\n\n`, 'test')).toEqual({ frontends: new Map(), backends: new Map() });
  });
});

describe('parseStatsCsv rejects', () => {
  it('a server listed twice, which would otherwise count twice towards minUp', () => {
    const header = '# pxname,svname,status,type,check_status,bck,';
    const rows = ['be,s1,UP,2,L7OK,0,', 'be,s1,UP,2,L7OK,0,', 'be,s2,DOWN,2,L4CON,0,', 'be,BACKEND,UP,1,,0,'];
    expect(rejection(`${[header, ...rows].join('\n')}\n`)).toBe(
      'stats from unix:/run/haproxy/admin.sock: line 3 repeats server be/s1 (first on line 2)',
    );
  });

  const allUp = fixture('2.6-all-up.csv');
  const header = allUp.split('\n')[0] ?? '';

  it.each([
    ['an empty body', '', 'empty body'],
    ['a body of blank lines', '\n\r\n \n', 'empty body'],
    ['the 401 page', fixture('2.6-401.html'), 'got an HTML page instead of CSV: "401 Unauthorized"'],
    [
      'the HTML stats page (a URL without ;csv)',
      '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"\n<html><head><title>Statistics Report for HAProxy</title>\n',
      'got an HTML page instead of CSV: "Statistics Report for HAProxy"',
    ],
    ['a CLI error', 'Permission denied\n\n', 'first line is not the "# pxname,svname,…" header: "Permission denied"'],
    ['a header without the "#"', allUp.slice(2), `first line is not the "# pxname,svname,…" header: "${allUp.slice(2, 82)}…"`],
    ['a header that misses columns', allUp.replace(',check_status,', ',chk_status,').replace(',bck,', ',bk,'), 'header lacks columns check_status, bck'],
    ['a header with no line end', header, 'truncated: the header has no line end'],
    ['a body cut inside a row', allUp.slice(0, allUp.indexOf('be_app,s2,') + 40), 'truncated: line 14 has no line end'],
    ['a body cut inside a quoted cell', fixture('2.6-quoted-last-chk.csv').split('later')[0] ?? '', 'truncated: line 21 ends inside a quoted cell'],
    ['a body cut between a backend\'s servers and its BACKEND row', allUp.slice(0, allUp.indexOf('be_app,BACKEND,')), 'backend be_app has server rows but no BACKEND row'],
    ['a row with a cell too few', allUp.replace('\nbe_app,s3,0,', '\nbe_app,s3,'), 'line 15 has 128 cells but the header has 129'],
    ['a row with an empty svname', editCell(allUp, 'be_app,s1,', 1, ''), 'line 13: empty svname'],
    ['a row with an empty status', editCell(allUp, 'be_app,s1,', STATUS, ''), 'line 13 (be_app/s1): empty status'],
    ['a row of unknown type', editCell(allUp, 'be_app,s1,', TYPE, '7'), 'line 13 (be_app/s1): unknown row type "7"'],
    ['text after a closing quote', editCell(allUp, 'be_app,s1,', STATUS, '"UP"x'), 'line 13: unexpected text after a quoted cell'],
    ['a server row given twice', repeatLine(allUp, 'be_app,s1,'), 'line 14 repeats server be_app/s1 (first on line 13)'],
    ['a server row given again further down', repeatLine(allUp, 'be_app,s2,', 2), 'line 17 repeats server be_app/s2 (first on line 14)'],
    ['a BACKEND row given twice', repeatLine(allUp, 'be_app,BACKEND,'), 'line 18 repeats the BACKEND row of be_app (first on line 17)'],
    ['a FRONTEND row given twice', repeatLine(allUp, 'stats,FRONTEND,'), 'line 11 repeats the FRONTEND row of stats (first on line 10)'],
  ])('%s', (_, text, reason) => {
    expect(rejection(text)).toBe(`stats from unix:/run/haproxy/admin.sock: ${reason}`);
  });
});
