import fc from 'fast-check';
import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, canonicalPrefix, isUnicastAddress, prefixCovers, prefixProblem } from '../../../src/config/prefix.js';

describe('prefixProblem', () => {
  it.each([
    '9.9.9.9/32',
    '198.18.0.0/15',
    '0.0.0.0/0',
    '2001:db8::/32',
    '2001:DB8::/32',
    '2001:db8::1/128',
    '::/0',
    '::/128',
    '64:ff9b::192.0.2.0/120',
    '::ffff:0.1.0.0/112',
    '198.18.0.0/024',
  ])('accepts %s', (prefix) => {
    expect(prefixProblem(prefix)).toBeUndefined();
  });

  it.each([
    ['2001:db8::1/64', '"2001:db8::1/64" has host bits set; use the network address (e.g. 2001:db8::/64)'],
    ['10.1.2.3/8', '"10.1.2.3/8" has host bits set; use the network address (e.g. 10.0.0.0/8)'],
    ['64:ff9b::192.0.2.1/120', '"64:ff9b::192.0.2.1/120" has host bits set; use the network address (e.g. 64:ff9b::c000:200/120)'],
    ['::ffff:0.1.2.3/112', '"::ffff:0.1.2.3/112" has host bits set; use the network address (e.g. ::ffff:0.1.0.0/112)'],
    ['300.1.1.1/32', '"300.1.1.1/32" does not start with an IPv4 or IPv6 address'],
    ['fe80::%eth0/64', '"fe80::%eth0/64" does not start with an IPv4 or IPv6 address'],
    ['9.9.9.9/33', '"9.9.9.9/33" has a prefix length outside 0-32; write address/length, e.g. 9.9.9.9/32'],
    ['2001:db8::/129', '"2001:db8::/129" has a prefix length outside 0-128; write address/length, e.g. 2001:db8::/128'],
    ['9.9.9.9', '"9.9.9.9" has a prefix length outside 0-32; write address/length, e.g. 9.9.9.9/32'],
    ['9.9.9.9/+32', '"9.9.9.9/+32" has a prefix length outside 0-32; write address/length, e.g. 9.9.9.9/32'],
  ])('rejects %s: %s', (prefix, expected) => {
    expect(prefixProblem(prefix)).toBe(expected);
  });
});

describe('canonicalPrefix', () => {
  it.each([
    ['198.18.0.0/024', '198.18.0.0/24'],
    ['2001:DB8:0::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0000/32', '2001:db8::/32'],
    ['64:ff9b::192.0.2.0/120', '64:ff9b::c000:200/120'],
    ['::FFFF:192.0.2.0/120', '::ffff:192.0.2.0/120'],
    ['::ffff:c000:200/120', '::ffff:192.0.2.0/120'],
    ['1:0:0:1:0:0:0:0/128', '1:0:0:1::/128'],
    ['0:0:1:0:0:1:0:0/128', '::1:0:0:1:0:0/128'],
    ['1:2:3:4:5:6:7:0/128', '1:2:3:4:5:6:7:0/128'],
    ['0:0:0:0:0:0:0:0/0', '::/0'],
  ])('writes %s as %s', (prefix, canonical) => {
    expect(canonicalPrefix(prefix)).toBe(canonical);
  });

  it('refuses a prefix that is not valid, naming the problem', () => {
    expect(() => canonicalPrefix('10.1.2.3/8')).toThrow('has host bits set');
  });
});

describe('canonicalAddress and isUnicastAddress', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', true],
    ['127.0.0.2', '127.0.0.2', true],
    ['2001:DB8::0:1', '2001:db8::1', true],
    ['::1', '::1', true],
    ['0.0.0.0', '0.0.0.0', false],
    ['::', '::', false],
    ['0:0::0', '::', false],
    ['224.0.0.5', '224.0.0.5', false],
    ['239.255.255.255', '239.255.255.255', false],
    ['255.255.255.255', '255.255.255.255', false],
    ['ff02::1', 'ff02::1', false],
    ['FF05::1:3', 'ff05::1:3', false],
    ['223.255.255.255', '223.255.255.255', true],
    ['240.0.0.1', '240.0.0.1', true],
  ])('%s is written %s; unicast: %s', (address, canonical, unicast) => {
    expect(canonicalAddress(address)).toBe(canonical);
    expect(isUnicastAddress(address)).toBe(unicast);
  });

  it.each(['1.2.3.4.5', '01.2.3.4', 'fe80::1%eth0', 'self', '', '9.9.9.9/32'])('%j is not an address', (text) => {
    expect(canonicalAddress(text)).toBeUndefined();
    expect(isUnicastAddress(text)).toBe(false);
  });
});

// --- property tests, with node's BlockList as the oracle ---

interface Network {
  family: 4 | 6;
  value: bigint;
  length: number;
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);
const blockFamily = (family: 4 | 6) => (family === 4 ? 'ipv4' : 'ipv6');

const group = fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff }));
/** IPv6 values with long runs of zero groups, so `::` appears in many places. */
const ipv6Value = fc.array(group, { minLength: 8, maxLength: 8 }).map((groups) => groups.reduce((v, g) => (v << 16n) | BigInt(g), 0n));
const ipv4Value = fc.integer({ min: 0, max: 0xffffffff }).map(BigInt);
const addressValue = fc.oneof(
  ipv4Value.map((value) => ({ family: 4 as const, value })),
  ipv6Value.map((value) => ({ family: 6 as const, value })),
);

function networkValue(family: 4 | 6, value: bigint, length: number): bigint {
  const hostBits = BigInt(bitsOf(family) - length);
  return (value >> hostBits) << hostBits;
}

/** An address and a length; half of them masked to their network address. */
const anyPrefix = addressValue.chain(({ family, value }) =>
  fc.record({ length: fc.integer({ min: 0, max: bitsOf(family) }), masked: fc.boolean() }).map(
    ({ length, masked }): Network => ({ family, value: masked ? networkValue(family, value, length) : value, length }),
  ),
);
const network = anyPrefix.map((prefix): Network => ({ ...prefix, value: networkValue(prefix.family, prefix.value, prefix.length) }));

/** The plainest text: every IPv6 group written out, no `::`. Independent of the module under test. */
function plainText(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  return [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => ((value >> shift) & 0xffffn).toString(16)).join(':');
}

/** One of the many valid texts of an address: any case, zero padding, embedded IPv4 tail, any `::`. */
function textForm(family: 4 | 6, value: bigint) {
  if (family === 4) return fc.constant(plainText(4, value));
  return fc.record({ upper: fc.boolean(), pads: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 8, maxLength: 8 }), ipv4Tail: fc.boolean(), run: fc.nat() }).map(
    ({ upper, pads, ipv4Tail, run }) => {
      const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => (value >> shift) & 0xffffn);
      const hexCount = ipv4Tail ? 6 : 8;
      const tokens = groups.slice(0, hexCount).map((g, i) => {
        const hex = g.toString(16).padStart(pads[i] ?? 0, '0');
        return upper ? hex.toUpperCase() : hex;
      });
      const tail = ipv4Tail ? [plainText(4, value & 0xffffffffn)] : [];
      const zeroRuns: { start: number; end: number }[] = [];
      groups.slice(0, hexCount).forEach((g, i) => {
        if (g !== 0n) return;
        const last = zeroRuns.at(-1);
        if (last?.end === i) last.end = i + 1;
        else zeroRuns.push({ start: i, end: i + 1 });
      });
      const chosen = zeroRuns[run % (zeroRuns.length + 1)];
      if (chosen === undefined) return [...tokens, ...tail].join(':');
      return `${[...tokens.slice(0, chosen.start)].join(':')}::${[...tokens.slice(chosen.end), ...tail].join(':')}`;
    },
  );
}

/** A prefix as text, its length sometimes written with leading zeros. */
function prefixText({ family, value, length }: Network) {
  return fc.tuple(textForm(family, value), fc.integer({ min: 1, max: 3 })).map(
    ([address, digits]) => `${address}/${String(length).padStart(digits, '0')}`,
  );
}

function blockListOf({ family, value, length }: Network): BlockList {
  const list = new BlockList();
  list.addSubnet(plainText(family, value), length, blockFamily(family));
  return list;
}

describe('prefixCovers', () => {
  it.each<[string, string, boolean]>([
    ['9.9.9.0/24', '9.9.9.9', true],
    ['9.9.9.0/24', '9.9.9.9/32', true],
    ['9.9.9.9/32', '9.9.9.9', true],
    ['9.9.9.9/32', '9.9.9.0/24', false],
    ['9.9.9.10/31', '9.9.9.9', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['::/0', '8.8.8.8', false],
    ['2001:db8::/32', '2001:db8::1', true],
  ])('says %s covers %s: %s', (outer, inner, covers) => {
    expect(prefixCovers(outer, inner)).toBe(covers);
  });
});

describe('prefix math, checked against node’s BlockList', () => {
  it('accepts exactly the prefixes whose address is the first address of its own subnet', () => {
    fc.assert(
      fc.property(anyPrefix.chain((prefix) => fc.tuple(fc.constant(prefix), prefixText(prefix))), ([prefix, text]) => {
        const { family, value } = prefix;
        // The address is its network's address when the address just below it is outside the subnet.
        const isNetworkAddress = value === 0n || !blockListOf(prefix).check(plainText(family, value - 1n), blockFamily(family));
        expect(prefixProblem(text) === undefined).toBe(isNetworkAddress);
      }),
    );
  });

  it('writes a canonical text that stays canonical and covers the same addresses', () => {
    const withProbe = network.chain((prefix) =>
      fc.tuple(
        fc.constant(prefix),
        prefixText(prefix),
        fc.bigInt({ min: 0n, max: (1n << BigInt(bitsOf(prefix.family))) - 1n }),
        fc.bigInt({ min: 0n, max: (1n << BigInt(bitsOf(prefix.family) - prefix.length)) - 1n }),
      ),
    );
    fc.assert(
      fc.property(withProbe, ([prefix, text, anywhere, offset]) => {
        const canonical = canonicalPrefix(text);
        expect(prefixProblem(canonical)).toBeUndefined();
        expect(canonicalPrefix(canonical)).toBe(canonical);
        const [canonicalAddressText = '', canonicalLength = ''] = canonical.split('/');
        const fromCanonical = new BlockList();
        fromCanonical.addSubnet(canonicalAddressText, Number(canonicalLength), blockFamily(prefix.family));
        const original = blockListOf(prefix);
        for (const probe of [anywhere, prefix.value + offset]) {
          const probeText = plainText(prefix.family, probe);
          expect(fromCanonical.check(probeText, blockFamily(prefix.family))).toBe(original.check(probeText, blockFamily(prefix.family)));
        }
        expect(original.check(plainText(prefix.family, prefix.value + offset), blockFamily(prefix.family))).toBe(true);
      }),
    );
  });

  it('writes every text of one network the same way', () => {
    const twoTexts = network.chain((prefix) => fc.tuple(prefixText(prefix), prefixText(prefix)));
    fc.assert(
      fc.property(twoTexts, ([one, other]) => {
        expect(canonicalPrefix(one)).toBe(canonicalPrefix(other));
      }),
    );
  });

  it('says a prefix covers an address exactly when the BlockList of the prefix holds it', () => {
    const withProbe = network.chain((prefix) =>
      fc.tuple(fc.constant(prefix), prefixText(prefix), fc.bigInt({ min: 0n, max: (1n << BigInt(bitsOf(prefix.family))) - 1n })),
    );
    fc.assert(
      fc.property(withProbe, ([prefix, text, probe]) => {
        const probeText = plainText(prefix.family, probe);
        expect(prefixCovers(text, probeText)).toBe(blockListOf(prefix).check(probeText, blockFamily(prefix.family)));
      }),
    );
  });

  it('writes an address so that it names the same address', () => {
    const withText = addressValue.chain(({ family, value }) => fc.tuple(fc.constant({ family, value }), textForm(family, value)));
    fc.assert(
      fc.property(withText, ([{ family, value }, text]) => {
        const canonical = canonicalAddress(text) ?? '';
        const only = new BlockList();
        only.addAddress(plainText(family, value), blockFamily(family));
        expect(only.check(canonical, blockFamily(family))).toBe(true);
        expect(canonicalAddress(canonical)).toBe(canonical);
      }),
    );
  });
});
