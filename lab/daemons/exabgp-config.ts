import { assertLoopback } from './assert-loopback.js';

export interface ExabgpProcess {
  /** Name used in `api { processes [ … ] }`. */
  name: string;
  /** argv of the API process; use absolute paths (ExaBGP searches relative ones in odd places). */
  run: readonly string[];
  /** Default `json`; ExaBGP 4.2 refuses a process block without one. */
  encoder?: 'json' | 'text';
}

export interface ExabgpNeighbor {
  peerAddress: string;
  /** ExaBGP's source address; also what `next-hop self` resolves to. */
  localAddress: string;
  routerId: string;
  localAs: number;
  peerAs: number;
  /** TCP port to dial on the peer (ExaBGP 4.2 neighbor `connect`); default 179. */
  connectPort?: number;
  /** Default 9 s, so a dead peer is noticed within a test's budget. */
  holdTime?: number;
  /** API processes allowed to announce to this neighbor; they also get neighbor up/down messages. */
  processes?: readonly string[];
  /** Default `['ipv4 unicast']`; without a family block ExaBGP offers every family it knows. */
  families?: readonly string[];
}

export interface ExabgpConfigOptions {
  processes?: readonly ExabgpProcess[];
  neighbors: readonly ExabgpNeighbor[];
}

/** exabgp.conf text for ExaBGP 4.2 and 5.0: the same text runs both (4.2.21 and 5.0.13 in the e2e test). */
export function exabgpConfig(options: ExabgpConfigOptions): string {
  const lines: string[] = [];
  for (const proc of options.processes ?? []) {
    lines.push(
      `process ${proc.name} {`,
      `  run ${proc.run.map((arg) => checkedWord(arg, `process ${proc.name} run`)).join(' ')};`,
      `  encoder ${proc.encoder ?? 'json'};`,
      '}',
      '',
    );
  }
  for (const neighbor of options.neighbors) {
    assertLoopback(neighbor.peerAddress, 'ExaBGP neighbor address');
    assertLoopback(neighbor.localAddress, 'ExaBGP local-address');
    lines.push(
      `neighbor ${neighbor.peerAddress} {`,
      `  router-id ${neighbor.routerId};`,
      `  local-address ${neighbor.localAddress};`,
      `  local-as ${neighbor.localAs};`,
      `  peer-as ${neighbor.peerAs};`,
      ...(neighbor.connectPort === undefined ? [] : [`  connect ${neighbor.connectPort};`]),
      `  hold-time ${neighbor.holdTime ?? 9};`,
      `  family { ${(neighbor.families ?? ['ipv4 unicast']).map((family) => `${family};`).join(' ')} }`,
      ...(neighbor.processes === undefined || neighbor.processes.length === 0
        ? []
        : [`  api { processes [ ${neighbor.processes.join(' ')} ]; neighbor-changes; }`]),
      '}',
      '',
    );
  }
  return lines.join('\n');
}

// --- internal ---

/** ExaBGP splits `run` on blanks and treats `;`, quotes and braces as syntax; refuse them outright. */
function checkedWord(arg: string, where: string): string {
  if (arg === '' || /[\s;'"{}[\]]/.test(arg)) throw new Error(`${where}: argument ${JSON.stringify(arg)} cannot be written into exabgp.conf`);
  return arg;
}
