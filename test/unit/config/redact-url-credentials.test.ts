import { describe, expect, it } from 'vitest';
import { redactUrlCredentials } from '../../../src/config/redact-url-credentials.js';

describe('redactUrlCredentials', () => {
  it.each([
    ['http://admin:secret@127.0.0.1:8404/stats;csv', 'http://***@127.0.0.1:8404/stats;csv'],
    ['http://admin:secret@127.0.0.1:99999/stats;csv', 'http://***@127.0.0.1:99999/stats;csv'],
    ['https://admin:se cret@127.0.0.1/stats;csv', 'https://***@127.0.0.1/stats;csv'],
    ['http://admin@127.0.0.1/', 'http://***@127.0.0.1/'],
    ['tcp://a:b@c@127.0.0.1:9999', 'tcp://***@127.0.0.1:9999'],
    ['http:/admin:secret@127.0.0.1/', '***@127.0.0.1/'],
    ['admin:secret@127.0.0.1:8404', '***@127.0.0.1:8404'],
  ])('hides the credentials of %j', (url, shown) => {
    expect(redactUrlCredentials(url)).toBe(shown);
  });

  it.each(['http://127.0.0.1:8404/stats;csv', 'unix:/run/haproxy/admin.sock', 'unix:/run/haproxy@edge/admin.sock', 'file:/tmp/stats@noon.csv', 'http://'])(
    'leaves %j as it is',
    (url) => {
      expect(redactUrlCredentials(url)).toBe(url);
    },
  );
});
