/** A line ExaBGP wrote to our stdin, sorted by what we do with it. */
export type ExabgpMessage =
  | { kind: 'ack'; ok: boolean }
  | { kind: 'neighbor'; peer: string; state: string }
  | { kind: 'shutdown' }
  | { kind: 'other' };

/** Classifies one stdin line from either encoder (text or json). Acks are plain text in both. */
export function parseExabgpMessage(line: string): ExabgpMessage {
  const text = line.trim();
  if (text === 'done') return { kind: 'ack', ok: true };
  if (text === 'error') return { kind: 'ack', ok: false };
  if (text.startsWith('{')) return parseJson(text);
  if (text === 'shutdown' || text.startsWith('shutdown ')) return { kind: 'shutdown' };
  const neighbor = /^neighbor (\S+) (connected|up|down)\b/.exec(text);
  if (neighbor) return { kind: 'neighbor', peer: neighbor[1] ?? '', state: neighbor[2] ?? '' };
  return { kind: 'other' };
}

function parseJson(text: string): ExabgpMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { kind: 'other' };
  }
  const m = message as { type?: unknown; notification?: unknown; neighbor?: { state?: unknown; address?: { peer?: unknown } } };
  if (m.type === 'notification' && m.notification === 'shutdown') return { kind: 'shutdown' };
  if (m.type === 'state' && typeof m.neighbor?.state === 'string') {
    return { kind: 'neighbor', peer: String(m.neighbor.address?.peer ?? ''), state: m.neighbor.state };
  }
  return { kind: 'other' };
}
