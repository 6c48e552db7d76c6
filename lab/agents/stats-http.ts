// A HAProxy stats page over HTTP for the fault matrix: serves HAProxy's CSV (read from its stats socket) behind
// Basic auth, or misbehaves on purpose. The behaviour is read from a JSON control file on every request:
// { "mode": "pass" | "500" | "hang" | "truncated" | "garbage", "user": "…", "password": "…" }
// argv: <listen-addr> <port> <haproxy-socket> <control-file>
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createStatsSource } from '../../src/haproxy/stats-source.js';

const [addr = '127.0.0.1', port = '8405', socketPath = '', control = ''] = process.argv.slice(2);
// The plugin's own socket reader, so the page serves exactly the text the plugin reads from the socket.
const haproxySocket = createStatsSource({ source: `unix:${socketPath}`, timeoutMs: 1000, maxBodyBytes: 16 * 1024 * 1024 });

/** The CSV as HAProxy's stats page sends it: the CLI's trailing blank line is not part of it. */
async function statsCsv(): Promise<string> {
  return (await haproxySocket.fetch()).replace(/\n+$/, '\n');
}

const server = http.createServer((req, res) => {
  let c: { mode?: string; user?: string; password?: string } = {};
  try {
    c = JSON.parse(readFileSync(control, 'utf8')) as typeof c;
  } catch {
    c = { mode: 'pass' };
  }
  const want = `Basic ${Buffer.from(`${c.user ?? ''}:${c.password ?? ''}`).toString('base64')}`;
  if (req.headers.authorization !== want) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="HAProxy Statistics"', 'content-type': 'text/plain' });
    res.end('401 Unauthorized\n');
    return;
  }
  switch (c.mode) {
    case '500':
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('500 Internal Server Error\n');
      return;
    case 'hang':
      return; // never answers; the client's timeout has to end it
    case 'garbage':
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end('\u0000\u0001 this is not, a stats CSV\n<html>oops</html>\n');
      return;
    default:
      break;
  }
  statsCsv().then(
    (csv) => {
      if (c.mode === 'truncated') {
        // Headers promise the whole body; the connection closes half-way through a row.
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(csv)) });
        res.write(csv.slice(0, Math.floor(csv.length * 0.6)));
        res.socket?.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(csv);
    },
    (e: Error) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end(`${e.message}\n`);
    },
  );
});
server.listen(Number(port), addr);
process.on('SIGTERM', () => process.exit(0));
