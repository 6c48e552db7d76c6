// A slow, obviously-correct reference for HAProxy's stats CSV and the health verdict built on it.
// It shares no code with src/: the property tests and `npm run fuzz` check the real parser,
// serverHealth and evaluateService against it. Only the shapes (types) are shared.
//
//   oracleParseStats(text)                       → { ok: true, snapshot } | { ok: false, reason }
//   oracleServerHealth(server, snapshot)         → 'up' | 'unchecked' | 'unknown' | 'down'
//   oracleVerdict(rule, snapshot, announced)     → 'healthy' | 'unhealthy' | 'undecided'
//   oracleHealthy(rule, snapshot, announced)     → boolean (evaluateService(…).healthy)
//
// The rules it encodes, in words:
// - The first line (up to the first LF, a CR before it dropped) is the header: "#", optional
//   whitespace, then plain comma-separated names starting pxname,svname. It needs the columns
//   pxname, svname, status, type, check_status and bck; tracked is optional. A name given twice
//   counts where it first appears.
// - After it come records. A cell is quoted ("…", "" inside for a quote, anything else literal,
//   line breaks included) or unquoted (up to the next comma or LF). A quoted cell must be followed
//   by a comma, LF or CRLF. A CR right before the LF that ends a record is part of the line end.
//   Empty lines (LF or CRLF alone) are skipped. The text must end with a line end.
// - Every record has exactly as many cells as the header. svname and status are never empty.
//   type 0 is a FRONTEND, 1 a BACKEND, 2 a server, 3 a listener (skipped); anything else is wrong.
// - No FRONTEND, BACKEND or (backend, server) is given twice, and a backend with servers has a
//   BACKEND row.
import type { HealthRule } from '../../src/config/types.js';
import type { ServerStat, StatsSnapshot } from '../../src/haproxy/parse-stats-csv.js';

export type OracleParse = { ok: true; snapshot: StatsSnapshot } | { ok: false; reason: string };

export function oracleParseStats(text: string): OracleParse {
  try {
    return { ok: true, snapshot: build(text) };
  } catch (error) {
    if (error instanceof Malformed) return { ok: false, reason: error.message };
    throw error;
  }
}

/** A server HAProxy shows up but has not checked yet (INI), itself or at the end of its tracking chain, is unknown. */
export function oracleServerHealth(server: ServerStat, snapshot: StatsSnapshot): 'up' | 'unchecked' | 'unknown' | 'down' {
  if (server.status === 'no check') return 'unchecked';
  if (!isDocumentedUp(server.status)) return 'down';
  if (server.checkStatus === 'INI') return 'unknown';

  // Walk the tracking chain. More steps than there are servers can only mean a loop.
  const serverCount = [...snapshot.backends.values()].reduce((n, b) => n + b.servers.length, 0);
  let current = server;
  for (let steps = 0; current.tracked !== undefined; steps++) {
    if (steps > serverCount) return 'down';
    const parts = current.tracked.split('/');
    if (parts.length < 2) return 'down';
    const backend = snapshot.backends.get(parts[0] ?? '');
    const target = backend?.servers.find((s) => s.name === parts.slice(1).join('/'));
    if (target === undefined) return 'down';
    current = target;
  }
  if (current === server) return 'up';
  if (current.checkStatus === 'INI') return 'unknown';
  return current.checkStatus === '' ? 'down' : 'up';
}

/**
 * evaluateService's verdict: healthy on the servers up alone; undecided when not, but it would be
 * with every unknown server up; else unhealthy. Percentages are compared as the decimals they are written as.
 */
export function oracleVerdict(rule: HealthRule, snapshot: StatsSnapshot, announced: boolean): 'healthy' | 'unhealthy' | 'undecided' {
  const frontendOk = rule.frontend === undefined || snapshot.frontends.get(rule.frontend)?.status === 'OPEN';
  if (!frontendOk) return 'unhealthy';
  if (meetsRule(rule, snapshot, announced, ['up', 'unchecked'])) return 'healthy';
  return meetsRule(rule, snapshot, announced, ['up', 'unchecked', 'unknown']) ? 'undecided' : 'unhealthy';
}

/** evaluateService's `healthy`. */
export function oracleHealthy(rule: HealthRule, snapshot: StatsSnapshot, announced: boolean): boolean {
  return oracleVerdict(rule, snapshot, announced) === 'healthy';
}

// --- internal ---

/** Whether the rule's backends are enough when the servers in the states `counting` count as up. */
function meetsRule(rule: HealthRule, snapshot: StatsSnapshot, announced: boolean, counting: string[]): boolean {
  let minUp = announced ? rule.minUp : rule.recoverMinUp ?? rule.minUp;
  const minUpPercent = announced ? rule.minUpPercent : rule.recoverMinUpPercent ?? rule.minUpPercent;
  if (minUp === undefined && minUpPercent === undefined) minUp = 1;

  const enough = rule.backends.map((name) => {
    const backend = snapshot.backends.get(name);
    if (backend === undefined) return false;
    const counted = backend.servers.filter((s) => rule.countBackup || !s.backup);
    const up = counted.filter((s) => counting.includes(oracleServerHealth(s, snapshot))).length;
    if (counted.length === 0) return false;
    if (minUp !== undefined && up < minUp) return false;
    if (minUpPercent !== undefined && !percentReached(up, counted.length, minUpPercent)) return false;
    return true;
  });
  return rule.mode === 'any' ? enough.includes(true) : !enough.includes(false);
}

class Malformed extends Error {}

const REQUIRED = ['pxname', 'svname', 'status', 'type', 'check_status', 'bck'];

function build(text: string): StatsSnapshot {
  const headerEnd = text.indexOf('\n');
  if (headerEnd === -1) throw new Malformed('no header line');
  let headerLine = text.slice(0, headerEnd);
  if (headerLine.endsWith('\r')) headerLine = headerLine.slice(0, -1);
  if (!headerLine.startsWith('#')) throw new Malformed('header does not start with #');
  let afterHash = headerLine.slice(1);
  while (afterHash.length > 0 && /\s/.test(afterHash[0] ?? '')) afterHash = afterHash.slice(1);
  const names = afterHash.split(',');
  if (names[0] !== 'pxname' || names[1] !== 'svname') throw new Malformed('header does not start with pxname,svname');
  for (const name of REQUIRED) if (!names.includes(name)) throw new Malformed(`header lacks ${name}`);
  const cellOf = (record: string[], name: string): string => {
    const index = names.indexOf(name);
    return index === -1 ? '' : record[index] ?? '';
  };

  const snapshot: StatsSnapshot = { frontends: new Map(), backends: new Map() };
  const seenBackendRows = new Set<string>();
  for (const record of records(text.slice(headerEnd + 1))) {
    if (record.length !== names.length) throw new Malformed(`a record has ${record.length} cells, the header ${names.length}`);
    const pxname = cellOf(record, 'pxname');
    const svname = cellOf(record, 'svname');
    const status = cellOf(record, 'status');
    if (svname === '' || status === '') throw new Malformed('empty svname or status');
    const type = cellOf(record, 'type');
    if (type === '0') {
      if (snapshot.frontends.has(pxname)) throw new Malformed(`FRONTEND ${pxname} twice`);
      snapshot.frontends.set(pxname, { name: pxname, status });
    } else if (type === '1') {
      if (seenBackendRows.has(pxname)) throw new Malformed(`BACKEND ${pxname} twice`);
      seenBackendRows.add(pxname);
      backendNamed(snapshot, pxname).status = status;
    } else if (type === '2') {
      const backend = backendNamed(snapshot, pxname);
      if (backend.servers.some((s) => s.name === svname)) throw new Malformed(`server ${pxname}/${svname} twice`);
      const checkStatus = cellOf(record, 'check_status');
      const server: ServerStat = {
        name: svname,
        status,
        checkStatus: checkStatus.startsWith('* ') ? checkStatus.slice(2) : checkStatus,
        backup: cellOf(record, 'bck') === '1',
      };
      const tracked = cellOf(record, 'tracked');
      if (tracked !== '') server.tracked = tracked;
      backend.servers.push(server);
    } else if (type !== '3') {
      throw new Malformed(`unknown type ${type}`);
    }
  }
  for (const [name, backend] of snapshot.backends) {
    if (!seenBackendRows.has(name) && backend.servers.length > 0) throw new Malformed(`backend ${name} has no BACKEND row`);
  }
  return snapshot;
}

function backendNamed(snapshot: StatsSnapshot, name: string): { name: string; status: string; servers: ServerStat[] } {
  let backend = snapshot.backends.get(name);
  if (backend === undefined) {
    backend = { name, status: '', servers: [] };
    snapshot.backends.set(name, backend);
  }
  return backend;
}

/** The records of `body`, one character at a time. */
function records(body: string): string[][] {
  const result: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let state: 'lineStart' | 'cellStart' | 'unquoted' | 'quoted' | 'afterQuote' = 'lineStart';
  const endRecord = (): void => {
    record.push(cell);
    result.push(record);
    record = [];
    cell = '';
    state = 'lineStart';
  };

  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    const next = body[i + 1];
    if (state === 'lineStart') {
      if (c === '\n') continue;
      if (c === '\r' && next === '\n') {
        i++;
        continue;
      }
      state = 'cellStart';
    }
    if (state === 'cellStart') {
      if (c === '"') {
        state = 'quoted';
        continue;
      }
      state = 'unquoted';
    }
    if (state === 'unquoted') {
      if (c === ',') {
        record.push(cell);
        cell = '';
        state = 'cellStart';
      } else if (c === '\n') {
        if (cell.endsWith('\r')) cell = cell.slice(0, -1);
        endRecord();
      } else {
        cell += c;
      }
    } else if (state === 'quoted') {
      if (c === '"' && next === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        state = 'afterQuote';
      } else {
        cell += c;
      }
    } else if (state === 'afterQuote') {
      if (c === ',') {
        record.push(cell);
        cell = '';
        state = 'cellStart';
      } else if (c === '\n') {
        endRecord();
      } else if (c === '\r' && next === '\n') {
        i++;
        endRecord();
      } else {
        throw new Malformed('text after a closing quote');
      }
    }
  }
  if (state !== 'lineStart') throw new Malformed('the text ends inside a record');
  return result;
}

/** Exactly `UP`, or `UP`, one space, digits, a slash, digits. */
function isDocumentedUp(status: string): boolean {
  if (status === 'UP') return true;
  if (!status.startsWith('UP ')) return false;
  const fraction = status.slice(3).split('/');
  return fraction.length === 2 && fraction.every((part) => part.length > 0 && [...part].every((ch) => ch >= '0' && ch <= '9'));
}

/** up / total ≥ percent / 100 in exact decimal arithmetic, `percent` read from its written form. */
function percentReached(up: number, total: number, percent: number): boolean {
  const written = String(percent);
  const [mantissa = '', exponentText = '0'] = written.split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  // percent = digits × 10^exponent
  const digits = BigInt(whole + fraction);
  const exponent = Number(exponentText) - fraction.length;
  const left = BigInt(up) * 100n;
  const right = digits * BigInt(total);
  return exponent >= 0 ? left >= right * 10n ** BigInt(exponent) : left * 10n ** BigInt(-exponent) >= right;
}
