// A failover or fail-back, measured: the fault, then HAProxy's detection, the plugin's decision and the hub's change.
import type { ClientRun } from './client.js';
import type { Lab } from './lab.js';
import { pluginTransitions, type Breakdown, type HaproxyPoller } from './measure.js';
import type { Nva } from './nva.js';

export interface Transition extends Breakdown {
  kind: 'failover' | 'failback';
  tFault: number;
  tHaproxy?: number;
  tPlugin?: number;
  tHub?: number;
}

export async function measureTransition(
  lab: Lab,
  nva: Nva,
  poller: HaproxyPoller,
  kind: 'failover' | 'failback',
  client: ClientRun | undefined,
  timeoutMs = 30_000,
): Promise<Transition> {
  // Failover: from the kill. Fail-back: from the moment the restarted backends accept connections again.
  let tFault = Date.now();
  if (kind === 'failover') await nva.killBackends();
  else tFault = await nva.restoreBackends();
  const expect = kind === 'failover' ? lab.secondary.net.region : nva.net.region;
  const tSeen = await lab.waitBest(expect, timeoutMs);
  // Give the pollers (and BIRD's log) a moment to have caught up with what already happened.
  await new Promise((r) => setTimeout(r, 100));
  // The hub's own timestamp of the change (BIRD's route trace); the polled time if the trace lacks it.
  const proto = `nva_${nva.net.tag}`;
  const ev = lab.hub
    .routeEvents()
    .find((e) => e.protocol === proto && e.t >= tFault - 5 && (kind === 'failover' ? e.kind === 'removed' : e.kind === 'added' && e.best));
  const tHub = tSeen === undefined ? undefined : (ev?.t ?? tSeen);
  const tHaproxy = poller.firstAfter(tFault, (s) => (kind === 'failover' ? s.status.startsWith('DOWN') : s.status.startsWith('UP')));
  const tPlugin = pluginTransitions(nva.pluginLog()).find((p) => p.t >= tFault - 5 && p.action === (kind === 'failover' ? 'withdraw' : 'announce'))?.t;
  const settle = (tHub ?? Date.now()) + 500;
  return {
    kind,
    tFault,
    tHaproxy,
    tPlugin,
    tHub,
    haproxyMs: tHaproxy !== undefined ? tHaproxy - tFault : undefined,
    pluginMs: tPlugin !== undefined && tHaproxy !== undefined ? tPlugin - tHaproxy : undefined,
    // The plugin stamps its log line just after writing the command, so BIRD's stamp can be a ms or two earlier.
    bgpMs: tHub !== undefined && tPlugin !== undefined ? Math.max(0, tHub - tPlugin) : undefined,
    totalMs: tHub !== undefined ? tHub - tFault : undefined,
    lost: client ? await lostUntil(client, tFault, settle) : undefined,
  };
}

/** Requests started in [from, to) that failed; waits until the client has reported every one of them. */
async function lostUntil(client: ClientRun, from: number, to: number): Promise<number> {
  const deadline = Date.now() + 3000;
  while (Date.now() < to + 700 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return client.lost(from, to);
}
