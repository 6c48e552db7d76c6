import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { formatCommand, type Command } from './format-command.js';
import { createLineSplitter } from './line-splitter.js';
import { parseExabgpMessage } from './parse-exabgp-message.js';

export interface ChannelHandlers {
  /** ExaBGP's `done` (ok) or `error` for one command we sent. */
  onAnswer(command: Command, ok: boolean): void;
  /** A line of a `show adj-rib out` answer. */
  onRibRoute(route: { neighbor: string; prefix: string; nextHop?: string }): void;
  onNeighbor(peer: string, state: 'connected' | 'up' | 'down'): void;
  onShutdown(): void;
  /** ExaBGP closed our stdin or stdout: it is gone. */
  onClosed(): void;
}

export interface ExabgpChannel {
  send(commands: Command[]): void;
  /** Resolves once everything written has left for the pipe, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
}

/** Commands still waiting for their answer; bounded so a config with acks off cannot grow it forever. */
const maxPending = 10_000;
/** ExaBGP never writes a line this long; a longer one is dropped, so one line can never stall decisions. */
const maxLineLength = 1024 * 1024;

/**
 * The API pipe to ExaBGP. stdout carries commands and nothing else; stdin is read from the first
 * moment and always, because ExaBGP blocks (and stops keepalives) once its writes to us fill the
 * pipe. Answers arrive in the order the commands were sent, so each `done`/`error` belongs to the
 * oldest command still waiting.
 */
export function openExabgpChannel(input: Readable, output: Writable, log: Logger, handlers: ChannelHandlers): ExabgpChannel {
  const pending: Command[] = [];
  let unflushedWrites = 0;
  let flushed: Array<() => void> = [];
  const splitter = createLineSplitter(maxLineLength);

  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    const { lines, oversized } = splitter.push(chunk);
    if (oversized > 0) {
      log({ level: 'warn', event: 'inputDropped', message: `dropped ${oversized} line(s) from ExaBGP longer than ${maxLineLength} bytes` });
    }
    for (const line of lines) handleLineSafely(line);
  });
  input.on('end', () => handlers.onClosed());
  input.on('error', () => handlers.onClosed());
  output.on('error', () => handlers.onClosed());

  /** A line we cannot handle is logged and skipped: nothing on stdin may crash the process. */
  function handleLineSafely(line: string): void {
    try {
      handleLine(line);
    } catch (error) {
      log({ level: 'error', event: 'inputFailed', message: `could not handle a line from ExaBGP (${errorMessage(error)}): ${JSON.stringify(line.slice(0, 200))}` });
    }
  }

  function handleLine(line: string): void {
    const message = parseExabgpMessage(line);
    switch (message.kind) {
      case 'ack': {
        const command = pending.shift();
        if (command) handlers.onAnswer(command, message.ok);
        return;
      }
      case 'ribEntry':
        handlers.onRibRoute({ neighbor: message.neighbor, prefix: message.prefix, nextHop: / next-hop (\S+)/.exec(message.line)?.[1] });
        return;
      case 'neighbor':
        handlers.onNeighbor(message.peer, message.state);
        return;
      case 'shutdown':
        handlers.onShutdown();
        return;
      case 'other':
        return;
    }
  }

  return {
    send(commands) {
      if (commands.length === 0) return;
      unflushedWrites++;
      output.write(commands.map((c) => `${formatCommand(c)}\n`).join(''), () => {
        if (--unflushedWrites > 0) return;
        for (const resolve of flushed) resolve();
        flushed = [];
      });
      pending.push(...commands);
      if (pending.length > maxPending) pending.splice(0, pending.length - maxPending);
    },
    drain(timeoutMs) {
      if (unflushedWrites === 0 || output.destroyed) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        flushed.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
