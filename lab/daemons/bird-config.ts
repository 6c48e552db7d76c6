import { assertLabNetAddress, assertLoopback } from './assert-loopback.js';

export interface BirdNeighbor {
  /** BGP protocol name in BIRD (`show protocols`, `restartProtocol`); letters, digits, `_`. */
  name: string;
  /** The peer's address; BIRD matches incoming sessions on it. */
  address: string;
  as: number;
  /** In a namespace: BIRD's own address on the link to this peer. */
  sourceAddress?: string;
  /** Shown by `show protocols all`. */
  description?: string;
}

/**
 * Where BIRD's sessions run. `loopback`: it listens on `address:port` (127.0.0.0/8) and waits
 * for the peers, and nothing reaches the host's routing table. `namespace`: it sits in one of
 * the lab's own network namespaces, dials its peers on 179 like a real route server, and
 * installs its best paths in that namespace's kernel table, so packets follow them.
 */
export type BirdPlacement = { kind: 'loopback'; address: string; port: number } | { kind: 'namespace' };

export interface BirdConfigOptions {
  routerId: string;
  localAs: number;
  placement: BirdPlacement;
  neighbors: readonly BirdNeighbor[];
  /** BGP hold time in seconds; default 9 so a dead peer is noticed within a test's budget. */
  holdTime?: number;
  /**
   * A file for BIRD's log with every route change traced (`debug { states, routes }`) and ms
   * timestamps: the hub's own record of when a path came and went. Default: log to stderr.
   */
  routeLog?: string;
}

/** A BIRD 2 route server: accepts every route from its peers and exports none to them. */
export function birdConfig(options: BirdConfigOptions): string {
  const { placement } = options;
  const checkAddress = placement.kind === 'loopback' ? assertLoopback : assertLabNetAddress;
  if (placement.kind === 'loopback') checkAddress(placement.address, 'BIRD listen address');
  const holdTime = options.holdTime ?? 9;
  const lines = [
    ...(options.routeLog === undefined
      ? ['log stderr all;']
      : [`log "${options.routeLog}" all;`, 'timeformat protocol iso long;', 'timeformat route iso long;', 'timeformat log "%F %T.%3f";']),
    `router id ${options.routerId};`,
    '',
    // Needed so BIRD knows the interfaces exist.
    'protocol device {}',
    ...(placement.kind === 'namespace'
      ? ['', '# The best path for each prefix goes into the namespace\'s kernel table.', 'protocol kernel {', '  ipv4 { import none; export all; };', '}']
      : []),
    '',
    'template bgp lab_peer {',
    ...(placement.kind === 'loopback'
      ? [
          `  local ${placement.address} port ${placement.port} as ${options.localAs};`,
          // Bind the listening socket to `address` only, not to every address.
          '  strict bind on;',
          // ExaBGP connects out; BIRD never dials, which keeps the session set-up one-sided and fast.
          '  passive on;',
          // Without it BIRD rejects the loopback next hop as not directly connected ("Invalid next hop").
          '  multihop;',
        ]
      : [`  local as ${options.localAs};`, '  connect retry time 2;']),
    ...(options.routeLog === undefined ? [] : ['  debug { states, routes };']),
    `  hold time ${holdTime};`,
    `  keepalive time ${Math.max(1, Math.floor(holdTime / 3))};`,
    // Defaults (60 s, 300 s) would keep a restarted peer out for minutes; labs restart peers on purpose.
    '  error wait time 1, 5;',
    '  ipv4 { import all; export none; };',
    '}',
  ];
  for (const neighbor of options.neighbors) {
    checkAddress(neighbor.address, `BIRD neighbor ${neighbor.name}`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(neighbor.name)) {
      throw new Error(`BIRD protocol name '${neighbor.name}' must be letters, digits and '_'`);
    }
    if (neighbor.sourceAddress !== undefined) checkAddress(neighbor.sourceAddress, `BIRD source address for ${neighbor.name}`);
    lines.push(
      '',
      `protocol bgp ${neighbor.name} from lab_peer {`,
      ...(neighbor.description === undefined ? [] : [`  description "${neighbor.description.replace(/"/g, '')}";`]),
      ...(neighbor.sourceAddress === undefined ? [] : [`  source address ${neighbor.sourceAddress};`]),
      `  neighbor ${neighbor.address} as ${neighbor.as};`,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}
