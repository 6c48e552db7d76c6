import { configWarnings } from '../config/config-warnings.js';
import { loadConfig } from '../config/load-config.js';
import { placeNvas } from './place-nvas.js';
import { renderPluginConfig } from './render-plugin-config.js';
import type { Topology } from './topology.js';

/**
 * What `validate` will warn about in the generated plugin configs (a public resolver's address,
 * routes near the platform's limit, slow rise or fall…), at the same JSON paths as in the
 * topology, each once. The configs differ only in asPath, so one NVA per region stands for it.
 */
export function topologyWarnings(topology: Topology): string[] {
  const placements = placeNvas(topology).filter((placement) => placement.nva === placement.region.nvas[0]);
  return [...new Set(placements.flatMap((placement) => configWarnings(loadConfig(renderPluginConfig(topology, placement), placement.nva.name))))];
}
