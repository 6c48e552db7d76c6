import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExabgpMessage, type ExabgpMessage } from '../../../src/exabgp/parse-exabgp-message.js';

const fixtureDir = new URL('../../fixtures/exabgp/', import.meta.url);
const versions = ['4.2.21', '5.0.13'] as const;

/** What ExaBGP wrote to the API process's stdin in a captured session (`< ` lines, see the fixtures' README). */
function stdinLines(file: string): string[] {
  return readFileSync(new URL(file, fixtureDir), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('< '))
    .map((line) => line.slice(2));
}

/** The `show adj-rib out` answers in a session, in order: the routes listed before each `done` that ends a non-empty answer. */
function ribAnswers(file: string): string[][] {
  const answers: string[][] = [];
  let current: string[] = [];
  for (const message of stdinLines(file).map(parseExabgpMessage)) {
    if (message.kind === 'ribEntry') current.push(`${message.neighbor} ${message.family} ${message.prefix}`);
    if (message.kind === 'ack' && current.length > 0) {
      answers.push(current);
      current = [];
    }
  }
  return answers;
}

const announcedToBoth = [
  '127.0.66.1 ipv4 unicast 198.51.100.77/32',
  '127.0.66.1 ipv4 unicast 198.18.66.0/24',
  '127.0.66.1 ipv4 unicast 198.18.66.128/25',
  '127.0.66.1 ipv6 unicast 2001:db8:66::/48',
  '127.0.66.1 ipv6 unicast 64:ff9b::c000:200/120',
  '127.0.66.2 ipv4 unicast 198.18.66.0/24',
  '127.0.66.2 ipv6 unicast 2001:db8:66::/48',
  '127.0.66.2 ipv6 unicast 64:ff9b::c000:200/120',
];

describe('parseExabgpMessage', () => {
  it.each([
    ['done', { kind: 'ack', ok: true }],
    ['error', { kind: 'ack', ok: false }],
    ['', { kind: 'other' }],
    ['neighbor 127.0.0.2 up', { kind: 'neighbor', peer: '127.0.0.2', state: 'up' }],
    ['neighbor 127.0.0.2 connected', { kind: 'neighbor', peer: '127.0.0.2', state: 'connected' }],
    ['neighbor 127.0.0.2 down - peer reset', { kind: 'neighbor', peer: '127.0.0.2', state: 'down' }],
    ['neighbor 127.0.0.2 up-ish', { kind: 'other' }],
    ['neighbor 127.0.0.2 receive update announced 198.18.0.0/24 next-hop 127.0.0.2', { kind: 'other' }],
    ['shutdown 123 1', { kind: 'shutdown' }],
    [
      '{ "exabgp": "4.0.1", "time": 1795990554.157, "type": "state", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.2" }, "asn": { "local": 65001, "peer": 65002 } , "state": "up" } }',
      { kind: 'neighbor', peer: '127.0.0.2', state: 'up' },
    ],
    ['{"exabgp": "4.0.1", "type": "notification", "notification": "shutdown"}', { kind: 'shutdown' }],
    ['{"exabgp": "4.0.1", "type": "update", "neighbor": {}}', { kind: 'other' }],
    ['{not json', { kind: 'other' }],
  ])('sorts %j', (line, expected) => {
    expect(parseExabgpMessage(line)).toEqual(expected);
  });

  it.each([
    ['a peer that is an object (finding 17)', '{"type":"state","neighbor":{"state":"up","address":{"peer":{"toString":1}}}}'],
    ['a peer that is a number', '{"type":"state","neighbor":{"state":"up","address":{"peer":1}}}'],
    ['a peer that is an array', '{"type":"state","neighbor":{"state":"up","address":{"peer":["127.0.0.2"]}}}'],
    ['an empty peer', '{"type":"state","neighbor":{"state":"up","address":{"peer":""}}}'],
    ['no peer', '{"type":"state","neighbor":{"state":"up","address":{}}}'],
    ['an address that is null', '{"type":"state","neighbor":{"state":"up","address":null}}'],
    ['a neighbor that is a string', '{"type":"state","neighbor":"127.0.0.2"}'],
    ['a state that is not a string', '{"type":"state","neighbor":{"state":{"toString":1},"address":{"peer":"127.0.0.2"}}}'],
    ['a state ExaBGP never sends', '{"type":"state","neighbor":{"state":"idle","address":{"peer":"127.0.0.2"}}}'],
    ['a state inherited from the prototype', '{"type":"state","neighbor":{"address":{"peer":"127.0.0.2"}}}'],
    ['a type that is not a string', '{"type":["state"],"neighbor":{"state":"up","address":{"peer":"127.0.0.2"}}}'],
    ['a shutdown notification of the wrong type', '{"type":"notification","notification":["shutdown"]}'],
    ['a top-level array', '[{"type":"state"}]'],
    ['a top-level null', 'null'],
  ])('treats a JSON state message with %s as other', (_, line) => {
    expect(parseExabgpMessage(line)).toEqual({ kind: 'other' });
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue().map((value) => JSON.stringify(value))), (line) => {
        expect(() => parseExabgpMessage(line)).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a JSON state message either as a neighbor with a string peer and a known state, or as other', () => {
    const stateMessage = fc.record({
      type: fc.constant('state'),
      neighbor: fc.oneof(
        fc.anything(),
        fc.record({ state: fc.oneof(fc.constantFrom('connected', 'up', 'down'), fc.anything()), address: fc.oneof(fc.anything(), fc.record({ peer: fc.anything() })) }),
      ),
    });
    fc.assert(
      fc.property(stateMessage, (message) => {
        const parsed = parseExabgpMessage(JSON.stringify(message));
        if (parsed.kind === 'other') return;
        expect(parsed).toEqual({ kind: 'neighbor', peer: expect.any(String), state: expect.stringMatching(/^(connected|up|down)$/) });
      }),
      { numRuns: 1000 },
    );
  });

  describe('show adj-rib out answers', () => {
    it.each([
      ['4.2.21 plain', 'neighbor 127.0.66.1 ipv4 unicast 198.18.66.0/24 next-hop self'],
      ['5.0.13 plain', '127.0.66.1 ipv4 unicast 198.18.66.0/24 next-hop 127.0.66.21'],
      [
        'extensive',
        'neighbor 127.0.66.1 local-ip 127.0.66.11 local-as 65010 peer-as 65066 router-id 127.0.66.11 family-allowed in-open ipv4 unicast 198.18.66.0/24 next-hop self as-path [ 65010 65010 ] med 50 community [ 65010:1 65010:2 no-export ] large-community 65010:1:1',
      ],
    ])('reads a route from the %s form', (_, line) => {
      expect(parseExabgpMessage(line)).toEqual({ kind: 'ribEntry', neighbor: '127.0.66.1', family: 'ipv4 unicast', prefix: '198.18.66.0/24', line });
    });

    it('keeps an IPv6 prefix as ExaBGP printed it', () => {
      const line = 'neighbor 127.0.66.2 ipv6 unicast 64:ff9b::c000:200/120 next-hop 2001:db8::1';
      expect(parseExabgpMessage(line)).toEqual({ kind: 'ribEntry', neighbor: '127.0.66.2', family: 'ipv6 unicast', prefix: '64:ff9b::c000:200/120', line });
    });

    it.each([
      ['a neighbor that is not an address', 'neighbor peer1 ipv4 unicast 198.18.66.0/24 next-hop self'],
      ['an IPv6 prefix under ipv4', 'neighbor 127.0.66.1 ipv4 unicast 2001:db8::/32 next-hop self'],
      ['a prefix length beyond the family', '127.0.66.1 ipv4 unicast 198.18.66.0/33 next-hop self'],
      ['no prefix length', '127.0.66.1 ipv4 unicast 198.18.66.0 next-hop self'],
      ['a family the plugin never announces', '127.0.66.1 ipv4 flow flow destination-ipv4 198.18.66.0/24'],
      ['the JSON form of ExaBGP 5.0', '{"127.0.66.1": {"routes": [{"prefix": "198.18.66.0/25", "family": "ipv4 unicast"}]}}'],
    ])('does not take a line with %s for a route', (_, line) => {
      expect(parseExabgpMessage(line)).toEqual({ kind: 'other' });
    });

    it.each(versions)('reads the same routes from the plain and the extensive answer of ExaBGP %s', (version) => {
      const answers = ribAnswers(`${version}-adj-rib-out.txt`);
      expect(answers[0]).toEqual(['127.0.66.1 ipv4 unicast 198.51.100.77/32']);
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(announcedToBoth);
      expect(answers[3]).toEqual(announcedToBoth);
    });

    it.each(versions)('sees, in ExaBGP %s, a withdraw with another next hop remove the route, and a per-neighbor withdraw keep it at the other', (version) => {
      const afterWithdraws = ribAnswers(`${version}-adj-rib-out.txt`)[4];
      expect(afterWithdraws).toEqual([
        '127.0.66.1 ipv4 unicast 198.51.100.77/32',
        '127.0.66.1 ipv4 unicast 198.18.66.128/25',
        '127.0.66.1 ipv6 unicast 64:ff9b::c000:200/120',
        '127.0.66.2 ipv6 unicast 2001:db8:66::/48',
        '127.0.66.2 ipv6 unicast 64:ff9b::c000:200/120',
      ]);
    });

    it.each(versions)('lists, in ExaBGP %s, routes queued for a neighbor whose session is down', (version) => {
      const [plain, extensive] = ribAnswers(`${version}-adj-rib-out.txt`).slice(5);
      expect(plain).toContain('127.0.66.2 ipv4 unicast 198.18.66.200/32');
      expect(extensive).toEqual(plain);
    });

    it.each(versions)('lists, in ExaBGP %s, routes for neighbors whose session never came up', (version) => {
      expect(ribAnswers(`${version}-session-never-up.txt`)).toEqual([
        ['127.0.66.1 ipv4 unicast 198.51.100.77/32', '127.0.66.1 ipv4 unicast 198.18.66.0/24', '127.0.66.2 ipv4 unicast 198.18.66.0/24'],
      ]);
    });

    it.each(versions)('sees, in ExaBGP %s, a withdraw without path-information leave the path-information route listed, and a withdraw remove a static route', (version) => {
      const [afterPlainWithdraw, afterStaticWithdraw] = ribAnswers(`${version}-withdraw-quirks.txt`);
      expect(afterPlainWithdraw).toEqual(['127.0.66.1 ipv4 unicast 198.51.100.77/32', '127.0.66.1 ipv4 unicast 198.18.66.0/25', '127.0.66.2 ipv4 unicast 198.18.66.0/25']);
      expect(afterStaticWithdraw).toEqual(['127.0.66.1 ipv4 unicast 198.18.66.0/25', '127.0.66.2 ipv4 unicast 198.18.66.0/25']);
    });

    it.each(versions)('reads, in ExaBGP %s, prefixes printed in canonical form whatever form was announced', (version) => {
      expect(ribAnswers(`${version}-prefix-forms.txt`)[0]).toEqual([
        '127.0.66.1 ipv4 unicast 198.51.100.77/32',
        '127.0.66.1 ipv6 unicast 64:ff9b::c000:200/120',
        '127.0.66.1 ipv6 unicast 2001:db8::/48',
        '127.0.66.2 ipv6 unicast 64:ff9b::c000:200/120',
        '127.0.66.2 ipv6 unicast 2001:db8::/48',
      ]);
    });

    it.each([
      ['4.2.21', 6],
      ['5.0.13', 8],
    ])('counts, in ExaBGP %s, %i answers for 8 commands: 4.2.21 answers nothing to an IPv4 octet with a leading zero', (version, answers) => {
      const acks = stdinLines(`${version}-prefix-forms.txt`).map(parseExabgpMessage).filter((m) => m.kind === 'ack');
      expect(acks).toHaveLength(answers);
    });

    it.each(versions)('reads the answer without a done when ExaBGP %s runs with acks off', (version) => {
      const messages = stdinLines(`${version}-ack-off.txt`).map(parseExabgpMessage);
      expect(messages.filter((m) => m.kind === 'ack')).toEqual([]);
      expect(messages.filter((m) => m.kind === 'ribEntry')).toHaveLength(1 + 5 + 5);
    });
  });

  it.each(versions.flatMap((version) => ['adj-rib-out', 'text-encoder', 'ack-off', 'no-api-then-reload', 'withdraw-quirks', 'session-never-up', 'prefix-forms'].map((name) => `${version}-${name}.txt`)))(
    'recognises every line ExaBGP wrote in the session captured in %s',
    (file) => {
      // The text encoder ends each message with an empty line; 5.0's `show adj-rib out json` is not read.
      const lines = stdinLines(file).filter((line) => line !== '' && !/^\{"127\./.test(line));
      expect(lines.length).toBeGreaterThan(0);
      const unrecognised = lines.filter((line) => parseExabgpMessage(line).kind === 'other');
      expect(unrecognised).toEqual([]);
    },
  );

  it.each(versions)('takes no line of ExaBGP %s\'s `show neighbor summary` answer for a route', (version) => {
    const messages = stdinLines(`${version}-neighbor-summary.txt`).map(parseExabgpMessage);
    expect(messages.filter((m) => m.kind === 'ribEntry')).toEqual([]);
    // Acks on, then off: two commands answered with done, then two without.
    expect(messages.filter((m) => m.kind === 'ack')).toHaveLength(2);
  });

  it.each(versions)('tells the text encoder state messages of ExaBGP %s from its route lines', (version) => {
    const kinds = stdinLines(`${version}-text-encoder.txt`)
      .filter((line) => line !== '')
      .map((line): string => summary(parseExabgpMessage(line)));
    expect(kinds.slice(0, 9)).toEqual([
      expect.stringMatching(/^neighbor 127\.0\.66\.[12] connected$/),
      expect.stringMatching(/^neighbor 127\.0\.66\.[12] connected$/),
      expect.stringMatching(/^neighbor 127\.0\.66\.[12] up$/),
      expect.stringMatching(/^neighbor 127\.0\.66\.[12] up$/),
      'ack true',
      'ribEntry 127.0.66.1 198.51.100.77/32',
      'ribEntry 127.0.66.1 198.18.66.0/24',
      'ribEntry 127.0.66.2 198.18.66.0/24',
      'ack true',
    ]);
    expect(kinds).toContain('neighbor 127.0.66.2 down');
    expect(kinds.at(-1)).toBe('shutdown');
  });
});

/** A message in a few words, for comparing sequences. */
function summary(message: ExabgpMessage): string {
  switch (message.kind) {
    case 'ack':
      return `ack ${message.ok}`;
    case 'neighbor':
      return `neighbor ${message.peer} ${message.state}`;
    case 'ribEntry':
      return `ribEntry ${message.neighbor} ${message.prefix}`;
    default:
      return message.kind;
  }
}
