import { prefixCovers } from '../config/prefix.js';
import { asPathForRank } from './as-path-for-rank.js';
import type { Topology, TopologyRegion, TopologyService } from './topology.js';

/**
 * Where each vantage point sends a service's traffic, in normal operation and with each region
 * down, following Azure's documented route selection (MicrosoftDocs/azure-docs:
 * articles/virtual-wan/about-virtual-hub-routing-preference.md, articles/route-server/route-server-faq.md):
 *
 * 1. the longest prefix wins (every region announces the same prefixes, so this only matters
 *    between services whose prefixes overlap);
 * 2. a Virtual WAN hub then applies its routing preference: `ExpressRoute` and `VpnGateway` prefer
 *    the route from their own region's NVAs over any remote hub's; `ASPath` compares AS path
 *    lengths first. A remote hub's route arrives with `65520 65520` in front of its path.
 * 3. Route Server and the ExpressRoute edge prefer the shortest AS path, equal ones side by side
 *    (ECMP). The edge sees each region's route with the hub's 65515 in front.
 *
 * `generic` peers are one BGP peer that sees every region and prefers the shortest AS path.
 */
export function planRoutes(topology: Topology): Plan {
  const vantages = vantagePoints(topology);
  const services = topology.services.map((service) => ({
    name: service.name,
    prefixes: service.prefixes,
    situations: [undefined, ...topology.regions].map((down) => planSituation(topology, service, vantages, down)),
  }));
  return {
    platform: topology.platform,
    ...(topology.platform === 'azure-vwan' && { hubRoutingPreference: topology.hubRoutingPreference }),
    regions: topology.regions.map((region) => region.name),
    vantagePoints: vantages.map((vantage) => vantage.name),
    services,
    warnings: [...intentWarnings(topology), ...overlapWarnings(topology), ...services.flatMap(differenceWarning)],
  };
}

export interface Plan {
  platform: Topology['platform'];
  /** Only for azure-vwan, where it applies. */
  hubRoutingPreference?: Topology['hubRoutingPreference'];
  /** Most preferred first. */
  regions: string[];
  vantagePoints: string[];
  services: ServicePlan[];
  /** Where the topology's order of regions cannot hold, and why. */
  warnings: string[];
}

export interface ServicePlan {
  name: string;
  prefixes: string[];
  /** "normal" first, then one per region down, in the topology's order. */
  situations: Situation[];
}

export interface Situation {
  /** "normal", or "northeurope down". */
  name: string;
  /** The region that is down: it withdraws, or announces its onDown degrade. */
  down?: string;
  choices: Choice[];
}

export interface Choice {
  vantage: string;
  /** The regions the vantage point sends traffic to: one, several on a tie, none when no route is left. */
  regions: string[];
  /** What the topology's order of regions asks for: the first region that is up (else the first degraded). */
  intended: string[];
  /** regions differs from intended. */
  differs: boolean;
}

// --- internal ---

/** A route to the service as one vantage point sees it. */
interface Candidate {
  region: string;
  asPathLength: number;
  /** Learned from the vantage point's own region (a hub's own NVAs). */
  local: boolean;
}

interface Vantage {
  name: string;
  /** What it learns, from the routes each region announces (by region name: AS path length). */
  candidates: (announced: Map<string, number>) => Candidate[];
  /** Whether it prefers its own region's route before comparing AS paths. */
  prefersLocal: boolean;
}

/** The two ASNs a Virtual WAN hub puts in front of a remote hub's route. */
const remoteHubPrepend = 2;

function vantagePoints(topology: Topology): Vantage[] {
  const all = (extra: number) => (announced: Map<string, number>) =>
    [...announced].map(([region, length]) => ({ region, asPathLength: length + extra, local: false }));
  const expressRouteEdge: Vantage = { name: 'ExpressRoute edge', candidates: all(1), prefersLocal: false };
  switch (topology.platform) {
    case 'generic':
      return [{ name: 'BGP peers', candidates: all(0), prefersLocal: false }];
    case 'azure-route-server':
      return [
        ...topology.regions.map((region) => ({
          name: `Route Server ${region.azure?.routeServerName ?? region.name}`,
          // Route Server learns only from the NVAs that peer with it: its own region's.
          candidates: (announced: Map<string, number>) => {
            const length = announced.get(region.name);
            return length === undefined ? [] : [{ region: region.name, asPathLength: length, local: true }];
          },
          prefersLocal: false,
        })),
        expressRouteEdge,
      ];
    case 'azure-vwan':
      return [
        ...topology.regions.map((region) => ({
          name: `hub ${region.azure?.hubName ?? region.name}`,
          candidates: (announced: Map<string, number>) =>
            [...announced].map(([name, length]) =>
              name === region.name
                ? { region: name, asPathLength: length, local: true }
                : { region: name, asPathLength: length + remoteHubPrepend, local: false },
            ),
          prefersLocal: topology.hubRoutingPreference !== 'ASPath',
        })),
        expressRouteEdge,
      ];
  }
}

function planSituation(topology: Topology, service: TopologyService, vantages: Vantage[], down: TopologyRegion | undefined): Situation {
  const degraded = degradedAsPathLength(service);
  const announced = new Map<string, number>();
  topology.regions.forEach((region, rank) => {
    const normal = asPathForRank(topology.localAs, rank, topology.prependStep).length;
    if (region !== down) announced.set(region.name, normal);
    else if (degraded !== undefined) announced.set(region.name, degraded ?? normal);
  });
  const up = topology.regions.find((region) => region !== down);
  const intended = up !== undefined ? [up.name] : down !== undefined && announced.has(down.name) ? [down.name] : [];
  return {
    name: down === undefined ? 'normal' : `${down.name} down`,
    ...(down !== undefined && { down: down.name }),
    choices: vantages.map((vantage) => {
      const regions = choose(vantage.candidates(announced), vantage.prefersLocal);
      return { vantage: vantage.name, regions, intended, differs: regions.join(' ') !== intended.join(' ') };
    }),
  };
}

/**
 * The AS path length a region announces while the service is down there: undefined when it
 * withdraws; the degrade's own path, or (a degrade of other attributes only) the normal one, as null.
 */
function degradedAsPathLength(service: TopologyService): number | null | undefined {
  const onDown = service['onDown'];
  if (typeof onDown !== 'object' || onDown === null) return undefined;
  const asPath = (onDown as { asPath?: unknown }).asPath;
  return Array.isArray(asPath) ? asPath.length : null;
}

/** The preferred candidates: its own region's first if the vantage point says so, then the shortest AS paths. */
function choose(candidates: Candidate[], prefersLocal: boolean): string[] {
  const local = candidates.filter((candidate) => candidate.local);
  const pool = prefersLocal && local.length > 0 ? local : candidates;
  const shortest = Math.min(...pool.map((candidate) => candidate.asPathLength));
  return pool.filter((candidate) => candidate.asPathLength === shortest).map((candidate) => candidate.region);
}

/** Why the topology's order of regions cannot hold on its platform, before any table is read. */
function intentWarnings({ platform, hubRoutingPreference, prependStep, regions, localAs }: Topology): string[] {
  if (regions.length < 2) return [];
  const [first, second] = regions as [TopologyRegion, TopologyRegion];
  if (platform === 'azure-route-server') {
    return [
      'each Route Server learns routes only from the NVAs that peer with it, its own region’s, so every region’s virtual networks ' +
        'prefer their own NVAs while these announce; only the ExpressRoute edge, which sees every region, follows the order of regions',
    ];
  }
  if (platform !== 'azure-vwan') return [];
  if (hubRoutingPreference !== 'ASPath') {
    return [
      `hubRoutingPreference "${hubRoutingPreference}": every hub prefers its own region’s route over a remote hub’s, whatever the AS path, ` +
        `so the clients of the hub of ${regions.slice(1).map((region) => region.name).join(', ')} never reach ${first.name} while their own region is up; ` +
        'set the hubs’ routing preference to ASPath (az network vhub update --hub-routing-preference ASPath) and hubRoutingPreference "ASPath" here',
    ];
  }
  if (prependStep <= remoteHubPrepend) {
    const own = asPathForRank(localAs, 1, prependStep).length;
    const remote = asPathForRank(localAs, 0, prependStep).length + remoteHubPrepend;
    return [
      `prependStep ${prependStep} does not outweigh the 65520 65520 in front of a remote hub’s route: the hub of ${second.name} sees its own ` +
        `route with an AS path of ${own} against ${first.name}’s ${remote}, so it ${own < remote ? 'prefers its own region' : 'has a tie'}; ` +
        `set prependStep to ${remoteHubPrepend + 1} or more`,
    ];
  }
  return [];
}

/** Longest prefix first: an address in two services' prefixes follows the longer one, whatever the AS paths. */
function overlapWarnings({ services }: Topology): string[] {
  return services.flatMap((outer) =>
    services.flatMap((inner) =>
      outer === inner
        ? []
        : inner.prefixes.flatMap((innerPrefix) =>
            outer.prefixes
              .filter((outerPrefix) => outerPrefix !== innerPrefix && prefixCovers(outerPrefix, innerPrefix))
              .map(
                (outerPrefix) =>
                  `service ${inner.name}’s ${innerPrefix} lies inside service ${outer.name}’s ${outerPrefix}: the longer prefix wins ` +
                    `everywhere, so ${inner.name}’s health alone decides where ${innerPrefix} goes; plan shows each service on its own`,
              ),
          ),
    ),
  );
}

function differenceWarning(service: ServicePlan): string[] {
  const choices = service.situations.flatMap((situation) => situation.choices);
  const differing = choices.filter((choice) => choice.differs).length;
  return differing === 0
    ? []
    : [`${service.name}: ${differing} of ${choices.length} choices differ from the order of regions (marked * in the table)`];
}
