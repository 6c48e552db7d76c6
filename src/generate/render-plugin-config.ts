import type { NvaPlacement } from './place-nvas.js';
import { eventRing } from './render-haproxy-cfg.js';
import type { Topology } from './topology.js';

/** Top-level plugin settings a topology may carry; they reach every NVA unchanged. */
const passedSettings = ['intervalMs', 'rise', 'fall', 'disableFile', 'onStatsError', 'staleMs'] as const;

/**
 * What a topology gets unless it sets its own (the README's "generated defaults"). HAProxy's event
 * stream triggers a poll at each server state change, so the periodic poll is only a safety net;
 * HAProxy has already applied its own rise and fall, so the plugin acts on the first poll that sees
 * a change. `hold` rides out a slow read; a dead HAProxy still withdraws at once. stats.timeoutMs is
 * left to the plugin's default, half of intervalMs.
 */
const generatedPolling = { intervalMs: 1000, rise: 1, fall: 1, onStatsError: 'hold' };

/**
 * The exabgp-anycast.json of an NVA: the topology's plugin settings (over the generated polling)
 * and services, plus what the generator decides: the topology's platform (so `validate` applies
 * the same rules), `nextHop: "self"`, the region's AS path, and with `metrics` a listener on the
 * NVA's own address (where `status --topology` asks).
 */
export function renderPluginConfig(topology: Topology, { nva, asPath }: Pick<NvaPlacement, 'nva' | 'asPath'>): string {
  const settings = {
    ...generatedPolling,
    ...Object.fromEntries(passedSettings.filter((key) => topology[key] !== undefined).map((key) => [key, topology[key]])),
  };
  const services = topology.services.map(({ name, prefixes, haproxy: _haproxyOnly, ...serviceSettings }) => ({
    name,
    prefixes,
    nextHop: 'self',
    asPath,
    ...serviceSettings,
  }));
  const metrics = topology.metrics && { listen: `${nva.address.includes(':') ? `[${nva.address}]` : nva.address}:${topology.metrics.port}` };
  const stats = { ...topology.stats, events: eventRing };
  return `${formatJson({ platform: topology.platform, stats, ...(metrics ? { metrics } : {}), ...settings, services })}\n`;
}

// --- internal ---

/** JSON.stringify with two-space indents, but arrays of plain values on one line: [65010, 65010]. */
function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/\[\n\s+([^[\]{}]*?)\n\s*\]/g, (_whole, items: string) =>
    `[${items.split(/,\n\s*/).join(', ')}]`,
  );
}
