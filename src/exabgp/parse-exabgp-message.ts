import { isIP } from 'node:net';

export type NeighborState = 'connected' | 'up' | 'down';

/** A line ExaBGP wrote to our stdin, sorted by what we do with it. */
export type ExabgpMessage =
  | { kind: 'ack'; ok: boolean }
  | { kind: 'neighbor'; peer: string; state: NeighborState }
  /**
   * One line of ExaBGP's answer to `show adj-rib out` (plain or `extensive`): a route ExaBGP
   * announces, or has queued, for `neighbor`. `prefix` is as ExaBGP printed it (canonical in every
   * case seen, but compare it canonicalised);
   * `line` is the whole line, attributes included.
   */
  | { kind: 'ribEntry'; neighbor: string; family: string; prefix: string; line: string }
  | { kind: 'shutdown' }
  | { kind: 'other' };

/**
 * Classifies one stdin line from either encoder (text or json). Acks and `show` answers are plain
 * text in both. Never throws: the line may be anything, and a field of the wrong type makes the
 * message `other` rather than a guess.
 */
export function parseExabgpMessage(line: string): ExabgpMessage {
  const text = line.trim();
  if (text === 'done') return { kind: 'ack', ok: true };
  if (text === 'error') return { kind: 'ack', ok: false };
  if (text.startsWith('{')) return parseJson(text);
  if (text === 'shutdown' || text.startsWith('shutdown ')) return { kind: 'shutdown' };
  const neighbor = /^neighbor (\S+) (connected|up|down)(?: |$)/.exec(text);
  if (neighbor?.[1] !== undefined && isNeighborState(neighbor[2])) return { kind: 'neighbor', peer: neighbor[1], state: neighbor[2] };
  return parseRibEntry(text) ?? { kind: 'other' };
}

// --- internal ---

/**
 * `show adj-rib out` lines, as verified on ExaBGP 4.2.21 and 5.0.13 (test/fixtures/exabgp/):
 *   4.2 plain:     `neighbor 127.0.66.1 ipv4 unicast 198.18.66.0/24 next-hop self`
 *   5.0 plain:     `127.0.66.1 ipv4 unicast 198.18.66.0/24 next-hop 127.0.66.21`
 *   extensive:     `neighbor 127.0.66.1 local-ip … local-as … peer-as … router-id … family-allowed in-open ipv4 unicast 198.18.66.0/24 next-hop self med 50 …`
 * The family words right after the address keep these apart from the text encoder's
 * `neighbor 127.0.66.1 up` and `neighbor 127.0.66.1 receive update …`. Only unicast is read: it
 * is all the plugin announces.
 */
const ribEntryPattern =
  /^(?:neighbor )?(\S+) (?:local-ip \S+ local-as \S+ peer-as \S+ router-id \S+ family-allowed \S+ )?(ipv4|ipv6) (unicast) ((\S+)\/(\d{1,3}))(?: |$)/;

function parseRibEntry(text: string): ExabgpMessage | undefined {
  const match = ribEntryPattern.exec(text);
  if (!match) return undefined;
  const [, neighbor, afi, safi, prefix, address, length] = match;
  if (neighbor === undefined || prefix === undefined || address === undefined || isIP(neighbor) === 0) return undefined;
  const version = afi === 'ipv4' ? 4 : 6;
  if (isIP(address) !== version || Number(length) > (version === 4 ? 32 : 128)) return undefined;
  return { kind: 'ribEntry', neighbor, family: `${afi} ${safi}`, prefix, line: text };
}

function parseJson(text: string): ExabgpMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { kind: 'other' };
  }
  const type = field(message, 'type');
  if (type === 'notification' && field(message, 'notification') === 'shutdown') return { kind: 'shutdown' };
  if (type !== 'state') return { kind: 'other' };
  const neighbor = field(message, 'neighbor');
  const state = field(neighbor, 'state');
  const peer = field(field(neighbor, 'address'), 'peer');
  // A state we cannot attribute to a peer, or do not know, tells us nothing to act on.
  if (typeof peer !== 'string' || peer === '' || !isNeighborState(state)) return { kind: 'other' };
  return { kind: 'neighbor', peer, state };
}

/** `value[key]` if value is a plain JSON object with that key of its own, else undefined. */
function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
  return (value as Record<string, unknown>)[key];
}

function isNeighborState(value: unknown): value is NeighborState {
  return value === 'connected' || value === 'up' || value === 'down';
}
