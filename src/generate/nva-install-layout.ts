import { generatedHeader } from './generated-header.js';
import type { NvaPlacement } from './place-nvas.js';
import { renderExabgpConf } from './render-exabgp-conf.js';
import { renderHaproxyCfg } from './render-haproxy-cfg.js';
import { renderPluginConfig } from './render-plugin-config.js';
import type { Topology } from './topology.js';

/** The Debian 12 packages an NVA runs on: Debian's own nodejs (18.20) runs the bundle. */
export const nvaPackages = ['haproxy', 'exabgp', 'nodejs'] as const;

/** The oneshot unit that puts the service addresses on lo before HAProxy binds them. */
export const loopbackUnit = 'exabgp-anycast-loopback.service';

/** In start order: the addresses, then HAProxy, then ExaBGP (which runs the plugin). */
export const nvaServices = [loopbackUnit, 'haproxy.service', 'exabgp.service'] as const;

/** On the PATH, for `exabgp-anycast validate` and the other commands an operator runs by hand. */
export const commandLink = '/usr/local/bin/exabgp-anycast';

/**
 * What a change to a file calls for on a running NVA: `units` a systemd daemon-reload, `loopback`
 * re-running the address unit, `haproxy` a reload, `exabgp` a restart, `plugin-config` a SIGHUP to
 * the plugin, `bundle` a SIGUSR2 (ExaBGP starts the new file).
 */
export type ChangeEffect = 'units' | 'loopback' | 'haproxy' | 'exabgp' | 'plugin-config' | 'bundle';

/** A generated file at its place on the NVA. */
export interface InstalledFile {
  /** Absolute path on the NVA. */
  path: string;
  mode: '0644' | '0755';
  content: string;
  effects: ChangeEffect[];
}

/**
 * Every generated file of one NVA at its place on a Debian 12 NVA, in install order. The bundle
 * itself is not here (it is not generated): it goes to `topology.pluginPath`, linked from
 * `commandLink`. cloud-init.yaml and install.sh both install exactly this list.
 */
export function nvaInstallLayout(topology: Topology, placement: NvaPlacement): InstalledFile[] {
  return [
    { path: '/etc/exabgp/exabgp.conf', mode: '0644', content: renderExabgpConf(topology, placement), effects: ['exabgp'] },
    { path: topology.pluginConfigPath, mode: '0644', content: renderPluginConfig(topology, placement), effects: ['plugin-config'] },
    { path: '/etc/haproxy/haproxy.cfg', mode: '0644', content: renderHaproxyCfg(topology, placement), effects: ['haproxy'] },
    { path: `/etc/systemd/system/${loopbackUnit}`, mode: '0644', content: renderLoopbackUnit(topology, placement), effects: ['units', 'loopback'] },
    {
      path: '/etc/systemd/system/exabgp.service.d/exabgp-anycast.conf',
      mode: '0644',
      content: renderExabgpDropIn(topology, placement),
      effects: ['units', 'exabgp'],
    },
  ];
}

/** `text` as one shell word: single-quoted unless it is plainly safe. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

// --- internal ---

/** The unit's own comments say why it never removes an address. */
function renderLoopbackUnit(topology: Topology, placement: NvaPlacement): string {
  const prefixes = topology.services.flatMap((service) => service.prefixes);
  return [
    generatedHeader(placement),
    '# Puts the anycast service addresses on lo, so that HAProxy can bind them. Stopping this unit',
    '# leaves them there: removing one under a running HAProxy would drop the traffic the hub still',
    '# sends to it. An address removed from the topology goes at the next boot.',
    '[Unit]',
    'Description=exabgp-anycast service addresses on lo',
    'After=network.target',
    'Before=haproxy.service exabgp.service',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    ...prefixes.map((prefix) => `ExecStart=/sbin/ip address replace ${prefix} dev lo`),
    '',
    '[Install]',
    'WantedBy=multi-user.target haproxy.service',
    '',
  ].join('\n');
}

/**
 * Debian's exabgp.service runs as user exabgp, whose group owns the plugin's stats socket
 * (haproxy.cfg), so no group membership changes.
 */
function renderExabgpDropIn(topology: Topology, placement: NvaPlacement): string {
  const service = [
    ...(topology.metrics
      ? [
          "# After Debian's own ExecReload (SIGUSR1: ExaBGP re-reads exabgp.conf), the plugin re-reads its",
          '# config; a rejected one makes `systemctl reload exabgp` fail, with everything still running.',
          `ExecReload=/usr/local/bin/exabgp-anycast reload --config ${topology.pluginConfigPath}`,
        ]
      : []),
  ];
  return [
    generatedHeader(placement),
    '# Added to Debian\'s exabgp.service: start after HAProxy, so the plugin\'s first poll finds its stats.',
    '[Unit]',
    'After=haproxy.service',
    'Wants=haproxy.service',
    ...(service.length > 0 ? ['', '[Service]', ...service] : []),
    '',
  ].join('\n');
}
