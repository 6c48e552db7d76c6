// Draws the demo's timeline: which region answered each client request, which were lost, which region the hub
// preferred, and the demo's actions, on one time axis. Plain SVG, no dependencies.

export interface Sample {
  /** Epoch ms the request started. */
  t: number;
  region?: string;
  err?: string;
  /** How long the answer took. */
  ms?: number;
}

export interface TimelineEvent {
  t: number;
  label: string;
}

export interface BestChange {
  t: number;
  /** Region whose path is best at the hub from t on; undefined = no route. */
  region?: string;
}

export interface TimelineInput {
  title: string;
  samples: Sample[];
  events: TimelineEvent[];
  best: BestChange[];
  regions: Array<{ name: string; label: string; color: string }>;
  start?: number;
  end?: number;
  /** With it, a lane for requests answered after more than this many ms. */
  slowMs?: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderTimeline(inp: TimelineInput): string {
  const W = 1100;
  const left = 165;
  const right = 20;
  const laneH = 34;
  const top = 62;
  const lanes = [
    ...inp.regions.map((r) => ({ key: r.name, label: `${r.label} answered`, color: r.color })),
    ...(inp.slowMs === undefined ? [] : [{ key: '__slow', label: `slow (> ${inp.slowMs} ms)`, color: '#9467bd' }]),
    { key: '__lost', label: 'lost', color: '#d62728' },
  ];
  const slowMs = inp.slowMs ?? Infinity;
  const hubY = top + lanes.length * laneH + 14;
  const axisY = hubY + laneH + 10;
  const eventsY = axisY + 34;
  const H = eventsY + 18 * Math.max(1, inp.events.length) + 16;
  const ts = [...inp.samples.map((s) => s.t), ...inp.events.map((e) => e.t), ...inp.best.map((b) => b.t)];
  const t0 = inp.start ?? Math.min(...ts);
  const t1 = Math.max(inp.end ?? Math.max(...ts), t0 + 1000);
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${left}" y="24" font-size="15" font-weight="bold">${esc(inp.title)}</text>`);
  const lost = inp.samples.filter((s) => !s.region).length;
  const slow = inp.samples.filter((s) => s.region !== undefined && (s.ms ?? 0) > slowMs).length;
  out.push(`<text x="${W - right}" y="24" text-anchor="end">${inp.samples.length} requests, ${inp.slowMs === undefined ? '' : `${slow} slow, `}${lost} lost</text>`);
  lanes.forEach((l, i) => {
    const y = top + i * laneH;
    out.push(`<rect x="${left}" y="${y}" width="${W - left - right}" height="${laneH - 6}" fill="#f4f4f4"/>`);
    out.push(`<text x="${left - 8}" y="${y + laneH / 2}" text-anchor="end">${esc(l.label)}</text>`);
    const pts = inp.samples.filter((s) =>
      l.key === '__lost' ? !s.region : l.key === '__slow' ? s.region !== undefined && (s.ms ?? 0) > slowMs : s.region === l.key,
    );
    for (const s of pts) out.push(`<rect x="${x(s.t).toFixed(1)}" y="${y + 2}" width="1.6" height="${laneH - 10}" fill="${l.color}"/>`);
  });
  // Hub best path band.
  out.push(`<text x="${left - 8}" y="${hubY + laneH / 2}" text-anchor="end">hub best path</text>`);
  const best = [...inp.best].sort((a, b) => a.t - b.t);
  best.forEach((b, i) => {
    const from = Math.max(b.t, t0);
    const to = i + 1 < best.length ? (best[i + 1] as BestChange).t : t1;
    if (to <= from) return;
    const reg = inp.regions.find((r) => r.name === b.region);
    const fill = reg ? reg.color : '#bbb';
    out.push(`<rect x="${x(from).toFixed(1)}" y="${hubY}" width="${Math.max(0.5, x(to) - x(from)).toFixed(1)}" height="${laneH - 6}" fill="${fill}" opacity="0.55"/>`);
    if (x(to) - x(from) > 70) out.push(`<text x="${(x(from) + 4).toFixed(1)}" y="${hubY + laneH / 2}">${esc(reg ? reg.label : 'no route')}</text>`);
  });
  // Axis.
  out.push(`<line x1="${left}" y1="${axisY}" x2="${W - right}" y2="${axisY}" stroke="#333"/>`);
  const span = (t1 - t0) / 1000;
  const step = span > 120 ? 20 : span > 60 ? 10 : span > 20 ? 5 : span > 8 ? 2 : 1;
  for (let s = 0; s <= span; s += step) {
    const xx = x(t0 + s * 1000);
    out.push(`<line x1="${xx.toFixed(1)}" y1="${axisY}" x2="${xx.toFixed(1)}" y2="${axisY + 5}" stroke="#333"/>`);
    out.push(`<text x="${xx.toFixed(1)}" y="${axisY + 18}" text-anchor="middle">${s}s</text>`);
  }
  // Events: a dashed line through the lanes and a numbered label below the axis.
  const events = [...inp.events].sort((a, b) => a.t - b.t);
  let lastX = -Infinity;
  let row = 0;
  events.forEach((e, i) => {
    const xx = x(e.t);
    row = xx - lastX < 16 ? row + 1 : 0; // stagger numbers of events that are close together
    lastX = xx;
    out.push(`<line x1="${xx.toFixed(1)}" y1="${top - 6 - row * 13}" x2="${xx.toFixed(1)}" y2="${axisY}" stroke="#444" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${xx.toFixed(1)}" y="${top - 9 - row * 13}" text-anchor="middle" font-weight="bold">${i + 1}</text>`);
    out.push(`<text x="${left}" y="${eventsY + i * 18}">${i + 1}. ${((e.t - t0) / 1000).toFixed(2)} s  ${esc(e.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
