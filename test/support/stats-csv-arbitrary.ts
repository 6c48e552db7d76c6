// fast-check arbitraries for HAProxy stats CSV text, for the parser's property tests and `npm run fuzz`.
//
//   wellFormedStatsCsv   tables built to be well-formed: random proxies, servers, statuses (HAProxy's
//                        own and near misses such as "UP garbage"), tracking chains (loops and
//                        dangling targets included), extra columns in random order, cells quoted
//                        when needed or at random (commas, doubled quotes, CR/LF inside quotes),
//                        LF or CRLF line ends, and the CLI's trailing blank line or not.
//   mutatedStatsCsv      one of those, then damaged once: cut short, a line repeated or dropped,
//                        a character deleted or inserted. Mostly malformed, sometimes still fine.
//   statsCsv             both mixed (3 : 2), for the fuzzer.
//   healthRule           health rules over the same proxy names (PROXY_NAMES), so that a
//                        generated config finds the generated backends.
//
// Judge every text with test/support/stats-oracle.ts: oracleParseStats(text) says whether it is
// well-formed and what snapshot it holds, oracleHealthy(rule, snapshot, announced) what
// evaluateService must answer. Example:
//
//   fc.assert(fc.property(statsCsv, healthRule, fc.boolean(), (text, rule, announced) => {
//     const expected = oracleParseStats(text);
//     … parseStatsCsv(text, 'fuzz') throws iff !expected.ok, and then
//     evaluateService({ …service, health: rule }, snapshot, announced).healthy
//       === oracleHealthy(rule, expected.snapshot, announced)
//   }), { numRuns: 1_000_000 });
import fc from 'fast-check';
import type { HealthRule } from '../../src/config/types.js';

/** Proxy names the tables mostly use; `healthRule` draws from the same pool. */
export const PROXY_NAMES = ['be_app', 'be_b', 'fe_www', 'a.b:c-1'] as const;

/** Every server status form HAProxy writes, and near misses that must never count as up. */
export const SERVER_STATUSES = [
  'UP', 'UP 1/2', 'UP 1/3', 'UP 10/20', 'DOWN', 'DOWN 1/2', 'DOWN (agent)', 'NOLB', 'NOLB 1/2', 'DRAIN',
  'DRAIN 1/2', 'DRAIN (agent)', 'MAINT', 'MAINT (via be_app/s1)', 'MAINT (resolution)', 'no check',
  'UP garbage', 'UPX', 'UP 1/', 'UP /2', 'UP a/b', 'UP 1/2 ', 'UP  1/2', ' UP', 'up', 'UP (agent)', 'UP 1/2/3',
  'UP, really', 'UP\n', 'UP\r', 'No check', 'no check ',
];

/** With and without the `* ` of a running check; INI and empty mean "never checked". */
export const CHECK_STATUSES = ['', 'INI', '* INI', 'L7OK', '* L7OK', 'L7OKC', 'L4OK', 'L4CON', 'L7STS', 'L7TOUT', 'UNK', 'HANA', '*  L7OK', '*L7OK'];

const SERVER_NAMES = ['s1', 's2', 's3', 't1', 'BACKEND', 'FRONTEND'];

/** Columns beyond those the parser reads, by their real names; `-` separates HAProxy's module columns. */
const EXTRA_COLUMNS = ['qcur', 'scur', 'weight', 'act', 'lastchg', 'iid', 'sid', 'last_chk', 'check_desc', 'addr', 'mode', '-', 'ssl_sess', 'h2_headers_rcvd', 'agg_server_status'];

/** The columns parseStatsCsv needs, besides pxname and svname, which come first. */
const NEEDED_COLUMNS = ['status', 'type', 'check_status', 'bck'];

/** Text for cells nobody reads, rich in what CSV quoting must survive. */
const filler = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', ',', '"', '\r', '\n', '-', '/', 'é', '*'), maxLength: 6 });

/** Mostly the pools above, sometimes anything (a name with a comma or a quote gets quoted). */
const name = (pool: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,6}$/) }, { weight: 1, arbitrary: filler.filter((s) => s !== '') });

interface ServerModel {
  name: string;
  status: string;
  checkStatus: string;
  bck: string;
  /** A number picks any generated server (itself, a loop, a chain); a string is taken as is. */
  tracks: number | string | undefined;
}

interface ProxyModel {
  name: string;
  frontend: string | undefined;
  listeners: string[];
  backend: { status: string; bck: string; servers: ServerModel[] } | undefined;
}

const server: fc.Arbitrary<ServerModel> = fc.record({
  name: name(SERVER_NAMES),
  status: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...SERVER_STATUSES) }, { weight: 1, arbitrary: filler.filter((s) => s !== '') }),
  checkStatus: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...CHECK_STATUSES) }, { weight: 1, arbitrary: filler }),
  bck: fc.constantFrom('0', '1', '', '01', 'x'),
  tracks: fc.option(fc.oneof({ weight: 4, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constantFrom('be_app/gone', 'nowhere', 'be_app/', '/s1') }), { nil: undefined, freq: 3 }),
});

const proxy: fc.Arbitrary<ProxyModel> = fc.record({
  name: name(PROXY_NAMES),
  frontend: fc.option(fc.constantFrom('OPEN', 'STOP', 'PAUSED', 'FULL', 'OPEN '), { nil: undefined }),
  listeners: fc.array(fc.constantFrom('stats-listener', 'l1', 'sock-1'), { maxLength: 2 }),
  backend: fc.option(
    fc.record({
      status: fc.constantFrom('UP', 'DOWN', 'UP (3/4)', 'DOWN (0/1)'),
      bck: fc.constantFrom('0', '1', '2'),
      servers: fc.uniqueArray(server, { selector: (s) => s.name, maxLength: 6 }),
    }),
    { nil: undefined, freq: 4 },
  ),
});

/** The header's names after pxname,svname: the needed ones, maybe `tracked`, some extras, shuffled. */
const columnOrder: fc.Arbitrary<string[]> = fc
  .tuple(fc.boolean(), fc.subarray(EXTRA_COLUMNS))
  .chain(([withTracked, extras]) => {
    const names = [...NEEDED_COLUMNS, ...(withTracked ? ['tracked'] : []), ...extras];
    return fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length });
  });

/** Each row as cells by column name, in the order HAProxy writes them. */
function rowsOf(proxies: ProxyModel[]): Array<Record<string, string>> {
  const allServers = proxies.flatMap((p) => (p.backend?.servers ?? []).map((s) => `${p.name}/${s.name}`));
  const trackedName = (tracks: ServerModel['tracks']): string => {
    if (typeof tracks === 'number') return allServers[tracks % allServers.length] ?? '';
    return tracks ?? '';
  };
  const rows: Array<Record<string, string>> = [];
  for (const p of proxies) {
    if (p.frontend !== undefined) rows.push({ pxname: p.name, svname: 'FRONTEND', status: p.frontend, type: '0' });
    for (const listener of p.listeners) rows.push({ pxname: p.name, svname: listener, status: 'OPEN', type: '3' });
    if (p.backend === undefined) continue;
    for (const s of p.backend.servers) {
      rows.push({ pxname: p.name, svname: s.name, status: s.status, type: '2', check_status: s.checkStatus, bck: s.bck, tracked: trackedName(s.tracks) });
    }
    rows.push({ pxname: p.name, svname: 'BACKEND', status: p.backend.status, type: '1', bck: p.backend.bck });
  }
  return rows;
}

/** A cell as csv_enc_append writes it: quoted only when it must be, unless `quote` asks anyway. */
function encodeCell(value: string, quote: boolean): string {
  return quote || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const wellFormedStatsCsv: fc.Arbitrary<string> = fc
  .record({
    proxies: fc.uniqueArray(proxy, { selector: (p) => p.name, maxLength: 5 }),
    columns: columnOrder,
    trailingComma: fc.boolean(),
    lineEnd: fc.constantFrom('\n', '\r\n'),
    blankLineAtEnd: fc.boolean(),
    spaceAfterHash: fc.boolean(),
    // Cells nobody reads take their text from this pool, and one in ten cells is quoted though it
    // need not be, both picked by position and `seed`: far cheaper than an arbitrary per cell.
    fillers: fc.array(filler, { minLength: 1, maxLength: 8 }),
    seed: fc.nat(),
  })
  .map((table) => {
    const columns = ['pxname', 'svname', ...table.columns, ...(table.trailingComma ? [''] : [])];
    const { fillers, seed } = table;
    const lines = rowsOf(table.proxies).map((row, r) =>
      columns
        .map((column, c) => {
          const pick = mix(seed, r, c);
          // Cells the parser reads hold the row's value (empty when the row has none); the trailing column stays empty.
          const value = column === '' ? '' : column in row || isReadColumn(column) ? row[column] ?? '' : fillers[pick % fillers.length] ?? '';
          return encodeCell(value, pick % 10 === 0);
        })
        .join(','),
    );
    const header = `#${table.spaceAfterHash ? ' ' : ''}${columns.join(',')}`;
    return [header, ...lines].join(table.lineEnd) + table.lineEnd + (table.blankLineAtEnd ? table.lineEnd : '');
  });

/** A well-spread number for a cell position, so neighbouring cells make different picks. */
function mix(seed: number, row: number, column: number): number {
  return Math.imul(seed ^ Math.imul(row + 1, 0x9e3779b1) ^ Math.imul(column + 1, 0x85ebca6b), 0xc2b2ae35) >>> 7;
}

function isReadColumn(column: string): boolean {
  return column === 'pxname' || column === 'svname' || column === 'tracked' || NEEDED_COLUMNS.includes(column);
}

type Mutation =
  | { kind: 'cut'; at: number }
  | { kind: 'repeatLine'; line: number; to: number }
  | { kind: 'dropLine'; line: number }
  | { kind: 'deleteChar'; at: number }
  | { kind: 'insert'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeatLine' as const), line: fc.nat(), to: fc.nat() }),
  fc.record({ kind: fc.constant('dropLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('deleteChar' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(',', '"', '\r', '\n', '\r\n', '""', 'x', ' ', '#') }),
);

function mutate(text: string, m: Mutation): string {
  const lines = text.split('\n');
  // Line 0 is the header; a data line is what most mutations aim at, when there is one.
  const dataLine = (n: number): number => (lines.length > 1 ? 1 + (n % (lines.length - 1)) : 0);
  switch (m.kind) {
    case 'cut':
      return text.slice(0, m.at % (text.length + 1));
    case 'repeatLine': {
      const copy = lines[dataLine(m.line)] ?? '';
      lines.splice(1 + (m.to % lines.length), 0, copy);
      return lines.join('\n');
    }
    case 'dropLine':
      lines.splice(dataLine(m.line), 1);
      return lines.join('\n');
    case 'deleteChar': {
      const at = m.at % Math.max(text.length, 1);
      return text.slice(0, at) + text.slice(at + 1);
    }
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
  }
}

export const mutatedStatsCsv: fc.Arbitrary<string> = fc.tuple(wellFormedStatsCsv, mutation).map(([text, m]) => mutate(text, m));

export const statsCsv: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: wellFormedStatsCsv }, { weight: 2, arbitrary: mutatedStatsCsv });

const percent = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0.1, 12.5, 33.3, 64.4, 66.7, 99.9));

export const healthRule: fc.Arbitrary<HealthRule> = fc.record({
  backends: fc.uniqueArray(fc.constantFrom(...PROXY_NAMES, 'be_missing'), { minLength: 1, maxLength: 3 }),
  mode: fc.constantFrom('all' as const, 'any' as const),
  minUp: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  minUpPercent: fc.option(percent, { nil: undefined }),
  recoverMinUp: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  recoverMinUpPercent: fc.option(percent, { nil: undefined }),
  countBackup: fc.boolean(),
  frontend: fc.option(fc.constantFrom(...PROXY_NAMES), { nil: undefined }),
});
