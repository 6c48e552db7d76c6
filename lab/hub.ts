// The hub route server: BIRD 2 in the hub namespace, AS 65515, standing in for the VWAN hub / ExpressRoute edge.
// It peers with each NVA over their link, keeps every path, and installs its best one in the hub's kernel table,
// so the client's packets really go to the winning region. The BIRD itself is lab/daemons' startBird.
import { startBird, type Bird, type BirdProtocolState, type BirdRoute, type BirdRouteEvent, type Lab as DaemonLab } from './daemons/index.js';
import { HUB_AS, NVA_AS, SERVICE_PREFIX, type Topology } from './netns.js';

export function protocolName(tag: string): string {
  return `nva_${tag}`;
}

export class Hub {
  private constructor(
    readonly topo: Topology,
    readonly bird: Bird,
  ) {}

  static async start(scope: DaemonLab, topo: Topology): Promise<Hub> {
    const bird = await startBird(scope, {
      name: 'hub-bird',
      netns: topo.hubNs,
      routerId: topo.regions[0]?.hubAddr ?? '198.18.1.1',
      localAs: HUB_AS,
      neighbors: topo.regions.map((r) => ({
        name: protocolName(r.tag),
        description: `${r.region} NVA`,
        address: r.nvaAddr,
        sourceAddress: r.hubAddr,
        as: NVA_AS,
      })),
      traceRoutes: true,
    });
    return new Hub(topo, bird);
  }

  /** Every path the hub holds for the service prefix, the best one marked. */
  routes(prefix = SERVICE_PREFIX): Promise<BirdRoute[]> {
    return this.bird.showRoutes(prefix);
  }

  /** The BGP session with each region's NVA, by protocol name (nva_ne, …). */
  async sessions(): Promise<Record<string, BirdProtocolState>> {
    const states = await Promise.all(this.topo.regions.map((r) => this.bird.protocolState(protocolName(r.tag))));
    return Object.fromEntries(states.map((s) => [s.name, s]));
  }

  restartSession(tag: string): Promise<void> {
    return this.bird.restartProtocol(protocolName(tag));
  }

  /** Route changes as BIRD itself logged them (ms timestamps): the hub's own record, free of polling lag. */
  routeEvents(prefix = SERVICE_PREFIX): BirdRouteEvent[] {
    return this.bird.routeEvents(prefix);
  }
}

/** The hub's table the way the seed prints the ExpressRoute table: prefix, next hop (* = best), weight, AS path. */
export function formatHubTable(routes: readonly BirdRoute[], t?: Topology): string {
  const lines = ['Network            NextHop          LocPrf  Weight  Path                Region'];
  if (!routes.length) lines.push('(no route for the service address)');
  const sorted = [...routes].sort((a, b) => Number(b.best) - Number(a.best) || a.asPath.length - b.asPath.length);
  for (const r of sorted) {
    const region = t?.regions.find((x) => x.nvaAddr === r.nextHop)?.region ?? '';
    lines.push(
      `${r.prefix.padEnd(19)}${((r.nextHop ?? '?') + (r.best ? '*' : '')).padEnd(17)}${'100'.padEnd(8)}${'0'.padEnd(8)}${r.asPath.join(' ').padEnd(20)}${region}`,
    );
  }
  return lines.join('\n');
}
