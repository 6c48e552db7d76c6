/**
 * Prometheus text exposition format 0.0.4, written by hand: the whole of what we need is a few
 * dozen lines, where prom-client would add its registry and default collectors to the bundle.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export const expositionContentType = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels?: Labels;
  value: number;
}

export type MetricFamily =
  | { name: string; help: string; type: 'gauge' | 'counter'; samples: Sample[] }
  | { name: string; help: string; type: 'histogram'; histograms: { labels?: Labels; histogram: Histogram }[] };

/** Counts observations at or below each bound; the +Inf bucket is `count`. */
export interface Histogram {
  readonly bounds: readonly number[];
  /** Cumulative: counts[i] is the number of observations ≤ bounds[i]. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export function newHistogram(bounds: readonly number[]): Histogram {
  return { bounds, counts: bounds.map(() => 0), sum: 0, count: 0 };
}

export function observe(histogram: Histogram, value: number): void {
  histogram.bounds.forEach((bound, i) => {
    if (value <= bound) histogram.counts[i] = (histogram.counts[i] ?? 0) + 1;
  });
  histogram.sum += value;
  histogram.count += 1;
}

/** The families as one text body: each with its HELP and TYPE, then its samples. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type !== 'histogram') {
      for (const sample of family.samples) lines.push(sampleLine(family.name, sample.labels, sample.value));
      continue;
    }
    for (const { labels = {}, histogram } of family.histograms) {
      histogram.bounds.forEach((bound, i) => lines.push(sampleLine(`${family.name}_bucket`, { ...labels, le: formatValue(bound) }, histogram.counts[i] ?? 0)));
      lines.push(sampleLine(`${family.name}_bucket`, { ...labels, le: '+Inf' }, histogram.count));
      lines.push(sampleLine(`${family.name}_sum`, labels, histogram.sum));
      lines.push(sampleLine(`${family.name}_count`, labels, histogram.count));
    }
  }
  return `${lines.join('\n')}\n`;
}

function sampleLine(name: string, labels: Labels | undefined, value: number): string {
  const pairs = Object.entries(labels ?? {}).map(([key, text]) => `${key}="${escapeLabelValue(text)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`;
}

/** Go's ParseFloat reads JavaScript's number text, and these three words. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
