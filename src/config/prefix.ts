import { isIP } from 'node:net';
import { PluginError } from '../errors.js';

/**
 * Prefix and address math on numbers, not text: every textual form of one address (embedded
 * IPv4 tails, `::`, uppercase hex, leading zeros in a group) parses to the same value, and only
 * the canonical text is compared or written into commands.
 */

/** Why `text` is not a network prefix (address/length without host bits), or undefined when it is one. */
export function prefixProblem(text: string): string | undefined {
  const parsed = parsePrefix(text);
  return typeof parsed === 'string' ? parsed : undefined;
}

/**
 * The one text of a valid prefix: IPv4 as a dotted quad, IPv6 as RFC 5952 writes it (lowercase,
 * the longest run of zero groups as `::`, IPv4-mapped addresses with their dotted tail), and the
 * length as a plain decimal (`/024` becomes `/24`).
 */
export function canonicalPrefix(text: string): string {
  const parsed = parsePrefix(text);
  if (typeof parsed === 'string') throw new PluginError('ERR_CONFIG_INVALID', parsed, { prefix: text });
  return `${formatAddress(parsed.network)}/${parsed.length}`;
}

/** The one text of an IP address (see canonicalPrefix), or undefined when `text` is not one. */
export function canonicalAddress(text: string): string | undefined {
  const address = parseAddress(text);
  return address && formatAddress(address);
}

/** Whether `text` is an address a BGP peer or next hop can have: not unspecified, multicast or broadcast. */
export function isUnicastAddress(text: string): boolean {
  const address = parseAddress(text);
  if (address === undefined) return false;
  const { family, value } = address;
  if (family === 4) return value !== 0n && value !== 0xffffffffn && value >> 28n !== 0xen;
  return value !== 0n && value >> 120n !== 0xffn;
}

/**
 * Whether every address of `inner` (a prefix or a plain address) lies inside the valid prefix
 * `outer`: 9.9.9.0/24 covers 9.9.9.9 and 9.9.9.9/32; prefixes of different families never do.
 */
export function prefixCovers(outer: string, inner: string): boolean {
  const container = parsePrefix(outer);
  const contained = parsePrefix(inner.includes('/') ? inner : `${inner}/${isIP(inner) === 6 ? 128 : 32}`);
  if (typeof container === 'string' || typeof contained === 'string') return false;
  if (container.network.family !== contained.network.family || contained.length < container.length) return false;
  const hostBits = BigInt(addressBits[container.network.family] - container.length);
  return contained.network.value >> hostBits === container.network.value >> hostBits;
}

// --- internal ---

interface Address {
  family: 4 | 6;
  value: bigint;
}

const addressBits = { 4: 32, 6: 128 } as const;

function parsePrefix(text: string): { network: Address; length: number } | string {
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (address === undefined) return `"${text}" does not start with an IPv4 or IPv6 address`;
  const maxLength = addressBits[address.family];
  const lengthText = slash === -1 ? '' : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lengthText) || Number(lengthText) > maxLength) {
    return `"${text}" has a prefix length outside 0-${maxLength}; write address/length, e.g. ${formatAddress(address)}/${maxLength}`;
  }
  const length = Number(lengthText);
  const hostBits = BigInt(maxLength - length);
  const network = { family: address.family, value: (address.value >> hostBits) << hostBits };
  if (network.value !== address.value) {
    return `"${text}" has host bits set; use the network address (e.g. ${formatAddress(network)}/${length})`;
  }
  return { network, length };
}

function parseAddress(text: string): Address | undefined {
  // node accepts a zone ("fe80::1%eth0"), which names an interface, not part of an address.
  if (text.includes('%')) return undefined;
  const family = isIP(text);
  if (family === 4) return { family, value: ipv4Value(text) };
  if (family === 6) return { family, value: ipv6Value(text) };
  return undefined;
}

/** Only for text isIP accepted as IPv4 (so four decimal octets without leading zeros). */
function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

/** Only for text isIP accepted as IPv6 (so at most one `::`, and eight groups in all). */
function ipv6Value(text: string): bigint {
  const [head = '', tail] = text.split('::');
  const headGroups = ipv6Groups(head);
  const tailGroups = tail === undefined ? [] : ipv6Groups(tail);
  const zeroGroups = Array<bigint>(8 - headGroups.length - tailGroups.length).fill(0n);
  return [...headGroups, ...zeroGroups, ...tailGroups].reduce((value, group) => (value << 16n) | group, 0n);
}

function ipv6Groups(part: string): bigint[] {
  if (part === '') return [];
  return part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [BigInt(`0x${group}`)];
    const tail = ipv4Value(group);
    return [tail >> 16n, tail & 0xffffn];
  });
}

function formatAddress({ family, value }: Address): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  // RFC 5952 section 5: an IPv4-mapped address (::ffff:0:0/96) keeps its dotted tail.
  if (value >> 32n === 0xffffn) return `::ffff:${formatAddress({ family: 4, value: value & 0xffffffffn })}`;
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => (value >> shift) & 0xffffn);
  const zeros = longestZeroRun(groups);
  const hex = (part: bigint[]) => part.map((group) => group.toString(16)).join(':');
  // RFC 5952 section 4.2: `::` replaces the longest run (the first of equal ones), never a single group.
  if (zeros.length < 2) return hex(groups);
  return `${hex(groups.slice(0, zeros.start))}::${hex(groups.slice(zeros.start + zeros.length))}`;
}

function longestZeroRun(groups: bigint[]): { start: number; length: number } {
  let longest = { start: 0, length: 0 };
  let start = 0;
  groups.forEach((group, i) => {
    if (group !== 0n) start = i + 1;
    else if (i + 1 - start > longest.length) longest = { start, length: i + 1 - start };
  });
  return longest;
}
