import { PluginError } from '../errors.js';

export interface ServerStat {
  name: string;
  /** HAProxy's words, e.g. `UP`, `UP 1/2`, `DOWN 1/2`, `MAINT (via be/srv)`, `no check`. */
  status: string;
  /** Last check result (`L7OK`, `L4CON`, `INI`…) without the `* ` HAProxy adds while a check runs. */
  checkStatus: string;
  backup: boolean;
  /**
   * `px/srv` whose state this server mirrors (`track` in its config; its own check_status is then
   * empty). Absent when it tracks none, or when the layout has no `tracked` column.
   */
  tracked?: string;
}

export interface BackendStat {
  name: string;
  status: string;
  servers: ServerStat[];
}

export interface FrontendStat {
  name: string;
  status: string;
}

export interface StatsSnapshot {
  frontends: Map<string, FrontendStat>;
  backends: Map<string, BackendStat>;
}

/**
 * Parses HAProxy's stats CSV (`show stat`, or the stats page with `;csv`) from 1.8 to 3.x.
 * Columns are found by header name because they move between versions and builds.
 * Throws PluginError ERR_STATS_PARSE for anything that is not a whole, well-formed table:
 * a half-read table must not be mistaken for servers having disappeared, and a row given twice
 * must not be counted twice.
 */
export function parseStatsCsv(text: string, source: string): StatsSnapshot {
  const fail: Fail = (reason) => new PluginError('ERR_STATS_PARSE', `stats from ${source}: ${reason}`, { source });
  const layout = readHeader(text, fail);
  const table: Table = { snapshot: { frontends: new Map(), backends: new Map() }, lines: new Map() };
  readRows(text, layout, table, fail);
  const { snapshot } = table;
  for (const backend of snapshot.backends.values()) {
    if (backend.status === '') throw fail(`backend ${backend.name} has server rows but no BACKEND row`);
  }
  return snapshot;
}

// --- internal ---

type Fail = (reason: string) => PluginError;

/** The columns read, in the order addRow receives them. */
const COLUMNS = ['pxname', 'svname', 'status', 'type', 'check_status', 'bck', 'tracked'] as const;
/** Columns old layouts may lack; a missing one reads as empty cells (for `tracked`: tracking nothing). */
const OPTIONAL_COLUMNS: ReadonlySet<string> = new Set(['tracked']);

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const LT = 60;

interface Layout {
  /** Cells in every row: as many as in the header, trailing empty one included. */
  width: number;
  /** For each column, its index in COLUMNS, or -1 when it is not read. */
  slots: Int8Array;
  /** The last column read; the rest of a row only needs its cells counted. */
  lastRead: number;
  rowsStart: number;
}

function readHeader(text: string, fail: Fail): Layout {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 32) start++;
  if (start === text.length) throw fail('empty body');
  if (text.charCodeAt(start) === LT) throw fail(`got an HTML page instead of CSV${htmlHeading(text)}`);

  const headerEnd = text.indexOf('\n');
  const firstLine = text.slice(0, headerEnd === -1 ? text.length : headerEnd).replace(/\r$/, '');
  const header = firstLine.replace(/^#\s*/, '').split(',');
  if (!firstLine.startsWith('#') || header[0] !== 'pxname' || header[1] !== 'svname') {
    throw fail(`first line is not the "# pxname,svname,…" header: ${quote(firstLine)}`);
  }
  if (headerEnd === -1) throw fail('truncated: the header has no line end');

  const slots = new Int8Array(header.length).fill(-1);
  const missing: string[] = [];
  let lastRead = 0;
  COLUMNS.forEach((name, slot) => {
    const index = header.indexOf(name);
    if (index === -1) {
      if (!OPTIONAL_COLUMNS.has(name)) missing.push(name);
      return;
    }
    slots[index] = slot;
    lastRead = Math.max(lastRead, index);
  });
  if (missing.length > 0) throw fail(`header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return { width: header.length, slots, lastRead, rowsStart: headerEnd + 1 };
}

/** The snapshot being built, and the line each row was first seen on, to refuse repeated rows. */
interface Table {
  snapshot: StatsSnapshot;
  /** By row kind (FRONTEND, BACKEND, or `server <backend>`), then by name. */
  lines: Map<string, Map<string, number>>;
}

/** Adds every row after the header to `table`. */
function readRows(text: string, layout: Layout, table: Table, fail: Fail): void {
  const { width, slots, lastRead } = layout;
  const cells: string[] = COLUMNS.map(() => '');
  let i = layout.rowsStart;
  let line = 2;

  while (i < text.length) {
    // Blank lines carry no row; the CLI ends its output with one.
    const lineBreak = text.charCodeAt(i) === LF ? 1 : text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 0;
    if (lineBreak > 0) {
      i += lineBreak;
      line++;
      continue;
    }

    const rowLine = line;
    let column = 0;
    cells.fill('');
    for (;;) {
      // Most of a row's 80 to 140 cells are never read: they are only counted, in one tight loop,
      // up to the line end or to a quoted cell, which the code below then reads.
      if (column > lastRead && text.charCodeAt(i) !== QUOTE) {
        let c = text.charCodeAt(i);
        while (i < text.length && c !== LF && !(c === QUOTE && text.charCodeAt(i - 1) === COMMA)) {
          if (c === COMMA) column++;
          c = text.charCodeAt(++i);
        }
        if (i >= text.length) throw fail(`truncated: line ${rowLine} has no line end`);
        if (c === LF) {
          column++;
          i++;
          line++;
          break;
        }
      }

      const slot = slots[column] ?? -1;
      let end: number;
      if (text.charCodeAt(i) === QUOTE) {
        const quoted = readQuoted(text, i);
        if (quoted === undefined) throw fail(`truncated: line ${rowLine} ends inside a quoted cell`);
        line += countLineFeeds(text, i, quoted.end);
        if (slot >= 0) cells[slot] = quoted.value;
        end = quoted.end;
        if (text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF) end++;
        else if (end < text.length && text.charCodeAt(end) !== COMMA && text.charCodeAt(end) !== LF) {
          throw fail(`line ${rowLine}: unexpected text after a quoted cell`);
        }
      } else {
        end = i;
        for (let c = text.charCodeAt(end); end < text.length && c !== COMMA && c !== LF; c = text.charCodeAt(++end));
        // A CR before the LF belongs to the line end, not to the cell.
        const crlf = text.charCodeAt(end) === LF && end > i && text.charCodeAt(end - 1) === CR;
        if (slot >= 0) cells[slot] = text.slice(i, crlf ? end - 1 : end);
      }
      column++;
      if (end >= text.length) throw fail(`truncated: line ${rowLine} has no line end`);
      i = end + 1;
      if (text.charCodeAt(end) === LF) {
        line++;
        break;
      }
    }

    if (column !== width) throw fail(`line ${rowLine} has ${column} cells but the header has ${width}`);
    addRow(table, cells, rowLine, fail);
  }
}

/** The quoted cell opening at `start` (commas, doubled quotes and line breaks allowed), or undefined if it never closes. */
function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  let from = start + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q === -1) return undefined;
    if (text.charCodeAt(q + 1) !== QUOTE) return { value: value + text.slice(from, q), end: q + 1 };
    value += text.slice(from, q + 1);
    from = q + 2;
  }
}

/** `cells` holds the row's COLUMNS, in that order. */
function addRow(table: Table, cells: string[], line: number, fail: Fail): void {
  const [pxname = '', svname = '', status = '', type = '', checkStatus = '', bck = '', tracked = ''] = cells;
  if (svname === '') throw fail(`line ${line}: empty svname`);
  if (status === '') throw fail(`line ${line} (${pxname}/${svname}): empty status`);
  const { snapshot } = table;
  switch (type) {
    case '0':
      firstSighting(table, 'FRONTEND', pxname, line, () => `the FRONTEND row of ${pxname}`, fail);
      snapshot.frontends.set(pxname, { name: pxname, status });
      return;
    case '1':
      firstSighting(table, 'BACKEND', pxname, line, () => `the BACKEND row of ${pxname}`, fail);
      backendOf(snapshot, pxname).status = status;
      return;
    case '2': {
      firstSighting(table, `server ${pxname}`, svname, line, () => `server ${pxname}/${svname}`, fail);
      const server: ServerStat = {
        name: svname,
        status,
        checkStatus: checkStatus.startsWith('* ') ? checkStatus.slice(2) : checkStatus,
        backup: bck === '1',
      };
      if (tracked !== '') server.tracked = tracked;
      backendOf(snapshot, pxname).servers.push(server);
      return;
    }
    case '3':
      return;
    default:
      throw fail(`line ${line} (${pxname}/${svname}): unknown row type ${quote(type)}`);
  }
}

/** Throws if a row of this kind and name came before: a server listed twice would be counted twice. */
function firstSighting(table: Table, kind: string, name: string, line: number, what: () => string, fail: Fail): void {
  let seen = table.lines.get(kind);
  if (!seen) table.lines.set(kind, (seen = new Map()));
  const first = seen.get(name);
  if (first !== undefined) throw fail(`line ${line} repeats ${what()} (first on line ${first})`);
  seen.set(name, line);
}

/** HAProxy lists a backend's servers before its BACKEND row, so the entry is made by whichever comes first. */
function backendOf(snapshot: StatsSnapshot, name: string): BackendStat {
  let backend = snapshot.backends.get(name);
  if (!backend) snapshot.backends.set(name, (backend = { name, status: '', servers: [] }));
  return backend;
}

function countLineFeeds(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** The page's heading or title, so "401 Unauthorized" shows up in the message. */
function htmlHeading(html: string): string {
  const match = /<(h1|title)[^>]*>([^<]{1,80})</i.exec(html);
  return match?.[2] ? `: ${quote(match[2].trim())}` : '';
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
