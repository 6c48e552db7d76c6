import { asPathForRank } from './as-path-for-rank.js';
import type { Topology, TopologyNva, TopologyRegion } from './topology.js';

/** One NVA with everything that follows from where it sits in the topology. */
export interface NvaPlacement {
  nva: TopologyNva;
  region: TopologyRegion;
  /** 0 for the most preferred region. */
  rank: number;
  regionCount: number;
  asPath: number[];
}

/** Every NVA of every region, in topology order. */
export function placeNvas(topology: Topology): NvaPlacement[] {
  return topology.regions.flatMap((region, rank) =>
    region.nvas.map((nva) => ({
      nva,
      region,
      rank,
      regionCount: topology.regions.length,
      asPath: asPathForRank(topology.localAs, rank, topology.prependStep),
    })),
  );
}
