import { createServer } from 'node:net';
import { assertLoopback } from './assert-loopback.js';

/**
 * Asks the kernel for a TCP port that is free on `host` right now. Another process could take it
 * before the caller binds it; on a test machine that race is rare enough to accept.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  assertLoopback(host, 'freePort host');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error(`could not read the port bound on ${host}`));
      });
    });
  });
}
