import { describe, expect, it } from 'vitest';
import { pluginFamilies } from '../../../src/observe/plugin-metrics.js';
import { renderExposition } from '../../../src/observe/exposition.js';
import { pluginStatus } from '../../../src/observe/status.js';
import { config, observedPlugin } from './observed-plugin.js';
import { readExposition } from './prometheus-text-reader.js';

const clock = { wallMs: 1_800_000_000_000, perfMs: 0 };
const facts = { version: '9.9.9', pid: 4242, startedAtMs: 1_800_000_000_000 };
const withEvents = () => config({}, { stats: { source: 'unix:/run/haproxy/exabgp-anycast.sock', events: 'exabgp-anycast' } });

describe("HAProxy's event stream in /metrics and /status", () => {
  it('are absent without stats.events', () => {
    const plugin = observedPlugin(config());
    plugin.observer.eventStream(undefined, false);
    const names = pluginFamilies(plugin.observation, clock).map((f) => f.name);
    expect(names).not.toContain('exabgp_anycast_events_connected');
    expect(names).not.toContain('exabgp_anycast_reaction_seconds');
    expect(pluginStatus(plugin.observation, clock, facts).events).toBeNull();
  });

  it('say whether the stream is established, and how long events took to become commands', () => {
    const plugin = observedPlugin(withEvents());
    plugin.observer.eventStream('exabgp-anycast', false);
    expect(pluginStatus(plugin.observation, clock, facts).events).toEqual({ ring: 'exabgp-anycast', connected: false });
    plugin.observer.eventStream('exabgp-anycast', true);
    plugin.observer.reacted(0.0012);
    plugin.observer.reacted(0.03);
    expect(pluginStatus(plugin.observation, clock, facts).events).toEqual({ ring: 'exabgp-anycast', connected: true });
    const families = readExposition(renderExposition(pluginFamilies(plugin.observation, clock)));
    expect(families.get('exabgp_anycast_events_connected')?.samples).toEqual([{ name: 'exabgp_anycast_events_connected', labels: { ring: 'exabgp-anycast' }, value: 1 }]);
    const reaction = families.get('exabgp_anycast_reaction_seconds')?.samples ?? [];
    const bucket = (le: string) => reaction.find((s) => s.name.endsWith('_bucket') && s.labels.le === le)?.value;
    expect([bucket('0.001'), bucket('0.0025'), bucket('0.05'), bucket('+Inf')]).toEqual([0, 1, 2, 2]);
  });
});
