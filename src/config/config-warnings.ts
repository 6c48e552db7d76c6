import { platformWarnings } from './platform-rules.js';
import type { Config, RouteAttributes } from './types.js';

/** Settings that are valid but probably not what the operator wants. Pure; each names its JSON path. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const { intervalMs, rise, fall, stats } = config;
  if (rise * intervalMs > 120_000) {
    warnings.push(`/rise: rise × intervalMs = ${rise * intervalMs} ms before a healthy service is announced; lower rise or intervalMs`);
  }
  if (fall * intervalMs > 60_000) {
    warnings.push(`/fall: fall × intervalMs = ${fall * intervalMs} ms of sending traffic to a dead service before it is withdrawn; lower fall or intervalMs`);
  }
  if (stats.timeoutMs >= intervalMs) {
    warnings.push(`/stats/timeoutMs: ${stats.timeoutMs} ms is not below intervalMs (${intervalMs} ms); a hanging stats source would stretch every poll`);
  }
  config.services.forEach((service, i) => {
    const at = `/services/${i}`;
    warnings.push(...prependWarnings(service, `${at}/asPath`));
    if (service.onDown !== 'withdraw') {
      warnings.push(...prependWarnings(service.onDown, `${at}/onDown/asPath`));
      const normal = service.asPath?.length ?? 1;
      const degraded = service.onDown.asPath?.length ?? normal;
      if (degraded <= normal && service.onDown.med === undefined) {
        warnings.push(`${at}/onDown: the degraded route is not less preferred than the normal one (as-path ${degraded} ≤ ${normal} ASNs, no med); set a longer onDown.asPath`);
      }
    }
  });
  return [...warnings, ...platformWarnings(config)];
}

function prependWarnings(attributes: RouteAttributes, at: string): string[] {
  const distinct = new Set(attributes.asPath ?? []);
  return distinct.size > 1
    ? [`${at}: [ ${attributes.asPath?.join(' ')} ] mixes ASNs; a prepend normally repeats your own ASN (e.g. [ 65010 65010 65010 ])`]
    : [];
}
