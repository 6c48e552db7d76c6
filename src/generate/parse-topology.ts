import { loadConfig } from '../config/load-config.js';
import { canonicalPrefix } from '../config/prefix.js';
import { PluginError, errorMessage } from '../errors.js';
import { describeSchemaError } from './describe-schema-error.js';
import { findTopologyProblems } from './find-topology-problems.js';
import { placeNvas } from './place-nvas.js';
import { renderPluginConfig } from './render-plugin-config.js';
import { validateTopologySchema } from './topology-validator.js';
import type { Topology } from './topology.js';

/**
 * Parses and validates a topology file's text and fills in defaults, in three rounds: the JSON
 * Schema (topology.schema.json), checks across objects, then loadConfig on the plugin config each
 * NVA will get (which checks every setting passed on to the plugin, at the same JSON path as in the
 * topology). `origin` (the file name) starts every message; each problem names its JSON path.
 */
export function parseTopology(text: string, origin: string): Topology {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PluginError('ERR_TOPOLOGY_INVALID', `${origin}: not valid JSON: ${errorMessage(error)}`, { origin });
  }
  if (!validateTopologySchema(data)) {
    throw invalidTopology(origin, (validateTopologySchema.errors ?? []).flatMap((error) => describeSchemaError(error) ?? []));
  }
  const problems = findTopologyProblems(data);
  if (problems.length > 0) throw invalidTopology(origin, problems);
  checkPluginConfigs(data, origin);
  // Every generated file (haproxy.cfg binds, the loopback script, the plugin config) writes one text per prefix.
  for (const service of data.services) service.prefixes = service.prefixes.map(canonicalPrefix);
  return data;
}

// --- internal ---

function invalidTopology(origin: string, problems: string[]): PluginError {
  const list = [...new Set(problems)].map((problem) => `  - ${problem}`).join('\n');
  return new PluginError('ERR_TOPOLOGY_INVALID', `${origin}: invalid topology:\n${list}`, { origin });
}

/** The plugin configs differ only in asPath, so the first NVA of each region stands for its region. */
function checkPluginConfigs(topology: Topology, origin: string): void {
  for (const placement of placeNvas(topology).filter((p) => p.nva === p.region.nvas[0])) {
    const configOrigin = `${origin} (as the plugin config of NVA ${placement.nva.name}, region ${placement.region.name})`;
    try {
      loadConfig(renderPluginConfig(topology, placement), configOrigin);
    } catch (error) {
      if (!(error instanceof PluginError)) throw error;
      throw new PluginError('ERR_TOPOLOGY_INVALID', error.message, { origin }, { cause: error });
    }
  }
}
