import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ReloadResult } from '../engine/poll-loop.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { expositionContentType } from './exposition.js';
import { isLoopback, type ListenAddress } from '../config/listen-address.js';
import type { PluginStatus } from './plugin-status.js';

/** What the endpoints answer with; each built from what the plugin last reported, never by waiting on it. */
export interface Endpoints {
  metrics(): Promise<string>;
  status(): PluginStatus;
  reload(): ReloadResult;
}

type Route = { methods: readonly string[]; answer(request: IncomingMessage, response: ServerResponse): Promise<void> | void };

/**
 * Serves GET /metrics, GET /status and POST /-/reload on `listen`. A listener that cannot bind
 * (port taken, address not on this machine) is logged once with the fix, and the plugin goes on
 * without it: metrics must never be the reason routes stop being managed.
 */
export function serveEndpoints(listen: ListenAddress, log: Logger, endpoints: Endpoints): void {
  const routes: Record<string, Route> = {
    '/metrics': {
      methods: ['GET', 'HEAD'],
      answer: async (_request, response) => send(response, 200, expositionContentType, await endpoints.metrics()),
    },
    '/status': {
      methods: ['GET', 'HEAD'],
      answer: (_request, response) => sendJson(response, 200, endpoints.status()),
    },
    '/-/reload': {
      methods: ['POST'],
      answer(request, response) {
        const client = request.socket.remoteAddress ?? '';
        if (!isLoopback(client)) {
          sendJson(response, 403, { ok: false, error: `reload is only taken from this machine (loopback); ${client || 'this client'} is not` });
          return;
        }
        const result = endpoints.reload();
        sendJson(response, result.ok ? 200 : 400, result);
      },
    },
  };

  let failureLogged = false;
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    if (route === undefined) {
      send(response, 404, 'text/plain; charset=utf-8', `no ${path} here: GET /metrics, GET /status or POST /-/reload\n`);
      return;
    }
    if (!route.methods.includes(request.method ?? '')) {
      response.setHeader('Allow', route.methods.join(', '));
      send(response, 405, 'text/plain; charset=utf-8', `${path} takes ${route.methods.join(' or ')}\n`);
      return;
    }
    Promise.resolve()
      .then(() => route.answer(request, response))
      .catch((error: unknown) => {
        if (!failureLogged) {
          failureLogged = true;
          log({ level: 'error', event: 'metricsFailed', message: `metrics: ${request.method} ${path} failed, the plugin goes on: ${error instanceof Error ? error.stack : String(error)}` });
        }
        if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `${errorMessage(error)}\n`);
        else response.destroy();
      });
  });
  // A scraper that opens connections and never finishes its request must not hold them for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.maxConnections = 64;

  server.once('error', (error: NodeJS.ErrnoException) => {
    log({ level: 'error', event: 'metricsUnavailable', message: `metrics: cannot listen on ${listen.text}: ${bindProblem(error, listen)}; the plugin goes on without metrics, /status and HTTP reload` });
  });
  server.listen({ host: listen.host, port: listen.port }, () => {
    log({ level: 'info', event: 'metricsListening', message: `metrics: serving http://${listen.text}/metrics, /status and POST /-/reload${isLoopback(listen.host) ? '' : ' (reload only from loopback clients)'}` });
  });
}

/** The cause, with the fix. */
function bindProblem(error: NodeJS.ErrnoException, { host, port }: ListenAddress): string {
  const restart = 'then restart the plugin (SIGUSR2 hands over without withdrawing)';
  switch (error.code) {
    case 'EADDRINUSE':
      return `the port is taken (EADDRINUSE); set a free port in metrics.listen or --metrics-listen, or stop what holds it (ss -ltnp 'sport = :${port}'), ${restart}`;
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine (EADDRNOTAVAIL); use 127.0.0.1 or one of its own addresses (ip -brief address), ${restart}`;
    case 'EACCES':
      return `not allowed to bind port ${port} (EACCES: ports below 1024 need privileges); use a port above 1023 such as 9834, ${restart}`;
    default:
      return errorMessage(error);
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 2)}\n`);
}
