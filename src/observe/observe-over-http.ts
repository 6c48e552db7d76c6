import { version } from '../../package.json';
import type { PluginControls, PluginObserver } from '../engine/poll-loop.js';
import type { Logger } from '../log/logger.js';
import { renderExposition } from './exposition.js';
import { serveEndpoints } from './http-endpoints.js';
import type { ListenAddress } from '../config/listen-address.js';
import { newObservation, recordInto } from './observation.js';
import { pluginFamilies, type Clock } from './plugin-metrics.js';
import { processFamilies, sampleProcess } from './process-metrics.js';
import { pluginStatus } from './status.js';

/**
 * The metrics, status and reload endpoints for runPlugin's `observe` option. `run` imports this
 * module dynamically, and only when metrics.listen is set: without it none of this code runs.
 */
export function observeOverHttp(listen: ListenAddress, log: Logger): (controls: PluginControls) => PluginObserver {
  return (controls) => {
    const observation = newObservation();
    const clock = (): Clock => ({ wallMs: Date.now(), perfMs: performance.now() });
    const facts = { version, pid: process.pid, startedAtMs: Date.now() - process.uptime() * 1000 };
    serveEndpoints(listen, log, {
      async metrics() {
        const own = pluginFamilies(observation, clock());
        return renderExposition([...own, ...processFamilies(await sampleProcess())]);
      },
      status: () => pluginStatus(observation, clock(), facts),
      reload: () => controls.reload(),
    });
    return recordInto(observation);
  };
}
