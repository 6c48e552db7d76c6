import { placeNvas } from './place-nvas.js';
import { renderAzureSh } from './render-azure-sh.js';
import { renderCloudInit } from './render-cloud-init.js';
import { renderExabgpConf } from './render-exabgp-conf.js';
import { renderHaproxyCfg } from './render-haproxy-cfg.js';
import { renderInstallSh } from './render-install-sh.js';
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
    const azureSh = renderAzureSh(topology, placement);
    return [
      file('exabgp.conf', renderExabgpConf(topology, placement)),
      file('exabgp-anycast.json', renderPluginConfig(topology, placement)),
      file('haproxy.cfg', renderHaproxyCfg(topology, placement)),
      file('setup-loopback.sh', renderSetupLoopback(topology, placement), true),
      file('cloud-init.yaml', renderCloudInit(topology, placement)),
      file('install.sh', renderInstallSh(topology, placement), true),
      ...(azureSh === undefined ? [] : [file('azure.sh', azureSh, true)]),
    ];
  });
}
