import { describe, expect, it } from 'vitest';
import { urlOfAddress, urlOfListenAddress } from '../../../src/status/plugin-client.js';

describe('urlOfListenAddress: where status and reload find the plugin from metrics.listen', () => {
  it.each([
    ['127.0.0.1:9834', 'http://127.0.0.1:9834'],
    ['127.0.0.5:19834', 'http://127.0.0.5:19834'],
    ['[::1]:9834', 'http://[::1]:9834'],
    ['0.0.0.0:9834', 'http://127.0.0.1:9834'],
    ['[::]:9834', 'http://[::1]:9834'],
    ['198.18.1.2:9834', 'http://198.18.1.2:9834'],
  ])('%s → %s', (listen, url) => {
    expect(urlOfListenAddress(listen, 'metrics.listen')).toBe(url);
  });

  it('names the setting when the address is not host:port', () => {
    expect(() => urlOfListenAddress('localhost:9834', 'cfg.json: /metrics/listen')).toThrow(/^cfg\.json: \/metrics\/listen: "localhost" in "localhost:9834" is not an IPv4 address/);
  });
});

describe('urlOfAddress: an NVA of the topology', () => {
  it.each([
    ['198.18.1.2', 9834, 'http://198.18.1.2:9834'],
    ['2001:db8::2', 9000, 'http://[2001:db8::2]:9000'],
  ])('%s port %i → %s', (address, port, url) => {
    expect(urlOfAddress(address, port)).toBe(url);
  });
});
