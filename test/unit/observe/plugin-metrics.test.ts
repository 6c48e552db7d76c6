import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newHistogram, observe, renderExposition, type MetricFamily } from '../../../src/observe/exposition.js';
import { pluginFamilies } from '../../../src/observe/plugin-metrics.js';
import { processFamilies, sampleProcess } from '../../../src/observe/process-metrics.js';
import { config, observedPlugin, stats } from './observed-plugin.js';
import { readExposition, type Family } from './prometheus-text-reader.js';

/** The clock as seen at perf time `perfMs`, with the wall clock at 1,800,000,000 s then. */
const clockAt = (perfMs: number) => ({ wallMs: 1_800_000_000_000, perfMs });

const scrape = (plugin: ReturnType<typeof observedPlugin>): Map<string, Family> =>
  readExposition(renderExposition(pluginFamilies(plugin.observation, clockAt(plugin.perf()))));

/** The value of the one sample of `name` whose labels include `labels`. */
function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name);
  const found = family?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if ((found?.length ?? 0) > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found?.length} samples`);
  return found?.[0]?.value;
}

const transitions = (families: Map<string, Family>) =>
  Object.fromEntries(['up', 'down', 'disabled', 'degraded'].map((to) => [to, value(families, 'exabgp_anycast_service_transitions_total', { service: 'www', to })]));

describe('the plugin metrics', () => {
  it('offers exactly the documented families, each with HELP and TYPE, in a body Prometheus accepts', async () => {
    const plugin = observedPlugin(config());
    plugin.poll(stats(2));
    plugin.observer.neighbor('127.0.0.2', 'up');
    const body = renderExposition([...pluginFamilies(plugin.observation, clockAt(plugin.perf())), ...processFamilies(await sampleProcess())]);
    const families = readExposition(body);
    expect(Object.fromEntries([...families.values()].map((f) => [f.name, f.type]))).toEqual({
      exabgp_anycast_service_healthy: 'gauge',
      exabgp_anycast_route_announced: 'gauge',
      exabgp_anycast_service_transitions_total: 'counter',
      exabgp_anycast_backend_servers_up: 'gauge',
      exabgp_anycast_backend_servers: 'gauge',
      exabgp_anycast_stats_poll_duration_seconds: 'histogram',
      exabgp_anycast_stats_poll_errors_total: 'counter',
      exabgp_anycast_last_successful_poll_timestamp_seconds: 'gauge',
      exabgp_anycast_bgp_neighbor_up: 'gauge',
      exabgp_anycast_exabgp_commands_total: 'counter',
      exabgp_anycast_config_reloads_total: 'counter',
      process_cpu_user_seconds_total: 'counter',
      process_cpu_system_seconds_total: 'counter',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      process_virtual_memory_bytes: 'gauge',
      process_heap_bytes: 'gauge',
      process_open_fds: 'gauge',
      process_max_fds: 'gauge',
      process_start_time_seconds: 'gauge',
    });
    expect(value(families, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
    expect(value(families, 'process_open_fds')).toBeGreaterThanOrEqual(3);
    expect(Math.abs((value(families, 'process_start_time_seconds') ?? 0) - (Date.now() / 1000 - process.uptime()))).toBeLessThan(2);
  });

  it('counts a route as announced only once ExaBGP answered done, and not after error', () => {
    const plugin = observedPlugin(config());
    plugin.poll(stats(2));
    expect(value(scrape(plugin), 'exabgp_anycast_service_healthy', { service: 'www' })).toBe(1);
    expect(value(scrape(plugin), 'exabgp_anycast_route_announced', { service: 'www', prefix: '198.18.0.10/32' })).toBe(0);
    plugin.answer(true);
    expect(value(scrape(plugin), 'exabgp_anycast_route_announced', { service: 'www', prefix: '198.18.0.10/32' })).toBe(1);
    expect(value(scrape(plugin), 'exabgp_anycast_exabgp_commands_total', { result: 'done' })).toBe(1);

    const rejected = observedPlugin(config());
    rejected.poll(stats(2));
    rejected.answer(false);
    expect(value(scrape(rejected), 'exabgp_anycast_route_announced', { prefix: '198.18.0.10/32' })).toBe(0);
    expect(value(scrape(rejected), 'exabgp_anycast_exabgp_commands_total', { result: 'error' })).toBe(1);
  });

  it('follows a service down after fall and up after rise, counting each change of state once', () => {
    const plugin = observedPlugin(config());
    plugin.poll(stats(2));
    plugin.answer(true);
    expect(transitions(scrape(plugin))).toEqual({ up: 1, down: 0, disabled: 0, degraded: 0 });
    plugin.poll(stats(0));
    expect(value(scrape(plugin), 'exabgp_anycast_service_healthy', { service: 'www' })).toBe(1); // falling: still up
    plugin.poll(stats(0));
    plugin.answer(true);
    let families = scrape(plugin);
    expect(value(families, 'exabgp_anycast_service_healthy', { service: 'www' })).toBe(0);
    expect(value(families, 'exabgp_anycast_route_announced', { prefix: '198.18.0.10/32' })).toBe(0);
    expect(value(families, 'exabgp_anycast_backend_servers_up', { service: 'www', backend: 'be_app' })).toBe(0);
    expect(value(families, 'exabgp_anycast_backend_servers', { service: 'www', backend: 'be_app' })).toBe(2);
    expect(transitions(families)).toEqual({ up: 1, down: 1, disabled: 0, degraded: 0 });
    plugin.poll(stats(1));
    plugin.poll(stats(1));
    plugin.poll(stats(1));
    families = scrape(plugin);
    expect(value(families, 'exabgp_anycast_backend_servers_up', { service: 'www', backend: 'be_app' })).toBe(1);
    expect(transitions(families)).toEqual({ up: 2, down: 1, disabled: 0, degraded: 0 });
  });

  it('calls a down service that still announces its degraded attributes "degraded", and "down" once withdrawAfterMs withdraws it', () => {
    const plugin = observedPlugin(config({ onDown: { asPath: [65010, 65010, 65010, 65010], withdrawAfterMs: 2500 } }, { fall: 1 }));
    plugin.poll(stats(2));
    plugin.poll(stats(0));
    expect(transitions(scrape(plugin))).toEqual({ up: 1, down: 0, disabled: 0, degraded: 1 });
    plugin.poll(stats(0));
    plugin.poll(stats(0));
    plugin.poll(stats(0));
    expect(transitions(scrape(plugin))).toEqual({ up: 1, down: 1, disabled: 0, degraded: 1 });
  });

  it('counts the maintenance file as a change to "disabled"', () => {
    const plugin = observedPlugin(config());
    plugin.poll(stats(2));
    plugin.poll(stats(2), true);
    plugin.poll(stats(2), true);
    expect(transitions(scrape(plugin))).toEqual({ up: 1, down: 0, disabled: 1, degraded: 0 });
  });

  it('counts failed polls by reason and keeps the wall time of the last good one', () => {
    const plugin = observedPlugin(config());
    expect(value(scrape(plugin), 'exabgp_anycast_last_successful_poll_timestamp_seconds')).toBe(0);
    plugin.poll(stats(2));
    const goodAt = plugin.perf();
    plugin.poll({ ok: false, error: 'stats source unix:/run/haproxy/admin.sock: connect ECONNREFUSED' });
    plugin.poll({ ok: false, error: 'stats source unix:/run/haproxy/admin.sock: no complete reply within 500 ms' });
    plugin.poll({ ok: false, error: 'stats source unix:/run/haproxy/admin.sock: connect ECONNREFUSED' });
    const families = scrape(plugin);
    expect(value(families, 'exabgp_anycast_stats_poll_errors_total', { reason: 'refused' })).toBe(2);
    expect(value(families, 'exabgp_anycast_stats_poll_errors_total', { reason: 'timeout' })).toBe(1);
    expect(value(families, 'exabgp_anycast_stats_poll_errors_total', { reason: 'parse' })).toBe(0);
    // Three intervals (3 s) before the scrape's wall time.
    expect(value(families, 'exabgp_anycast_last_successful_poll_timestamp_seconds')).toBe(1_800_000_000 - (plugin.perf() - goodAt) / 1000);
    expect(value(families, 'exabgp_anycast_stats_poll_duration_seconds_count')).toBe(4);
    expect(value(families, 'exabgp_anycast_stats_poll_duration_seconds_bucket', { le: '0.0025' })).toBe(0);
    expect(value(families, 'exabgp_anycast_stats_poll_duration_seconds_bucket', { le: '0.005' })).toBe(4);
  });

  it('shows each BGP neighbor as up only while ExaBGP says so, and counts reloads by result', () => {
    const plugin = observedPlugin(config());
    plugin.observer.neighbor('127.0.0.2', 'up');
    plugin.observer.neighbor('127.0.0.3', 'connected');
    plugin.observer.reloaded({ ok: true, services: ['www'] });
    plugin.observer.reloaded({ ok: false, error: 'test: invalid configuration' });
    plugin.observer.reloaded({ ok: false, error: 'test: invalid configuration' });
    let families = scrape(plugin);
    expect(value(families, 'exabgp_anycast_bgp_neighbor_up', { neighbor: '127.0.0.2' })).toBe(1);
    expect(value(families, 'exabgp_anycast_bgp_neighbor_up', { neighbor: '127.0.0.3' })).toBe(0);
    expect(value(families, 'exabgp_anycast_config_reloads_total', { result: 'success' })).toBe(1);
    expect(value(families, 'exabgp_anycast_config_reloads_total', { result: 'failure' })).toBe(2);
    plugin.observer.neighbor('127.0.0.2', 'down');
    families = scrape(plugin);
    expect(value(families, 'exabgp_anycast_bgp_neighbor_up', { neighbor: '127.0.0.2' })).toBe(0);
  });

  it('drops the series of a service that a reload removed', () => {
    const cfg = config();
    const plugin = observedPlugin(cfg);
    plugin.poll(stats(2));
    const renamed = config({ name: 'web' });
    plugin.observer.decided(renamed, { ...plugin.observation.state!, health: new Map() }, [], plugin.perf());
    const families = scrape(plugin);
    expect(families.get('exabgp_anycast_service_healthy')?.samples.map((s) => s.labels.service)).toEqual(['web']);
  });
});

describe('the exposition writer', () => {
  it('escapes backslash, double quote and line feed in label values, and backslash and line feed in HELP', () => {
    const awkward = 'a\\b"c\nd';
    const families: MetricFamily[] = [{ name: 'x_total', help: 'one \\ two\nthree', type: 'counter', samples: [{ labels: { v: awkward }, value: 1 }] }];
    const body = renderExposition(families);
    expect(body).toBe('# HELP x_total one \\\\ two\\nthree\n# TYPE x_total counter\nx_total{v="a\\\\b\\"c\\nd"} 1\n');
    expect(readExposition(body).get('x_total')?.samples[0]?.labels.v).toBe(awkward);
  });

  it('writes histograms Prometheus reads back: cumulative buckets ending in le="+Inf" equal to _count, and _sum', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { maxLength: 50 }), (values) => {
        const histogram = newHistogram([0.01, 0.1, 1, 10]);
        values.forEach((v) => observe(histogram, v));
        const family = readExposition(renderExposition([{ name: 'h_seconds', help: 'h', type: 'histogram', histograms: [{ labels: { a: 'b' }, histogram }] }])).get('h_seconds');
        const buckets = family?.samples.filter((s) => s.name === 'h_seconds_bucket') ?? [];
        expect(buckets.map((b) => b.labels.le)).toEqual(['0.01', '0.1', '1', '10', '+Inf']);
        expect(buckets.map((b) => b.value)).toEqual([0.01, 0.1, 1, 10, Infinity].map((bound) => values.filter((v) => v <= bound).length));
        const sum = family?.samples.find((s) => s.name === 'h_seconds_sum')?.value ?? NaN;
        expect(sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 9);
      }),
    );
  });

  it.each([
    ['a sample before its TYPE line is refused by the reader', '# HELP a x\na 1\n# TYPE a gauge\n'],
    ['an unknown escape in a label value is refused by the reader', '# HELP a x\n# TYPE a gauge\na{l="\\t"} 1\n'],
    ['non-cumulative buckets are refused by the reader', '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['a family split in two is refused by the reader', '# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na{x="y"} 2\n'],
  ])('%s (the reader itself can fail)', (_, body) => {
    expect(() => readExposition(body)).toThrow();
  });
});
