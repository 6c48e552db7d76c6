import { readFileSync, readdirSync } from 'node:fs';

/**
 * Pids of the live processes in session `sessionId`. Every daemon is started as a session leader,
 * and its descendants stay in that session even when they change process group (ExaBGP setpgrp()s
 * each API process) or are orphaned when the daemon dies. So the session is the one handle that
 * finds them all. The kernel does not hand out a pid that is still in use as a session id, so the
 * scan cannot hit an unrelated process.
 */
export function sessionMembers(sessionId: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we were scanning
    }
    // Field 2 (the command name) may contain spaces and parentheses: split after the last ')'.
    const [state, , , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(session) === sessionId && state !== 'Z') members.push(Number(entry));
  }
  return members;
}

/** Sends `signal` to every live process of session `sessionId`; returns how many were signalled. */
export function signalSession(sessionId: number, signal: NodeJS.Signals): number {
  let signalled = 0;
  for (const pid of sessionMembers(sessionId)) {
    try {
      process.kill(pid, signal);
      signalled += 1;
    } catch {
      // It exited between the scan and the kill: the outcome we wanted anyway.
    }
  }
  return signalled;
}
