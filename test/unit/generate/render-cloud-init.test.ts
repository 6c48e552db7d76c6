import { describe, expect, it } from 'vitest';
import { nvaInstallLayout } from '../../../src/generate/nva-install-layout.js';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { renderCloudInit } from '../../../src/generate/render-cloud-init.js';
import { seedWith, type Change } from './topologies.js';

const sha256 = 'a'.repeat(64);

function setup(bundle?: { url: string; sha256: string }) {
  const topology = parseTopology(seedWith(...(bundle === undefined ? [] : [['/bundle', bundle] as Change])), 'topology.json');
  const placement = placeNvas(topology)[0];
  if (placement === undefined) throw new Error('no NVA');
  return { yaml: renderCloudInit(topology, placement), layout: nvaInstallLayout(topology, placement) };
}

/** The runcmd script, unindented. */
function runcmd(yaml: string): string {
  const block = yaml.slice(yaml.indexOf('runcmd:\n  - |\n') + 'runcmd:\n  - |\n'.length);
  return block.replace(/^ {4}/gm, '');
}

describe('renderCloudInit', () => {
  it('is cloud-config that installs Debian’s haproxy, exabgp and nodejs', () => {
    const { yaml } = setup();
    expect(yaml.split('\n')[0]).toBe('#cloud-config');
    expect(yaml).toContain('packages:\n  - haproxy\n  - exabgp\n  - nodejs\n  - curl\n');
  });

  it('writes every generated file of the NVA at its path and mode, after the packages', () => {
    const { yaml, layout } = setup();
    for (const file of layout) {
      const indented = file.content.replace(/\n$/, '').split('\n').map((line) => (line === '' ? '' : `      ${line}`)).join('\n');
      expect(yaml).toContain(`  - path: ${file.path}\n    owner: root:root\n    permissions: '${file.mode}'\n    defer: true\n    content: |\n${indented}\n`);
    }
  });

  it('downloads the bundle from the topology’s URL, installs it only when its SHA-256 matches, and starts the services', () => {
    const script = runcmd(setup({ url: 'https://example.com/exabgp-anycast.js', sha256 }).yaml);
    expect(script).not.toContain('TODO');
    expect(script).toContain(`bundle_url=https://example.com/exabgp-anycast.js\nbundle_sha256=${sha256}\n`);
    const order = ['sha256sum --check', 'install -D -m 0755 "$download" /usr/local/lib/exabgp-anycast/exabgp-anycast.js', 'ln -sfn', 'systemctl enable', 'systemctl restart'];
    const positions = order.map((text) => script.indexOf(text));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(script).toContain('systemctl enable exabgp-anycast-loopback.service haproxy.service exabgp.service\n');
  });

  it('stops before any service starts while the bundle’s URL is a TODO placeholder', () => {
    const script = runcmd(setup().yaml);
    expect(script).toContain("bundle_url='TODO'\nbundle_sha256='TODO'\n");
    expect(script.indexOf('exit 1')).toBeLessThan(script.indexOf('curl'));
  });
});
