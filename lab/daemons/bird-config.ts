import { assertLoopback } from './assert-loopback.js';

export interface BirdNeighbor {
  /** BGP protocol name in BIRD (`show protocols`, `restartProtocol`); letters, digits, `_`. */
  name: string;
  /** The peer's source address; BIRD matches incoming sessions on it. */
  address: string;
  as: number;
}

export interface BirdConfigOptions {
  routerId: string;
  localAs: number;
  /** Where BIRD listens for BGP (127.0.0.0/8). */
  address: string;
  /** A non-179 port, so several BIRDs (and whatever runs on 179) coexist. */
  port: number;
  neighbors: readonly BirdNeighbor[];
  /** BGP hold time in seconds; default 9 so a dead peer is noticed within a test's budget. */
  holdTime?: number;
}

/**
 * A passive BIRD 2 route server: it waits for the peers to connect, accepts every route and
 * exports none. No `kernel` protocol, so nothing reaches the host's routing table.
 */
export function birdConfig(options: BirdConfigOptions): string {
  assertLoopback(options.address, 'BIRD listen address');
  const holdTime = options.holdTime ?? 9;
  const lines = [
    'log stderr all;',
    `router id ${options.routerId};`,
    '',
    // Needed so BIRD knows the loopback interface exists.
    'protocol device {}',
    '',
    'template bgp lab_peer {',
    `  local ${options.address} port ${options.port} as ${options.localAs};`,
    // Bind the listening socket to `address` only, not to every address.
    '  strict bind on;',
    // ExaBGP connects out; BIRD never dials, which keeps the session set-up one-sided and fast.
    '  passive on;',
    // Without it BIRD rejects the loopback next hop as not directly connected ("Invalid next hop").
    '  multihop;',
    `  hold time ${holdTime};`,
    `  keepalive time ${Math.max(1, Math.floor(holdTime / 3))};`,
    // Defaults (60 s, 300 s) would keep a restarted peer out for minutes; labs restart peers on purpose.
    '  error wait time 1, 5;',
    '  ipv4 { import all; export none; };',
    '}',
  ];
  for (const neighbor of options.neighbors) {
    assertLoopback(neighbor.address, `BIRD neighbor ${neighbor.name}`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(neighbor.name)) {
      throw new Error(`BIRD protocol name '${neighbor.name}' must be letters, digits and '_'`);
    }
    lines.push('', `protocol bgp ${neighbor.name} from lab_peer {`, `  neighbor ${neighbor.address} as ${neighbor.as};`, '}');
  }
  return `${lines.join('\n')}\n`;
}
