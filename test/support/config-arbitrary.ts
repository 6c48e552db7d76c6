// fast-check arbitraries of plugin configs (as parsed JSON, before validateConfig), for the property
// tests of tick and for `npm run fuzz`.
//
//   pluginConfig    1–3 services with 1–3 prefixes each, every prefix its own network inside
//                   198.18.0.0/15 or 2001:db8::/32, written in varied text (a /024 length, upper-
//                   case or zero-padded IPv6 groups, an embedded IPv4 tail); rise/fall 1–3;
//                   onStatsError withdraw or hold; onDown withdraw or a degrade. Always valid.
//   damagedConfig   one of those with one value anywhere replaced by arbitrary JSON: mostly invalid.
//
// Health rules come from stats-csv-arbitrary's healthRule, so they name the generated backends.
import fc from 'fast-check';
import type { HealthRule } from '../../src/config/types.js';
import { healthRule } from './stats-csv-arbitrary.js';

/** Every peer the generated configs name. A service with no neighbors list goes to all of them. */
export const NEIGHBORS = ['127.0.0.2', '127.0.0.3', '::2'] as const;

export const INTERVAL_MS = 1000;

interface Network {
  family: 4 | 6;
  value: bigint;
  length: number;
}

const IPV4_BASE = 0xc6120000n; // 198.18.0.0/15
const IPV6_BASE = 0x20010db8n << 96n; // 2001:db8::/32

const withoutHostBits = (value: bigint, hostBits: number): bigint => (value >> BigInt(hostBits)) << BigInt(hostBits);

const ipv4Network: fc.Arbitrary<Network> = fc
  .tuple(fc.integer({ min: 15, max: 32 }), fc.bigInt({ min: 0n, max: (1n << 17n) - 1n }))
  .map(([length, bits]) => ({ family: 4, value: withoutHostBits(IPV4_BASE + bits, 32 - length), length }));

const ipv6Network: fc.Arbitrary<Network> = fc
  .tuple(fc.integer({ min: 32, max: 128 }), fc.bigInt({ min: 0n, max: (1n << 96n) - 1n }))
  .map(([length, bits]) => ({ family: 6, value: withoutHostBits(IPV6_BASE + bits, 128 - length), length }));

interface Spelling {
  paddedLength: boolean;
  upperCase: boolean;
  paddedGroups: boolean;
  ipv4Tail: boolean;
}

/** One of the many texts of a network; validateConfig must read them all as the same prefix. */
function prefixText({ family, value, length }: Network, spelling: Spelling): string {
  const lengthText = spelling.paddedLength ? String(length).padStart(3, '0') : String(length);
  const byte = (shift: number): bigint => (value >> BigInt(shift)) & 0xffn;
  if (family === 4) return `${[24, 16, 8, 0].map((s) => byte(s)).join('.')}/${lengthText}`;
  const groups = [112, 96, 80, 64, 48, 32, 16, 0].map((shift) => {
    const hex = ((value >> BigInt(shift)) & 0xffffn).toString(16);
    const padded = spelling.paddedGroups ? hex.padStart(4, '0') : hex;
    return spelling.upperCase ? padded.toUpperCase() : padded;
  });
  const address = spelling.ipv4Tail ? `${groups.slice(0, 6).join(':')}:${[24, 16, 8, 0].map((s) => byte(s)).join('.')}` : groups.join(':');
  return `${address}/${lengthText}`;
}

const spelling: fc.Arbitrary<Spelling> = fc.record({ paddedLength: fc.boolean(), upperCase: fc.boolean(), paddedGroups: fc.boolean(), ipv4Tail: fc.boolean() });

/** Drops the recover thresholds that would sit below the thresholds to stay up (validateConfig refuses those). */
function consistentThresholds(rule: HealthRule): HealthRule {
  const consistent: HealthRule = { ...rule };
  if (rule.recoverMinUp !== undefined && rule.recoverMinUp < (rule.minUp ?? 1)) delete consistent.recoverMinUp;
  if (rule.recoverMinUpPercent !== undefined && rule.recoverMinUpPercent < (rule.minUpPercent ?? 0)) delete consistent.recoverMinUpPercent;
  return consistent;
}

const attributes = fc.record(
  {
    med: fc.constantFrom(0, 10, 4294967295),
    localPreference: fc.constantFrom(50, 100),
    communities: fc.constantFrom(['65010:100'], ['65010:100', '0065:00001']),
    largeCommunities: fc.constantFrom(['65010:1:1'], ['0000000001:1:1']),
    asPath: fc.constantFrom([65010], [65010, 65010, 65010]),
  },
  { requiredKeys: [] },
);

const onDown = fc.oneof(
  { weight: 2, arbitrary: fc.constant('withdraw' as const) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(attributes, fc.option(fc.constantFrom(0, INTERVAL_MS, 2.5 * INTERVAL_MS, 5 * INTERVAL_MS), { nil: undefined }))
      .map(([degraded, withdrawAfterMs]) => (withdrawAfterMs === undefined ? degraded : { ...degraded, withdrawAfterMs })),
  },
);

const service = fc.record(
  {
    nextHop: fc.constantFrom('self', '127.0.0.1'),
    neighbors: fc.subarray([...NEIGHBORS]),
    health: healthRule.map(consistentThresholds),
    onDown,
    attributes,
    spellings: fc.array(spelling, { minLength: 3, maxLength: 3 }),
    prefixCount: fc.integer({ min: 1, max: 3 }),
  },
  { requiredKeys: ['nextHop', 'health', 'onDown', 'attributes', 'spellings', 'prefixCount'] },
);

/** A plugin config as its JSON file holds it: valid, and (as JSON would) without undefined values. */
export const pluginConfig: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    rise: fc.integer({ min: 1, max: 3 }),
    fall: fc.integer({ min: 1, max: 3 }),
    onStatsError: fc.constantFrom('withdraw', 'hold'),
    staleMs: fc.constantFrom(0, INTERVAL_MS, 2.5 * INTERVAL_MS, 5 * INTERVAL_MS),
    services: fc.array(service, { minLength: 1, maxLength: 3 }),
    networks: fc.uniqueArray(fc.oneof(ipv4Network, ipv6Network), { selector: (n) => `${n.family} ${n.value} ${n.length}`, minLength: 9, maxLength: 9 }),
  })
  .map(({ services, networks, ...top }) => {
    const config = {
      stats: { source: 'unix:/run/haproxy/admin.sock' },
      intervalMs: INTERVAL_MS,
      disableFile: '/run/maint',
      ...top,
      services: services.map(({ spellings, prefixCount, attributes: own, ...rest }, i) => ({
        name: `svc${i}`,
        prefixes: networks.slice(3 * i, 3 * i + prefixCount).map((network, j) => prefixText(network, spellings[j] as Spelling)),
        ...own,
        ...rest,
      })),
    };
    return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  });

/** Every place a value sits in `data`, as paths of keys and indexes. */
function valuePaths(data: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (data === null || typeof data !== 'object') return [path];
  const children = Array.isArray(data) ? data.map((value, i) => [i, value] as const) : Object.entries(data);
  return [path, ...children.flatMap(([key, value]) => valuePaths(value, [...path, key]))];
}

function replaceAt(data: unknown, path: Array<string | number>, value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const copy = (Array.isArray(data) ? [...data] : { ...(data as object) }) as Record<string | number, unknown>;
  copy[key] = replaceAt(copy[key], rest, value);
  return copy;
}

/** A valid config with one value (the whole file, a section, a list, a leaf) replaced by any JSON. */
export const damagedConfig: fc.Arbitrary<unknown> = fc.tuple(pluginConfig, fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([config, pick, value]) => {
  const paths = valuePaths(config);
  return replaceAt(config, paths[pick % paths.length] ?? [], value);
});
