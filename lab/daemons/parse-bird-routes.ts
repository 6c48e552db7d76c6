/** One path to a prefix, as BIRD 2 prints it in `show route all`. */
export interface BirdRoute {
  /** Routing table, e.g. `master4`. */
  table: string;
  prefix: string;
  /** What BIRD would forward to: `unreachable` (no IGP in the lab), or e.g. `via 127.0.0.1 on lo`. */
  destination: string;
  /** The protocol (BGP session) the path came from. */
  protocol: string;
  /** When BIRD learned the path, as printed. */
  since: string;
  /** The peer the path was learned from, when BIRD prints it. */
  from?: string;
  /** BIRD's `*`: the path it selected. */
  best: boolean;
  preference: number;
  origin?: string;
  /** AS numbers in order; members of an AS_SET are flattened in. Empty for a local or iBGP path. */
  asPath: number[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  /** `asn:value`. */
  communities: string[];
  /** `global:local1:local2`. */
  largeCommunities: string[];
  /** Every attribute line as printed, e.g. `{ 'Type': 'BGP univ', 'BGP.origin': 'IGP' }`. */
  attributes: Record<string, string>;
}

/**
 * Parses the text of `birdc show route all …` (BIRD 2). Lines it does not know make it throw, so
 * a change in BIRD's format fails loudly instead of reading as "no route".
 */
export function parseBirdRoutes(text: string): BirdRoute[] {
  const routes: BirdRoute[] = [];
  let table = '';
  let prefix: string | undefined;
  let current: BirdRoute | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || /^BIRD \S+ ready\.$/.test(line)) continue;
    const tableMatch = /^Table (\S+):$/.exec(line);
    if (tableMatch) {
      table = tableMatch[1] ?? '';
      continue;
    }
    const attribute = /^\t([^\s:][^:]*): ?(.*)$/.exec(line);
    if (attribute && current && !/^\t(via|dev) /.test(line)) {
      applyAttribute(current, attribute[1] ?? '', attribute[2] ?? '');
      continue;
    }
    // Extra next hops of a multipath route; the lab has no multipath, and the route line says enough.
    if (/^\t(via|dev) /.test(line) && current) continue;
    const path = routeLine.exec(line);
    if (path) {
      prefix = path[1] ?? prefix;
      if (prefix === undefined) throw new Error(`BIRD route line without a prefix: ${line}`);
      current = {
        table,
        prefix,
        destination: path[2] ?? '',
        protocol: path[3] ?? '',
        since: path[4] ?? '',
        ...(path[5] === undefined ? {} : { from: path[5] }),
        best: path[6] !== undefined,
        preference: Number(path[7]),
        asPath: [],
        communities: [],
        largeCommunities: [],
        attributes: {},
      };
      routes.push(current);
      continue;
    }
    throw new Error(`unrecognised line in BIRD route output: ${JSON.stringify(line)}`);
  }
  return routes;
}

/** One change of a path, from BIRD's `debug { routes }` trace. */
export interface BirdRouteEvent {
  /** BIRD's own timestamp (epoch ms). */
  t: number;
  /** The BGP protocol (session) the path came from. */
  protocol: string;
  kind: 'added' | 'removed';
  best: boolean;
}

/**
 * Reads BIRD's route trace for exactly `prefix`:
 * `2026-11-29 23:42:51.461 <TRACE> nva_ne.ipv4 > removed [replaced] 198.18.0.100/32 …`
 * (needs `timeformat log "%F %T.%3f"`, which birdConfig writes with a route log).
 */
export function parseBirdRouteEvents(log: string, prefix: string): BirdRouteEvent[] {
  const events: BirdRouteEvent[] = [];
  for (const line of log.split('\n')) {
    const match = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3}) <TRACE> (\w+)\.ipv4 > (added|removed) (\[[^\]]*\] )?(\S+)/.exec(line);
    if (!match || match[6] !== prefix) continue;
    events.push({
      // BIRD logs local time, and Date reads a date-time without a zone as local time too.
      t: new Date(`${match[1]}T${match[2]}`).getTime(),
      protocol: match[3] ?? '',
      kind: match[4] === 'added' ? 'added' : 'removed',
      best: (match[5] ?? '').includes('best'),
    });
  }
  return events;
}

// --- internal ---

/**
 * `198.18.0.10/32  unreachable [exa 23:09:09.108 from 127.0.0.1] * (100) [AS65010i]`; further paths
 * to the same prefix start with blanks instead of the prefix. The preference may carry an IGP
 * metric (`(100/10)`), and the time format depends on BIRD's `timeformat route` setting.
 */
const routeLine = /^(\S+)?\s+(.+?)\s+\[(\S+) (.+?)(?: from (\S+))?\](\s+\*)?\s+\((\d+)(?:\/[^)]*)?\)(?:\s+\[.*\])?\s*$/;

function applyAttribute(route: BirdRoute, name: string, value: string): void {
  route.attributes[name] = value;
  switch (name) {
    case 'BGP.origin':
      route.origin = value;
      break;
    case 'BGP.as_path':
      route.asPath = value.replace(/[{}]/g, ' ').split(/\s+/).filter(Boolean).map(Number);
      break;
    case 'BGP.next_hop':
      route.nextHop = value;
      break;
    case 'BGP.med':
      route.med = Number(value);
      break;
    case 'BGP.local_pref':
      route.localPref = Number(value);
      break;
    case 'BGP.community':
      route.communities = tuples(value).map((parts) => parts.join(':'));
      break;
    case 'BGP.large_community':
      route.largeCommunities = tuples(value).map((parts) => parts.join(':'));
      break;
  }
}

/** `(65010,1) (65010,2)` → [['65010','1'], ['65010','2']]; large communities have spaces after commas. */
function tuples(value: string): string[][] {
  return Array.from(value.matchAll(/\(([^)]*)\)/g), (match) => (match[1] ?? '').split(',').map((part) => part.trim()));
}
