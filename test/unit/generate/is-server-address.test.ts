import { describe, expect, it } from 'vitest';
import { isServerAddress } from '../../../src/generate/is-server-address.js';

describe('isServerAddress', () => {
  it.each([
    { text: '172.16.156.69:80', expected: true },
    { text: '[2001:db8::69]:8080', expected: true },
    { text: '10.0.0.1:65535', expected: true },
    { text: '172.16.156.69', expected: false },
    { text: '172.16.156.69:0', expected: false },
    { text: '172.16.156.69:65536', expected: false },
    { text: '2001:db8::69:80', expected: false },
    { text: '[172.16.156.69]:80', expected: false },
    { text: 'web1.example:80', expected: false },
    { text: '172.16.156.69:80 ', expected: false },
  ])('accepts "$text" only if it is an IP address with a port ($expected)', ({ text, expected }) => {
    expect(isServerAddress(text)).toBe(expected);
  });
});
