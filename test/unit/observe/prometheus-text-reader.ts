/**
 * A strict reader of Prometheus's text format 0.0.4, written for the tests from the format's rules
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): it throws on the first line a
 * Prometheus server would refuse or misread, and on what the format asks of histograms.
 */
export interface Family {
  name: string;
  help: string;
  type: string;
  samples: ReadSample[];
}

export interface ReadSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const goFloat = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function readExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the body must end with a line feed');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  const family = (name: string): Family => {
    if (current?.name === name) return current;
    if (families.has(name)) throw new Error(`family ${name} is not contiguous`);
    current = { name, help: '', type: '', samples: [] };
    families.set(name, current);
    return current;
  };
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const at = `line ${index + 1} (${JSON.stringify(line)})`;
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (comment) {
        const [, keyword, name = '', rest = ''] = comment;
        if (!metricName.test(name)) throw new Error(`${at}: bad metric name`);
        const f = family(name);
        if (f.samples.length > 0) throw new Error(`${at}: ${keyword} after the family's samples`);
        if (keyword === 'HELP') {
          if (f.help) throw new Error(`${at}: second HELP`);
          if (/\\(?!n)/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${at}: HELP escapes only \\\\ and \\n`);
          f.help = rest;
        } else {
          if (f.type) throw new Error(`${at}: second TYPE`);
          if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`${at}: unknown type`);
          f.type = rest;
        }
        return;
      }
      if (line.startsWith('#') || line.trim() === '') throw new Error(`${at}: stray comment or blank line`);
      const sample = readSample(line, at);
      const base = current?.type === 'histogram' ? sample.name.replace(/_(bucket|sum|count)$/, '') : sample.name;
      if (current?.name !== base) throw new Error(`${at}: sample outside its family (${current?.name ?? 'none'})`);
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (series.has(key)) throw new Error(`${at}: the same series twice`);
      series.add(key);
      current.samples.push(sample);
    });
  for (const f of families.values()) {
    if (!f.help || !f.type) throw new Error(`family ${f.name} lacks HELP or TYPE`);
    if (f.type === 'counter' && f.samples.some((s) => !(s.value >= 0))) throw new Error(`counter ${f.name} has a negative or NaN value`);
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
}

function readSample(line: string, at: string): ReadSample {
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/.exec(line);
  if (!head) throw new Error(`${at}: bad sample name`);
  const name = head[1] ?? '';
  let i = name.length;
  const labels: Record<string, string> = {};
  if (head[2]) {
    i += 1;
    while (line[i] !== '}') {
      const label = /^([^=]*)="/.exec(line.slice(i));
      if (!label || !labelName.test(label[1] ?? '') || (label[1] ?? '').startsWith('__')) throw new Error(`${at}: bad label name`);
      const key = label[1] ?? '';
      if (key in labels) throw new Error(`${at}: label ${key} twice`);
      i += label[0].length;
      let value = '';
      for (;;) {
        const c = line[i];
        if (c === undefined) throw new Error(`${at}: unterminated label value`);
        i += 1;
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[i];
          i += 1;
          if (escaped === '\\' || escaped === '"') value += escaped;
          else if (escaped === 'n') value += '\n';
          else throw new Error(`${at}: bad escape \\${escaped ?? ''}`);
        } else value += c;
      }
      labels[key] = value;
      if (line[i] === ',') i += 1;
      else if (line[i] !== '}') throw new Error(`${at}: expected , or }`);
    }
    i += 1;
  }
  const rest = /^ (\S+)(?: (-?\d+))?$/.exec(line.slice(i));
  const text = rest?.[1] ?? '';
  if (!rest || !(goFloat.test(text) || /^[+-]?Inf$|^NaN$/.test(text))) throw new Error(`${at}: bad value`);
  return { name, labels, value: text.endsWith('Inf') ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text) };
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, ReadSample[]>();
  for (const s of f.samples) {
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const samples of groups.values()) {
    const buckets = samples.filter((s) => s.name === `${f.name}_bucket`);
    const sum = samples.filter((s) => s.name === `${f.name}_sum`);
    const count = samples.filter((s) => s.name === `${f.name}_count`);
    if (sum.length !== 1 || count.length !== 1) throw new Error(`histogram ${f.name} needs one _sum and one _count per series`);
    const bounds = buckets.map((b) => {
      if (b.labels.le === undefined) throw new Error(`histogram ${f.name}: bucket without le`);
      return b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
    });
    if (bounds.at(-1) !== Infinity) throw new Error(`histogram ${f.name}: the last bucket must be le="+Inf"`);
    bounds.forEach((bound, i) => {
      if (i > 0 && !(bound > (bounds[i - 1] ?? -Infinity))) throw new Error(`histogram ${f.name}: bounds not increasing`);
      if (i > 0 && (buckets[i]?.value ?? 0) < (buckets[i - 1]?.value ?? 0)) throw new Error(`histogram ${f.name}: buckets not cumulative`);
    });
    if (buckets.at(-1)?.value !== count[0]?.value) throw new Error(`histogram ${f.name}: le="+Inf" differs from _count`);
  }
}
