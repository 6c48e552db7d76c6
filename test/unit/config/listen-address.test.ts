import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import { isLoopback, parseListenAddress } from '../../../src/config/listen-address.js';

const withListen = (listen: string) =>
  validateConfig({ stats: { source: 'unix:/run/haproxy/admin.sock' }, metrics: { listen }, services: [{ name: 'www', prefixes: ['198.18.0.10/32'], health: { backends: ['be_app'] } }] }, 'test.json');

describe('metrics.listen and --metrics-listen', () => {
  it.each([
    ['127.0.0.1:9834', '127.0.0.1', 9834],
    ['0.0.0.0:1', '0.0.0.0', 1],
    ['[::1]:9834', '::1', 9834],
    ['[fd00::10]:65535', 'fd00::10', 65535],
  ])('takes %s', (text, host, port) => {
    expect(parseListenAddress(text, '--metrics-listen')).toEqual({ host, port, text });
    expect(withListen(text).metrics).toEqual({ listen: text });
  });

  it.each([
    ['localhost:9834', /"localhost" in "localhost:9834" is not an IPv4 address \(names are not resolved/],
    ['127.0.0.1', /"127.0.0.1" is not host:port; write host:port with an IP address as host/],
    ['::1:9834', /is not host:port/],
    ['[::g]:9834', /"::g" in "\[::g\]:9834" is not an IPv6 address/],
    ['[1:::2]:9834', /is not an IPv6 address/],
    ['127.0.0.1:0', /port 0 in "127.0.0.1:0" is not 1-65535/],
    ['127.0.0.1:70000', /port 70000 .* is not 1-65535/],
    ['256.1.1.1:9834', /is not an IPv4 address/],
  ])('refuses %s, saying what to write', (text, message) => {
    expect(() => parseListenAddress(text, '--metrics-listen')).toThrow(message);
    expect(() => parseListenAddress(text, '--metrics-listen')).toThrow(/^--metrics-listen: /);
  });

  it.each(['localhost:9834', '127.0.0.1', '127.0.0.1:0', '256.1.1.1:9834', '127.0.0.1:9834/metrics', '[1:::2]:9834'])('a config file with metrics.listen %s is invalid', (text) => {
    expect(() => withListen(text)).toThrow(/test\.json: invalid configuration:\n {2}- \/metrics\/listen: /);
  });
});

describe('which clients may reload', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.9.8.7', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['fd00::1', false],
    ['', false],
  ])('%s is loopback: %s', (address, loopback) => {
    expect(isLoopback(address)).toBe(loopback);
  });
});
