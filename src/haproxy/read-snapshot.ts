import { parseStatsCsv, type StatsSnapshot } from './parse-stats-csv.js';
import type { StatsSource } from './stats-source.js';

/** One read of a stats source, parsed. Throws PluginError (ERR_STATS_FETCH / ERR_STATS_PARSE) saying why. */
export async function readSnapshot(source: StatsSource): Promise<StatsSnapshot> {
  return parseStatsCsv(await source.fetch(), source.description);
}
