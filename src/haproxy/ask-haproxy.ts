import { connect, type NetConnectOpts } from 'node:net';

export interface AskOptions {
  timeoutMs: number;
  /** A longer answer is refused: `show info` is about 2 KB, a refusal one line. */
  maxAnswerBytes?: number;
}

/**
 * One command on HAProxy's CLI (stats socket), on a short connection: HAProxy answers and closes.
 * Fails with the cause ("connect ENOENT", a timeout, an oversized answer), never hangs.
 */
export function askHaproxy(address: NetConnectOpts, command: string, { timeoutMs, maxAnswerBytes = 64 * 1024 }: AskOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(address, () => socket.write(`${command}\n`));
    const fail = (reason: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(reason));
    };
    const timer = setTimeout(() => fail(`no answer to "${command}" within ${timeoutMs} ms`), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (answer.length > maxAnswerBytes) fail(`answer to "${command}" larger than ${maxAnswerBytes} bytes`);
    });
    socket.once('end', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => fail(error.syscall && error.code ? `${error.syscall} ${error.code}` : error.message));
  });
}
