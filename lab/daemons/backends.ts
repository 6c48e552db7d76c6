import { createServer, type Server } from 'node:http';
import { assertLoopback } from './assert-loopback.js';
import { freePort } from './free-port.js';
import type { Lab } from './open-lab.js';

export interface BackendOptions {
  /** For messages only; default `backend`. */
  name?: string;
  /** Default 127.0.0.1. */
  address?: string;
  /** Default a free port; kept across stop()/start(). */
  port?: number;
  /** HTTP status of every reply; default 200. */
  status?: number;
  /** Body of every reply; default the name. */
  body?: string;
}

/** A tiny HTTP server in this process, standing in for an application server behind HAProxy. */
export interface Backend {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  running(): boolean;
  /** Listens again on the same port: the server "comes back". */
  start(): Promise<void>;
  /** Closes the listener and every open connection, so health checks get "connection refused". */
  stop(): Promise<void>;
}

/** Starts a backend and registers it with the lab, which stops it on close. */
export async function startBackend(lab: Lab, options: BackendOptions = {}): Promise<Backend> {
  const name = options.name ?? 'backend';
  const address = options.address ?? '127.0.0.1';
  assertLoopback(address, `backend ${name} address`);
  const port = options.port ?? (await freePort(address));
  const status = options.status ?? 200;
  const body = options.body ?? name;
  let server: Server | undefined;

  const backend: Backend = {
    name,
    address,
    port,
    running: () => server !== undefined,
    start: async () => {
      if (server !== undefined) return;
      const listening = createServer((_request, response) => {
        response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', (error) => reject(new Error(`backend ${name}: cannot listen on ${address}:${port}`, { cause: error })));
        listening.listen(port, address, resolve);
      });
      server = listening;
    },
    stop: async () => {
      const closing = server;
      if (closing === undefined) return;
      server = undefined;
      // Keep-alive connections (HAProxy reuses them) would otherwise keep the backend half alive.
      closing.closeAllConnections();
      await new Promise<void>((resolve, reject) => closing.close((error) => (error ? reject(error) : resolve())));
    },
  };
  await backend.start();
  lab.defer(`backend ${name}`, () => backend.stop());
  return backend;
}
