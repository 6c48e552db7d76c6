import { connect, type NetConnectOpts, type Socket } from 'node:net';
import { errorMessage } from '../errors.js';
import { createLineSplitter } from '../exabgp/line-splitter.js';
import type { Logger } from '../log/logger.js';
import { askHaproxy } from './ask-haproxy.js';
import { describeEventsRefusal, parseHaproxyEvent, pidOfShowInfo, type HaproxyEvent } from './parse-haproxy-event.js';

export interface EventStreamSettings {
  /** The stats socket: unix:/path or tcp://host:port (config validation allows nothing else). */
  source: string;
  /** The HAProxy log ring to follow (stats.events). */
  ring: string;
  /** Bounds each short `show info` question. */
  timeoutMs: number;
}

export interface EventStreamHandlers {
  /** One line of the ring, classified, and when it arrived (performance.now()). */
  event(event: HaproxyEvent, receivedAt: number): void;
  /**
   * The stream was established or re-established (true: what happened before it is not in the
   * stream, so look now), or lost (false).
   */
  connected(connected: boolean): void;
}

export interface EventStream {
  readonly ring: string;
  close(): void;
}

/** HAProxy answers a refusal at once and says nothing when it accepts: a subscription still open this long is established. */
const acceptedAfterMs = 250;
/** Retries after 250 ms, doubling, at most every 5 s. */
const firstRetryMs = 250;
const maxRetryMs = 5000;
/**
 * A reload is noticed from the old process's "Proxy … stopped" lines; asking `show info` this often
 * as well catches one whose lines were lost, so that no old process is held alive for long.
 */
const processCheckMs = 30_000;
/** A refusal is one line; more before any event is not HAProxy's answer. */
const maxAnswerBytes = 64 * 1024;
const maxLineLength = 64 * 1024;

/**
 * Keeps a second connection open on the stats socket with `show events <ring> -nw` (`-n`: only
 * new lines, `-w`: wait for them) and hands each line over as it arrives. Failures are logged once
 * per distinct cause, with the fix, and retried with a back-off; polling never depends on it.
 */
export function openEventStream(settings: EventStreamSettings, handlers: EventStreamHandlers, log: Logger): EventStream {
  const { ring, timeoutMs } = settings;
  const address = socketAddress(settings.source);
  const where = `${settings.source}, ring ${ring}`;
  let socket: Socket | undefined;
  /** The process the stream follows: `show info`'s Pid before subscribing, then the PID of its lines. */
  let followedPid: number | undefined;
  let established = false;
  /** HAProxy closed an established stream, and it is being re-opened before anyone is told. */
  let resuming = false;
  /** The process the closed stream followed. */
  let resumingFrom: number | undefined;
  let checking = false;
  let closed = false;
  let retries = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  const processCheckTimer = setInterval(checkProcess, processCheckMs).unref();
  let lastFailure: string | undefined;

  void subscribe();

  async function subscribe(): Promise<void> {
    let pid: number | undefined;
    try {
      pid = pidOfShowInfo(await askHaproxy(address, 'show info', { timeoutMs }));
    } catch (error) {
      lost();
      failed(`cannot reach HAProxy (${errorMessage(error)}): is it running, and is stats.source its stats socket?`);
      return;
    }
    if (closed) return;
    followedPid = pid;
    const current = connect(address, () => current.write(`show events ${ring} -nw\n`));
    socket = current;
    const splitter = createLineSplitter(maxLineLength);
    let answer = '';
    const accepted = setTimeout(() => establish(), acceptedAfterMs);
    current.setEncoding('utf8');
    current.on('data', (chunk: string) => {
      const receivedAt = performance.now();
      if (!established && answer.length < maxAnswerBytes) answer += chunk;
      for (const line of splitter.push(chunk).lines) {
        if (!line.startsWith('<')) continue;
        establish();
        const event = parseHaproxyEvent(line);
        if (event.pid !== undefined) followedPid = event.pid;
        if (event.stopping) checkProcess();
        handlers.event(event, receivedAt);
      }
    });
    current.on('error', () => undefined); // 'close' follows and says what it means.
    current.once('close', () => {
      clearTimeout(accepted);
      if (socket !== current) return; // Closed on purpose: moved to a new process, or shut down.
      socket = undefined;
      if (established) {
        // Most often HAProxy's CLI idle timeout ("stats timeout") on a quiet stream: re-open it at
        // once, and say it was lost only if that fails.
        established = false;
        resuming = true;
        resumingFrom = followedPid;
        retries = 0;
        lastFailure = undefined;
        void subscribe();
      } else {
        lost();
        failed(answer.trim() === '' ? 'HAProxy closed the connection without streaming events' : describeEventsRefusal(answer, ring));
      }
    });

    function establish(): void {
      if (established || socket !== current) return;
      established = true;
      retries = 0;
      lastFailure = undefined;
      handlers.connected(true);
      if (resuming && resumingFrom === followedPid) {
        resuming = false;
        log({ level: 'debug', event: 'eventsResumed', message: `HAProxy closed the event stream (${where}), likely its "stats timeout" on a quiet stream; resubscribed` });
        return;
      }
      if (resuming) {
        resuming = false;
        log({ level: 'info', event: 'eventsResumed', message: `HAProxy restarted (pid ${resumingFrom ?? 'unknown'} → ${followedPid ?? 'unknown'}): following the new process's event stream (${where})` });
        return;
      }
      log({ level: 'info', event: 'eventsEstablished', message: `following HAProxy's event stream (${where}, HAProxy pid ${followedPid ?? 'unknown'}): a server state change triggers a poll at once` });
    }
  }

  /** A stream that was being re-opened is not coming back at once: now it is lost. */
  function lost(): void {
    if (!resuming) return;
    resuming = false;
    handlers.connected(false);
    log({ level: 'warn', event: 'eventsLost', message: `HAProxy event stream lost (${where}); polling goes on every intervalMs, resubscribing` });
  }

  function failed(cause: string): void {
    if (closed) return;
    if (cause !== lastFailure) {
      lastFailure = cause;
      log({ level: 'warn', event: 'eventsUnavailable', message: `no HAProxy event stream (${where}), polling goes on every intervalMs and it retries every few seconds: ${cause}` });
    }
    retry();
  }

  function retry(): void {
    const delay = Math.min(maxRetryMs, firstRetryMs * 2 ** retries);
    retries++;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void subscribe(), delay);
  }

  /** Closes the connection on purpose: its 'close' then changes nothing. */
  function drop(): void {
    const old = socket;
    socket = undefined;
    old?.destroy();
    if (established || resuming) {
      established = false;
      resuming = false;
      handlers.connected(false);
    }
  }

  /**
   * Asks which process answers the stats socket now, and moves to it when the stream follows an
   * older one: after a reload the old process lives as long as our connection does, silent.
   */
  function checkProcess(): void {
    if (!established || checking || closed) return;
    checking = true;
    askHaproxy(address, 'show info', { timeoutMs })
      .then((answer) => {
        const pid = pidOfShowInfo(answer);
        if (closed || !established || pid === undefined || pid === followedPid) return;
        log({ level: 'info', event: 'eventsReloaded', message: `HAProxy was reloaded (pid ${followedPid ?? 'unknown'} → ${pid}): following the new process and letting go of the old one` });
        drop();
        retries = 0;
        void subscribe();
      })
      // A socket that does not answer is the poll's to report; the stream stays as it is.
      .catch(() => undefined)
      .finally(() => (checking = false));
  }

  return {
    ring,
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(processCheckTimer);
      drop();
    },
  };
}

function socketAddress(source: string): NetConnectOpts {
  if (source.startsWith('unix:')) return { path: source.slice('unix:'.length) };
  const url = new URL(source);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) };
}

