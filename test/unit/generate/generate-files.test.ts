import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { generateFiles } from '../../../src/generate/generate-files.js';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { readTopologyText, topologyFiles } from './topologies.js';

function filesOf(file: string) {
  return generateFiles(parseTopology(readTopologyText(file), file));
}

/** What each topology must produce: its NVAs in order and the as-path length of each. */
const expectations = [
  { file: 'examples/topology.json', asPathLengths: { 'nva-ne-1': 1, 'nva-we-1': 3 } },
  { file: 'test/fixtures/generate/three-regions.json', asPathLengths: { 'nva-ne-1': 1, 'nva-we-1': 3, 'nva-uks-1': 5 } },
  {
    file: 'test/fixtures/generate/two-nvas-per-region.json',
    asPathLengths: { 'nva-ne-1': 1, 'nva-ne-2': 1, 'nva-we-1': 2, 'nva-we-2': 2 },
  },
  { file: 'test/fixtures/generate/ipv6.json', asPathLengths: { 'nva-ne-v6': 1, 'nva-we-v4': 3 } },
];

describe('generateFiles', () => {
  it('is tested with every topology file', () => {
    expect(expectations.map((e) => e.file)).toEqual([...topologyFiles]);
  });

  it.each(expectations)('writes the files of each NVA of $file, NVA by NVA', ({ file, asPathLengths }) => {
    // azure.sh only where the peers are Azure's.
    const azure = parseTopology(readTopologyText(file), file).platform !== 'generic';
    const names = ['exabgp.conf', 'exabgp-anycast.json', 'haproxy.cfg', 'setup-loopback.sh', 'cloud-init.yaml', 'install.sh', ...(azure ? ['azure.sh'] : [])];
    expect(filesOf(file).map((f) => f.path)).toEqual(
      Object.keys(asPathLengths).flatMap((nva) => names.map((name) => `${nva}/${name}`)),
    );
  });

  it.each(expectations)('gives each NVA of $file a plugin config that loadConfig accepts, with its region’s as-path', ({ file, asPathLengths }) => {
    const topology = parseTopology(readTopologyText(file), file);
    for (const generated of generateFiles(topology).filter((f) => f.path.endsWith('/exabgp-anycast.json'))) {
      const config = loadConfig(generated.content, generated.path);
      const nva = generated.path.split('/')[0] ?? '';
      const length = asPathLengths[nva as keyof typeof asPathLengths];
      expect(config.services.map((s) => s.name)).toEqual(topology.services.map((s) => s.name));
      for (const service of config.services) {
        expect(service.nextHop).toBe('self');
        expect(service.asPath).toEqual(Array(length).fill(topology.localAs));
      }
    }
  });

  it.each(expectations)('makes only the shell scripts of $file executable', ({ file }) => {
    for (const generated of filesOf(file)) {
      expect(generated.executable).toBe(generated.path.endsWith('.sh'));
    }
  });

  it.each(expectations)('leaves the announcing of $file to the plugin: no exabgp.conf has a static route', ({ file }) => {
    for (const generated of filesOf(file).filter((f) => f.path.endsWith('/exabgp.conf'))) {
      expect(generated.content).not.toMatch(/^\s*(static\b|route\s)/m);
    }
  });

  it('gives every NVA of one region the same files apart from its own addresses', () => {
    const files = filesOf('test/fixtures/generate/two-nvas-per-region.json');
    const content = (path: string) => files.find((f) => f.path === path)?.content ?? '';
    expect(content('nva-we-2/exabgp-anycast.json')).toBe(content('nva-we-1/exabgp-anycast.json'));
    expect(content('nva-we-2/exabgp.conf')).toBe(
      content('nva-we-1/exabgp.conf').replaceAll('172.16.136.70', '172.16.136.71').replaceAll('nva-we-1', 'nva-we-2'),
    );
  });
});
