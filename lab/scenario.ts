// A failover or fail-back, measured: the fault, then HAProxy's detection, the plugin's decision and the hub's change,
// and what the client felt meanwhile.
import type { ClientRun } from './client.js';
import { waitFor } from './daemons/index.js';
import type { Lab } from './lab.js';
import { pluginTransitions, type Breakdown, type HaproxyPoller } from './measure.js';
import type { Nva } from './nva.js';

/**
 * How the primary's backends fail: `refused`, their processes killed (the next connection is refused at once);
 * `blackhole`, packets to them dropped (a connection only times out).
 */
export type Fault = 'refused' | 'blackhole';
export const FAULTS: readonly Fault[] = ['refused', 'blackhole'];

/** A request answered later than this counts as slow: saved by a retry, a redispatch or the bridge, but felt. */
export const SLOW_MS = 500;

export interface Transition extends Breakdown {
  kind: 'failover' | 'failback';
  fault: Fault;
  tFault: number;
  tFirstLine?: number;
  tHaproxy?: number;
  tPlugin?: number;
  tHub?: number;
  /** From the fault until the client's first request after it: the first that meets the fault. */
  firstRequestMs?: number;
  /** Requests started once HAProxy had marked the servers down (or up) that were lost anyway. */
  lostAfterDetection?: number;
}

/** Requests in flight when the fault lands are the fault's too. */
const LOOKBACK_MS = 100;

export interface TransitionOptions {
  /** The client whose requests are counted; its per-request deadline bounds the wait for the last answers. */
  client?: { run: ClientRun; timeoutMs: number };
  /** How long to wait for the hub to change. */
  timeoutMs?: number;
}

/** Injects the fault (failover) or removes it (fail-back); resolves with the moment it took effect. */
async function applyFault(nva: Nva, fault: Fault, kind: 'failover' | 'failback'): Promise<number> {
  if (kind === 'failback') {
    // Refused: from the moment the restarted backends accept connections. Blackhole: once the rules are gone.
    if (fault === 'refused') return nva.restoreBackends();
    await nva.restoreBackendPaths();
    return Date.now();
  }
  // The kill lands at once: from just before it. The drop rules land when nft commits them, which can be 100 ms
  // after the call began on a busy machine: from when it returns (a few ms late: nft's exit after its commit).
  if (fault === 'refused') {
    const t = Date.now();
    await nva.killBackends();
    return t;
  }
  await nva.blackholeBackends();
  return Date.now();
}

export async function measureTransition(
  lab: Lab,
  nva: Nva,
  poller: HaproxyPoller,
  kind: 'failover' | 'failback',
  fault: Fault,
  { client, timeoutMs = 30_000 }: TransitionOptions = {},
): Promise<Transition> {
  const tFault = await applyFault(nva, fault, kind);
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
  const minUp = minUpOf(lab);
  // Causality orders the three: HAProxy's change, then the plugin's command, then BIRD's change. Each is stamped
  // by another process, and on a busy machine a process can stamp (or even read) its line 10–20 ms late, BIRD least
  // (it stamps first in its own loop). So each stamp is bounded by the next one's.
  const tHubOrLater = tHub ?? Infinity;
  const pluginLogged = pluginTransitions(nva.pluginLog()).find((p) => p.t >= tFault - 5 && p.action === (kind === 'failover' ? 'withdraw' : 'announce'))?.t;
  const tPlugin = pluginLogged === undefined ? undefined : Math.min(pluginLogged, tHubOrLater);
  const detected = poller.detectedAfter(tFault, (up) => (kind === 'failover' ? up === 0 : up >= minUp));
  const tHaproxy = detected === undefined ? undefined : Math.min(detected, tPlugin ?? tHubOrLater);
  const firstLine = poller.firstEventAfter(tFault);
  const tFirstLine = firstLine === undefined ? undefined : Math.min(firstLine, tHaproxy ?? tHubOrLater);
  const settle = (tHub ?? Date.now()) + 500;
  if (client) await client.run.settled(settle, settle - Date.now() + client.timeoutMs + 1000);
  return {
    kind,
    fault,
    tFault,
    tFirstLine,
    tHaproxy,
    tPlugin,
    tHub,
    firstLineMs: tFirstLine !== undefined ? tFirstLine - tFault : undefined,
    haproxyMs: tHaproxy !== undefined ? tHaproxy - tFault : undefined,
    pluginMs: tPlugin !== undefined && tHaproxy !== undefined ? tPlugin - tHaproxy : undefined,
    bgpMs: tHub !== undefined && tPlugin !== undefined ? tHub - tPlugin : undefined,
    totalMs: tHub !== undefined ? tHub - tFault : undefined,
    lost: client?.run.lost(tFault - LOOKBACK_MS, settle),
    slow: client?.run.slow(tFault - LOOKBACK_MS, settle, SLOW_MS),
    firstRequestMs: client ? ((client.run.samples().find((x) => x.t >= tFault)?.t ?? NaN) - tFault) : undefined,
    lostAfterDetection: client && tHaproxy !== undefined ? client.run.lost(tHaproxy, settle) : undefined,
  };
}

/** Waits until HAProxy has every non-backup server of the watched backend UP: the next fault starts from a whole region. */
export async function waitAllUp(poller: HaproxyPoller, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    `HAProxy to mark every ${poller.backend} server UP again`,
    () => {
      const s = poller.current();
      return s !== undefined && s.total > 0 && s.up === s.total;
    },
    { timeoutMs },
  );
}

/** The lab's service's minUp: HAProxy's fail-back is done once that many servers are UP. */
function minUpOf(lab: Lab): number {
  const health = lab.topologyInput.services[0]?.health as { minUp?: number } | undefined;
  return health?.minUp ?? 1;
}
