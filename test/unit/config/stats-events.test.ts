import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';

const withStats = (stats: Record<string, unknown>) => ({
  stats,
  services: [{ name: 'www', prefixes: ['198.18.0.10/32'], health: { backends: ['be_app'] } }],
});

describe('stats.events', () => {
  it.each(['unix:/run/haproxy/exabgp-anycast.sock', 'tcp://127.0.0.1:9999'])('names the ring to follow on the stats socket %s', (source) => {
    expect(validateConfig(withStats({ source, events: 'exabgp-anycast' }), 'test.json').stats.events).toBe('exabgp-anycast');
  });

  it.each(['http://127.0.0.1:8404/stats;csv', 'https://127.0.0.1:8404/stats;csv', 'file:/tmp/stats.csv'])(
    'is refused with %s, saying that only the CLI streams events',
    (source) => {
      expect(() => validateConfig(withStats({ source, events: 'exabgp-anycast' }), 'test.json')).toThrow(
        /\/stats\/events: HAProxy streams its events only on its CLI \(show events\).*set stats\.source to unix:\/path or tcp:\/\/host:port of a stats socket at level operator, or remove stats\.events/,
      );
    },
  );

  it('is not a ring name with spaces', () => {
    expect(() => validateConfig(withStats({ source: 'unix:/s.sock', events: 'my ring' }), 'test.json')).toThrow(/\/stats\/events: must match pattern/);
  });
});
