import { placeNvas } from './place-nvas.js';
import { renderExabgpConf } from './render-exabgp-conf.js';
import { renderHaproxyCfg } from './render-haproxy-cfg.js';
import { renderPluginConfig } from './render-plugin-config.js';
import { renderSetupLoopback } from './render-setup-loopback.js';
import type { Topology } from './topology.js';

export interface GeneratedFile {
  /** Relative to the output directory, with "/" separators: "nva-ne-1/exabgp.conf". */
  path: string;
  content: string;
  executable: boolean;
}

/** Every file of every NVA, from one validated topology, so the regions cannot disagree. */
export function generateFiles(topology: Topology): GeneratedFile[] {
  return placeNvas(topology).flatMap((placement) => {
    const file = (name: string, content: string, executable = false): GeneratedFile => ({
      path: `${placement.nva.name}/${name}`,
      content,
      executable,
    });
    return [
      file('exabgp.conf', renderExabgpConf(topology, placement)),
      file('exabgp-anycast.json', renderPluginConfig(topology, placement.asPath)),
      file('haproxy.cfg', renderHaproxyCfg(topology, placement)),
      file('setup-loopback.sh', renderSetupLoopback(topology, placement), true),
    ];
  });
}
