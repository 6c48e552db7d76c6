import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../log/logger.js';
import { parseExabgpMessage } from './parse-exabgp-message.js';

export interface ChannelHandlers {
  onNeighborUp(peer: string): void;
  onShutdown(): void;
  /** ExaBGP closed our stdin: it is gone. */
  onClosed(): void;
}

export interface ExabgpChannel {
  send(lines: string[]): void;
}

/** Commands still waiting for their ack; bounded so a config with acks off cannot grow it forever. */
const maxPending = 10_000;

/**
 * The API pipe to ExaBGP. stdout carries commands and nothing else; stdin is read from the first
 * moment and always, because ExaBGP blocks (and stops keepalives) once its writes to us fill the pipe.
 */
export function openExabgpChannel(input: Readable, output: Writable, log: Logger, handlers: ChannelHandlers): ExabgpChannel {
  const pending: string[] = [];
  let buffered = '';

  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    const lines = (buffered + chunk).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) handleLine(line);
  });
  input.on('end', () => handlers.onClosed());
  input.on('error', () => handlers.onClosed());
  output.on('error', () => handlers.onClosed());

  function handleLine(line: string): void {
    const message = parseExabgpMessage(line);
    switch (message.kind) {
      case 'ack': {
        const command = pending.shift();
        if (!message.ok) {
          log({
            level: 'error',
            event: 'commandRejected',
            message: `ExaBGP answered "error" to: ${command ?? '(unknown command)'} — check that the neighbor's api block lists this process and that the route's family is configured`,
          });
        }
        return;
      }
      case 'neighbor':
        if (message.state === 'up') handlers.onNeighborUp(message.peer);
        else if (message.state === 'down') log({ level: 'warn', event: 'neighborDown', message: `neighbor ${message.peer} is down` });
        return;
      case 'shutdown':
        handlers.onShutdown();
        return;
      case 'other':
        return;
    }
  }

  return {
    send(lines) {
      if (lines.length === 0) return;
      output.write(lines.map((l) => `${l}\n`).join(''));
      pending.push(...lines);
      if (pending.length > maxPending) pending.splice(0, pending.length - maxPending);
    },
  };
}
