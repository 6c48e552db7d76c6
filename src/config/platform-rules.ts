import { asnProblem, isAzure, peerName, publicAddressWarning, routeCountCheck } from './platform.js';
import { canonicalAddress } from './prefix.js';
import type { Config, RouteAttributes } from './types.js';

/**
 * What the config's platform refuses: reserved or (on Azure) 32-bit ASNs in any AS path, and more
 * routes to one peer than the platform allows. The next hop is not checked here: the config does
 * not know the NVA's own peering address.
 */
export function platformProblems(config: Config): string[] {
  const problems = config.services.flatMap((service, i) => {
    const at = `/services/${i}`;
    return [...asPathProblems(service, `${at}/asPath`, config), ...(service.onDown === 'withdraw' ? [] : asPathProblems(service.onDown, `${at}/onDown/asPath`, config))];
  });
  const { problem } = routeCount(config);
  return problem === undefined ? problems : [...problems, problem];
}

/**
 * Valid, but risky on the platform: near the route limit; a service sent to one peer where Azure
 * has two instances (a warning, not a problem: the config cannot see which peers exabgp.conf has);
 * a prefix that takes over a public resolver.
 */
export function platformWarnings(config: Config): string[] {
  const { warning } = routeCount(config);
  const services = config.services.flatMap((service, i) => [
    ...(isAzure(config.platform) && service.neighbors.length === 1
      ? [
          `/services/${i}/neighbors: names one peer ("${service.neighbors[0]}"), but ${peerName(config.platform)} runs two instances and each ` +
            'NVA must send both the same routes; list both router addresses, or leave neighbors out to send to every neighbor in exabgp.conf',
        ]
      : []),
    ...service.prefixes.flatMap((prefix, j) => publicAddressWarning(prefix, `/services/${i}/prefixes/${j}`) ?? []),
  ]);
  return [...(warning === undefined ? [] : [warning]), ...services];
}

// --- internal ---

/** One problem per distinct bad ASN, at its first place in the path. */
function asPathProblems(attributes: RouteAttributes, at: string, { platform }: Config): string[] {
  const path = attributes.asPath ?? [];
  return path.flatMap((asn, j) => {
    const problem = path.indexOf(asn) === j ? asnProblem(asn, platform) : undefined;
    return problem === undefined ? [] : [`${at}/${j}: ${problem}`];
  });
}

/** The most prefixes the config can announce to one peer: those sent to every neighbor plus the most any one named neighbor gets. */
function routeCount(config: Config): { problem?: string; warning?: string } {
  let toEveryPeer = 0;
  const toNamedPeer = new Map<string, number>();
  for (const service of config.services) {
    if (service.neighbors.length === 0) toEveryPeer += service.prefixes.length;
    for (const neighbor of new Set(service.neighbors.map((n) => canonicalAddress(n) ?? n))) {
      toNamedPeer.set(neighbor, (toNamedPeer.get(neighbor) ?? 0) + service.prefixes.length);
    }
  }
  const [busiest, named] = [...toNamedPeer].reduce<[string | undefined, number]>((most, entry) => (entry[1] > most[1] ? entry : most), [undefined, 0]);
  return routeCountCheck(toEveryPeer + named, config.platform, '/services', busiest === undefined ? 'each peer' : `peer ${busiest}`);
}
