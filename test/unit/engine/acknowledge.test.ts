import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load-config.js';
import { acknowledge, nextRetryAt, retryDelay, retryDue, retryNow } from '../../../src/engine/acknowledge.js';
import { initialEngineState, tick, type EngineState } from '../../../src/engine/tick.js';
import { formatCommand, type Command } from '../../../src/exabgp/format-command.js';

const config = validateConfig(
  { stats: { source: 'unix:/run/haproxy/admin.sock' }, services: [{ name: 'www', prefixes: ['198.18.0.10/32'], health: { backends: ['be_app'] } }] },
  'test',
);
const snapshot = (status: string) => ({
  frontends: new Map(),
  backends: new Map([['be_app', { name: 'be_app', status: 'UP', servers: [{ name: 's1', status, checkStatus: 'L4OK', backup: false }] }]]),
});

/** The first poll of a healthy service: one announce, not answered yet. */
function announced(): { state: EngineState; command: Command } {
  const out = tick(config, initialEngineState(config, 0), { poll: { ok: true, snapshot: snapshot('UP') }, disabled: false, now: 0, knownNeighbors: new Set() });
  const command = out.commands[0];
  if (!command) throw new Error('expected an announce');
  return { state: out.state, command };
}

describe('acknowledge', () => {
  it('counts a route as announced only once ExaBGP answers done', () => {
    const { state, command } = announced();
    expect(state.routes.get('198.18.0.10/32')?.status).toBe('sent');
    expect(acknowledge(state, command, true, 10).state.routes.get('198.18.0.10/32')?.status).toBe('accepted');
  });

  it('after an error the route is not announced, the log says so and why, and it is re-sent after 1 s', () => {
    const { state, command } = announced();
    const out = acknowledge(state, command, false, 10);
    expect(out.state.routes.get('198.18.0.10/32')).toMatchObject({ status: 'rejected', rejections: 1, retryAt: 1010 });
    expect(out.events.map((e) => e.message)).toEqual([
      `ExaBGP answered "error" to: announce 198.18.0.10/32; it is NOT announced, re-sending in 1 s — check that exabgp.conf's neighbor api block lists this process and that the route's family is configured, then reload ExaBGP`,
    ]);
    expect(nextRetryAt(out.state)).toBe(1010);
    expect(retryDue(out.state, 1009).commands).toEqual([]);
    const retried = retryDue(out.state, 1010);
    expect(retried.commands.map(formatCommand)).toEqual(['announce route 198.18.0.10/32 next-hop self']);
    expect(retried.state.routes.get('198.18.0.10/32')?.status).toBe('sent');
  });

  it('is not re-sent by a poll while its back-off runs', () => {
    const { state, command } = announced();
    const rejected = acknowledge(state, command, false, 10).state;
    const out = tick(config, rejected, { poll: { ok: true, snapshot: snapshot('UP') }, disabled: false, now: 500, knownNeighbors: new Set() });
    expect(out.commands).toEqual([]);
  });

  it('backs off 1 s doubling to 30 s, and logs when ExaBGP finally takes it', () => {
    let { state, command } = announced();
    const delays: number[] = [];
    let now = 0;
    for (let attempt = 0; attempt < 7; attempt++) {
      state = acknowledge(state, command, false, now).state;
      const at = nextRetryAt(state) ?? Number.NaN;
      delays.push(at - now);
      now = at;
      const retried = retryDue(state, now);
      state = retried.state;
      command = retried.commands[0] ?? command;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const accepted = acknowledge(state, command, true, now);
    expect(accepted.state.routes.get('198.18.0.10/32')).toMatchObject({ status: 'accepted', rejections: 0 });
    expect(accepted.events.map((e) => e.message)).toEqual(['ExaBGP accepted announce 198.18.0.10/32 after 7 rejection(s); it is announced']);
    expect(retryDelay(100)).toBe(30000);
  });

  it('ignores an answer to a line that has since been replaced', () => {
    const { state, command } = announced();
    const withdrawn = tick(config, state, { poll: { ok: true, snapshot: snapshot('DOWN') }, disabled: true, now: 1, knownNeighbors: new Set() }).state;
    expect(acknowledge(withdrawn, command, false, 2).state).toBe(withdrawn);
  });

  it('makes every rejected route due at once when the operator asks (SIGUSR1, SIGHUP)', () => {
    const { state, command } = announced();
    const rejected = acknowledge(state, command, false, 10).state;
    expect(retryDue(retryNow(rejected, 20), 20).commands).toHaveLength(1);
  });

  it('logs a rejected withdraw, which may leave the route announced', () => {
    const command: Command = { kind: 'withdraw', service: 'www', route: { prefix: '198.18.0.10/32', nextHop: 'self', neighbors: [], attributes: {} } };
    const { state } = announced();
    expect(acknowledge(state, command, false, 0).events.map((e) => e.level)).toEqual(['error']);
  });
});
