import { describe, expect, it } from 'vitest';
import { parseExabgpMessage } from '../../../src/exabgp/parse-exabgp-message.js';

describe('parseExabgpMessage', () => {
  it.each([
    ['done', { kind: 'ack', ok: true }],
    ['error', { kind: 'ack', ok: false }],
    ['', { kind: 'other' }],
    ['neighbor 127.0.0.2 up', { kind: 'neighbor', peer: '127.0.0.2', state: 'up' }],
    ['neighbor 127.0.0.2 down - peer reset', { kind: 'neighbor', peer: '127.0.0.2', state: 'down' }],
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
});
