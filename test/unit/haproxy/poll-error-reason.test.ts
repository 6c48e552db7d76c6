import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorMessage } from '../../../src/errors.js';
import { readSnapshot } from '../../../src/haproxy/read-snapshot.js';
import { createStatsSource } from '../../../src/haproxy/stats-source.js';
import { pollErrorReason } from '../../../src/haproxy/poll-error-reason.js';

const dir = mkdtempSync(join(tmpdir(), 'poll-reason-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message a real read of `source` fails with, as the poll loop hands it to the observer. */
async function failureOf(source: string, maxBodyBytes = 16 * 1024 * 1024): Promise<string> {
  const error = await readSnapshot(createStatsSource({ source, timeoutMs: 1000, maxBodyBytes })).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error(`${source} was read without error`);
  return errorMessage(error);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the reason label of a failed poll', () => {
  it('is "refused" for a stats socket nobody listens on', async () => {
    expect(pollErrorReason(await failureOf(`tcp://127.0.0.1:${await closedPort()}`))).toBe('refused');
  });

  it('is "not_found" for a socket or file that does not exist', async () => {
    expect(pollErrorReason(await failureOf(`unix:${join(dir, 'none.sock')}`))).toBe('not_found');
    expect(pollErrorReason(await failureOf(`file:${join(dir, 'none.csv')}`))).toBe('not_found');
  });

  it('is "parse" for a body that is not HAProxy CSV, and "too_large" for one over stats.maxBodyBytes', async () => {
    writeFileSync(join(dir, 'page.csv'), '<html><h1>401 Unauthorized</h1></html>\n');
    expect(pollErrorReason(await failureOf(`file:${join(dir, 'page.csv')}`))).toBe('parse');
    writeFileSync(join(dir, 'big.csv'), 'x'.repeat(5000));
    expect(pollErrorReason(await failureOf(`file:${join(dir, 'big.csv')}`, 4096))).toBe('too_large');
  });

  it.each([
    ['stats source unix:/run/haproxy/admin.sock: no complete reply within 500 ms', 'timeout'],
    ['stats source http://127.0.0.1:8404/stats;csv: no complete reply within 2000 ms', 'timeout'],
    ['stats source unix:/run/haproxy/admin.sock: connect EACCES', 'denied'],
    ['stats source http://127.0.0.1:8404/stats;csv: HTTP 401 Unauthorized', 'denied'],
    ['stats source http://127.0.0.1:8404/stats;csv: HTTP 403 Forbidden', 'denied'],
    ['stats source http://127.0.0.1:8404/stats;csv: cannot read password file /etc/pw: open ENOENT', 'not_found'],
    ['stats source http://127.0.0.1:8404/stats;csv: HTTP 503 Service Unavailable', 'http_status'],
    ['stats source http://127.0.0.1:8404/stats;csv: HTTP 404 Not Found', 'http_status'],
    ['stats source http://127.0.0.1:8404/stats: HTTP 301 Moved Permanently (Location "/stats/"): redirects are not followed; set stats.source to the stats page itself', 'redirect'],
    ['stats source unix:/run/haproxy/admin.sock: empty reply', 'parse'],
    ['stats from unix:/run/haproxy/admin.sock: truncated: line 7 has no line end', 'parse'],
    ['stats source file:/tmp/stats.csv: not a regular file', 'other'],
    ['internal error: something broke', 'other'],
    // Only the end of the message counts: a path naming an error code does not.
    ['stats source file:/srv/ECONNREFUSED/stats.csv: not a regular file', 'other'],
  ])('%s → %s', (message, reason) => {
    expect(pollErrorReason(message)).toBe(reason);
  });
});
