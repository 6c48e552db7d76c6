import type { Config } from '../config/types.js';
import { desiredRoutes, withdrawLines } from '../exabgp/desired-routes.js';
import type { StatsSnapshot } from '../haproxy/parse-stats-csv.js';
import { evaluateService, type BackendCount } from '../health/evaluate-service.js';

export interface ServiceReport {
  name: string;
  state: 'up' | 'down' | 'disabled';
  reason: string;
  backends: BackendCount[];
  /** The lines `run` writes once this verdict has settled (after rise or fall). */
  commands: string[];
}

/**
 * The verdict for each service from one snapshot, as a freshly started `run` would reach it:
 * thresholds to come up (recoverMinUp…) apply, since a new process starts withdrawn.
 */
export function assessServices(config: Config, snapshot: StatsSnapshot, disabled: boolean): ServiceReport[] {
  return config.services.map((service) => {
    const health = evaluateService(service, snapshot, false);
    const state = disabled ? 'disabled' : health.healthy ? 'up' : 'down';
    const routes = desiredRoutes(service, state === 'up' ? 'announced' : 'degraded');
    const commands = routes.size > 0 ? [...routes.values()] : withdrawLines(service);
    const reason = disabled ? `maintenance file ${config.disableFile} exists` : health.reason;
    return { name: service.name, state, reason, backends: health.backends, commands };
  });
}
