import { generatedHeader } from './generated-header.js';
import { commandLink, nvaInstallLayout, nvaPackages, nvaServices, shellWord, type InstalledFile } from './nva-install-layout.js';
import type { NvaPlacement } from './place-nvas.js';
import type { Topology } from './topology.js';

/**
 * cloud-init.yaml of one NVA, to paste as Azure custom data on a fresh Debian 12 VM: the packages,
 * every generated file in its place, the bundle (downloaded and checked against its SHA-256, as it
 * does not fit in custom data), the command on the PATH, and the services enabled and started.
 */
export function renderCloudInit(topology: Topology, placement: NvaPlacement): string {
  const source = topology.bundle;
  const bundle = shellWord(topology.pluginPath);
  const script = [
    'set -eu',
    ...(source === undefined
      ? [
          '# TODO: set bundle_url to where this VM can download dist/exabgp-anycast.js, and bundle_sha256',
          '# to what `sha256sum dist/exabgp-anycast.js` prints (or set "bundle" in the topology and generate',
          '# again). Until then this script stops here, and no service starts.',
          "bundle_url='TODO'",
          "bundle_sha256='TODO'",
          'case "$bundle_url $bundle_sha256" in *TODO*)',
          "  echo 'exabgp-anycast: set bundle_url and bundle_sha256 in cloud-init.yaml (marked TODO)' >&2; exit 1 ;;",
          'esac',
        ]
      : [`bundle_url=${shellWord(source.url)}`, `bundle_sha256=${shellWord(source.sha256)}`]),
    'download=$(mktemp)',
    'curl -fsS --retry 5 -o "$download" "$bundle_url"',
    'if ! echo "$bundle_sha256  $download" | sha256sum --check --status; then',
    '  echo "exabgp-anycast: $bundle_url is not the bundle of sha256 $bundle_sha256" >&2; exit 1',
    'fi',
    `install -D -m 0755 "$download" ${bundle}`,
    'rm -f "$download"',
    `ln -sfn ${bundle} ${commandLink}`,
    'systemctl daemon-reload',
    `systemctl enable ${nvaServices.join(' ')}`,
    `systemctl restart ${nvaServices.join(' ')}`,
  ];
  return [
    '#cloud-config',
    generatedHeader(placement),
    `# Azure custom data for a fresh Debian 12 VM that becomes NVA ${placement.nva.name}. Custom data holds`,
    '# at most 64 KiB, so the bundle is downloaded (runcmd) and checked against its SHA-256; everything',
    '# else is here. install.sh installs the same on an existing VM.',
    'package_update: true',
    'packages:',
    ...[...nvaPackages, 'curl'].map((name) => `  - ${name}`),
    '# Written after the packages are installed (defer), so dpkg meets no changed conffile.',
    'write_files:',
    ...nvaInstallLayout(topology, placement).map(writeFile),
    'runcmd:',
    '  - |',
    ...script.map((line) => `    ${line}`),
    '',
  ].join('\n');
}

// --- internal ---

function writeFile(file: InstalledFile): string {
  return [
    `  - path: ${file.path}`,
    '    owner: root:root',
    `    permissions: '${file.mode}'`,
    '    defer: true',
    '    content: |',
    ...file.content.replace(/\n$/, '').split('\n').map((line) => (line === '' ? '' : `      ${line}`)),
  ].join('\n');
}
