// The lab's client: GET http://SERVICE/ every PERIOD ms from inside the client namespace and print one
// JSON line per request. It stops by itself after DURATION ms, or on SIGTERM (the lab's stop); if the lab dies,
// the kernel kills it (setpriv --pdeathsig).
// argv: <service-addr> <period-ms> <duration-ms> <timeout-ms> (the whole request's deadline)
import http from 'node:http';

const [addr = '198.18.0.100', periodArg = '20', durationArg = '60000', timeoutArg = '500'] = process.argv.slice(2);
const period = Number(periodArg);
const duration = Math.min(Number(durationArg), 30 * 60_000);
const timeout = Number(timeoutArg);
const t0 = Date.now();
let seq = 0;
let inflight = 0;

function regionOf(body: string): string {
  if (body.includes('North Europe')) return 'northeurope';
  if (body.includes('West Europe')) return 'westeurope';
  return 'other';
}

function once(): void {
  const n = ++seq;
  const start = Date.now();
  let done = false;
  inflight++;
  const finish = (rec: Record<string, unknown>): void => {
    if (done) return;
    done = true;
    inflight--;
    process.stdout.write(`${JSON.stringify({ seq: n, t: start, ms: Date.now() - start, ...rec })}\n`);
  };
  const req = http.get({ host: addr, port: 80, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (body += c));
    res.on('end', () =>
      res.statusCode === 200 ? finish({ region: regionOf(body) }) : finish({ err: `http ${res.statusCode}` }),
    );
    res.on('error', (e) => finish({ err: e.message }));
  });
  // A deadline for the whole request, as a user's patience is: connect, wait and read alike.
  const deadline = setTimeout(() => {
    finish({ err: 'timeout' });
    req.destroy();
  }, timeout);
  req.on('close', () => clearTimeout(deadline));
  req.on('error', (e: NodeJS.ErrnoException) => finish({ err: e.code ?? e.message }));
}

const timer = setInterval(() => {
  if (Date.now() - t0 >= duration) return stop();
  once();
}, period);

function stop(): void {
  clearInterval(timer);
  const wait = setInterval(() => {
    if (inflight === 0 || Date.now() - t0 > duration + timeout + 1000) {
      clearInterval(wait);
      process.exit(0);
    }
  }, 10);
}

process.stdout.on('error', () => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
