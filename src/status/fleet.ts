import { formatTable } from '../cli/format-table.js';
import type { PluginStatus, RouteStatus } from '../observe/plugin-status.js';
import { statusExitCode, type StatusExitCode } from './format-status.js';

/** One NVA of the topology and what its /status answered, or why it did not. */
export interface NvaAnswer {
  region: string;
  nva: string;
  address: string;
  answer: { ok: true; status: PluginStatus } | { ok: false; reason: string };
}

/** Which regions the hub should prefer for one prefix: those with the shortest AS path announced. */
export interface Preference {
  prefix: string;
  /** Empty when no NVA announces the prefix. */
  best: Array<{ region: string; nva: string }>;
  /** The AS path length the hub sees for the best routes. */
  pathLength: number;
}

/**
 * The length of the AS path the hub receives. ExaBGP sends a given as-path verbatim and, over
 * eBGP, [local-as] when none is given (exabgp-api.md), so an empty one counts as one hop.
 */
export function hubPathLength(route: RouteStatus): number {
  return Math.max(1, route.asPath.length);
}

/**
 * For each prefix of `service`, the NVAs whose routes ExaBGP acknowledged with the shortest AS
 * path: what the hub's best-path choice comes down to when every region shares one ASN.
 */
export function preferences(service: string, prefixes: string[], answers: NvaAnswer[]): Preference[] {
  return prefixes.map((prefix) => {
    const announced = answers.flatMap(({ region, nva, answer }) => {
      const route = answer.ok ? answer.status.services.find((s) => s.name === service)?.routes.find((r) => r.prefix === prefix) : undefined;
      return route?.state === 'announced' ? [{ region, nva, length: hubPathLength(route) }] : [];
    });
    const pathLength = Math.min(...announced.map((a) => a.length));
    return { prefix, best: announced.filter((a) => a.length === pathLength).map(({ region, nva }) => ({ region, nva })), pathLength };
  });
}

/** "northeurope (nva-ne, AS path length 1)", "ECMP between northeurope and westeurope (…)". */
export function describePreference({ prefix, best, pathLength }: Preference): string {
  if (best.length === 0) return `${prefix}: no NVA announces it; the hub has no route from this fleet`;
  const regions = [...new Set(best.map((b) => b.region))];
  const length = `AS path length ${pathLength}`;
  if (regions.length > 1) return `${prefix}: ECMP between ${regions.join(' and ')} (${best.map((b) => b.nva).join(', ')}; ${length})`;
  const ecmp = best.length > 1 ? `ECMP across ${best.map((b) => b.nva).join(', ')}` : (best[0] as { nva: string }).nva;
  return `${prefix}: ${regions[0]} (${ecmp}; ${length})`;
}

/**
 * What `status --topology` prints: per service, every NVA in region order with what it announces,
 * then which region the hub should prefer. `services` are the topology's (name, prefixes); a
 * service an NVA reports beyond them is shown too, as a drifted config would be. Pure.
 */
export function formatFleet(services: Array<{ name: string; prefixes: string[] }>, answers: NvaAnswer[]): string {
  const known = new Set(services.map((s) => s.name));
  const extra = answers.flatMap(({ answer }) =>
    answer.ok ? answer.status.services.filter((s) => !known.has(s.name)).map((s) => ({ name: s.name, prefixes: s.routes.map((r) => r.prefix) })) : [],
  );
  const all = [...services, ...extra.filter((s, i) => extra.findIndex((e) => e.name === s.name) === i)];
  return all
    .map(({ name, prefixes }) => {
      const rows = answers.flatMap((a) => nvaRows(name, a));
      const table = formatTable(['REGION', 'NVA', 'ADDRESS', 'VERDICT', 'PREFIX', 'ANNOUNCES'], rows);
      const preferred = preferences(name, prefixes, answers).map((p) => `  hub should prefer ${describePreference(p)}\n`);
      return `service ${name}\n${table}${preferred.join('')}`;
    })
    .join('\n');
}

/** 2 when no NVA answered, else 0 only when every NVA answered with everything announced. */
export function fleetExitCode(answers: NvaAnswer[]): StatusExitCode {
  if (!answers.some((a) => a.answer.ok)) return 2;
  return answers.every((a) => a.answer.ok && statusExitCode(a.answer.status) === 0) ? 0 : 1;
}

// --- internal ---

function nvaRows(service: string, { region, nva, address, answer }: NvaAnswer): string[][] {
  if (!answer.ok) return [[region, nva, address, '', '', `unreachable: ${answer.reason}`]];
  const found = answer.status.services.find((s) => s.name === service);
  if (found === undefined) return [[region, nva, address, '', '', 'not in this NVA\'s config']];
  return found.routes.map((route, i) => [
    i === 0 ? region : '',
    i === 0 ? nva : '',
    i === 0 ? address : '',
    i === 0 ? found.verdict : '',
    route.prefix,
    announces(route),
  ]);
}

function announces(route: RouteStatus): string {
  const path = route.asPath.length > 0 ? `as-path [ ${route.asPath.join(' ')} ]` : 'as-path [ local AS ]';
  switch (route.state) {
    case 'announced':
      return path;
    case 'pending':
      return `${path}, no answer from ExaBGP yet`;
    case 'rejected':
      return `${path}, rejected by ExaBGP`;
    case 'withdrawn':
      return 'withdrawn';
  }
}
