import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exabgpCommand, exabgpVersions, type ExabgpVersion } from '../../lab/daemons/exabgp.js';
import { readTopologyText, repoRoot, seedWith, topologyFiles } from '../unit/generate/topologies.js';

const cli = join(repoRoot, 'dist/exabgp-anycast.js');
const refreshCommand =
  'npm run build && node dist/exabgp-anycast.js generate --topology examples/topology.json --out exabgp';

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to the end and reports how it exited, whatever the exit code. */
function exitOf(file: string, args: string[], env: Record<string, string> = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: repoRoot, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') reject(error);
      else resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

function generate(...args: string[]): Promise<Exit> {
  return exitOf(process.execPath, [cli, 'generate', ...args]);
}

/** ExaBGP's offline check of a config (4.2's `--test`, 5.0's `validate`), as root would run it. */
function exabgpCheck(version: ExabgpVersion, config: string): Promise<Exit> {
  const { command, args, env } = exabgpCommand(version, 'validate', config);
  return exitOf(command, args, { ...env, 'exabgp.daemon.user': 'root', exabgp_api_cli: 'false' });
}

/** Every file under `dir`, relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

async function isExecutable(path: string): Promise<boolean> {
  return ((await stat(path)).mode & 0o111) !== 0;
}

beforeAll(async () => {
  const build = await exitOf('npm', ['run', 'build']);
  expect(build.code, `npm run build failed:\n${build.stdout}${build.stderr}`).toBe(0);
});

describe.each(exabgpVersions)('exabgp.conf from generate, checked by ExaBGP %s', (version) => {
  let out: string;
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'generate-test-'));
  });
  afterEach(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it.each(topologyFiles)('is accepted for every NVA of %s', async (file) => {
    expect((await generate('--topology', file, '--out', out)).code).toBe(0);
    const configs = (await filesUnder(out)).filter((path) => path.endsWith('/exabgp.conf'));
    expect(configs.length).toBeGreaterThan(0);
    const checks = await Promise.all(configs.map((config) => exabgpCheck(version, join(out, config))));
    configs.forEach((config, i) => {
      const check = checks[i];
      expect(check?.code, `ExaBGP ${version} rejects ${config}:\n${check?.stdout}${check?.stderr}`).toBe(0);
    });
  });

  it('fails when the plugin cannot be run, so the check is real', async () => {
    const topology = join(out, 'topology.json');
    await writeFile(topology, seedWith(['/nodePath', '/nonexistent/bin/node']));
    expect((await generate('--topology', topology, '--out', out)).code).toBe(0);
    const check = await exabgpCheck(version, join(out, 'nva-ne-1', 'exabgp.conf'));
    expect(check.code).toBe(1);
    expect(`${check.stdout}${check.stderr}`).toContain('/nonexistent/bin/node');
  });
});

describe('exabgp-anycast generate, run from the bundle', () => {
  let out: string;
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'generate-test-'));
  });
  afterEach(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it.each(topologyFiles)('writes every NVA of %s, and HAProxy 2.6 and sh accept the files', async (file) => {
    const result = await generate('--topology', file, '--out', out);
    // The seed's 9.9.9.9 is Quad9's resolver: kept on purpose, and warned about.
    const expectedWarnings = file === 'examples/topology.json' ? [expect.stringMatching(/^warning: \/services\/0\/prefixes\/0: 9\.9\.9\.9\/32 holds 9\.9\.9\.9, Quad9's public DNS resolver/)] : [];
    expect(result.stderr.split('\n').filter(Boolean)).toEqual(expectedWarnings);
    expect(result.code).toBe(0);
    const files = await filesUnder(out);
    expect(result.stdout.trim().split('\n').map((line) => relative(out, line)).sort()).toEqual(files);
    const nvas = [...new Set(files.map((path) => path.split('/')[0]))];
    // azure.sh only where the peers are Azure's.
    const azure = (JSON.parse(readTopologyText(file)) as { platform?: string }).platform !== 'generic';
    const names = [...(azure ? ['azure.sh'] : []), 'cloud-init.yaml', 'exabgp-anycast.json', 'exabgp.conf', 'haproxy.cfg', 'install.sh', 'setup-loopback.sh'];
    expect(files).toEqual(nvas.flatMap((nva) => names.map((name) => `${nva}/${name}`)));
    for (const nva of nvas) {
      const dir = join(out, nva ?? '');
      const haproxy = await exitOf('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')]);
      expect(haproxy.code, `haproxy -c ${nva}/haproxy.cfg:\n${haproxy.stdout}${haproxy.stderr}`).toBe(0);
      const sh = await exitOf('sh', ['-n', join(dir, 'setup-loopback.sh')]);
      expect(sh.code, `sh -n ${nva}/setup-loopback.sh:\n${sh.stderr}`).toBe(0);
      expect(await isExecutable(join(dir, 'setup-loopback.sh'))).toBe(true);
      expect(await isExecutable(join(dir, 'exabgp.conf'))).toBe(false);
    }
  });

  it('keeps the committed exabgp/ byte for byte what examples/topology.json generates', async () => {
    const outdated = `exabgp/ is out of date with examples/topology.json; refresh it with: ${refreshCommand}`;
    expect((await generate('--topology', 'examples/topology.json', '--out', out)).code).toBe(0);
    const committed = join(repoRoot, 'exabgp');
    const files = await filesUnder(out);
    expect(await filesUnder(committed), outdated).toEqual(files);
    for (const path of files) {
      const [want, have] = await Promise.all([readFile(join(out, path)), readFile(join(committed, path))]);
      expect(have.equals(want), `${outdated} (exabgp/${path} differs)`).toBe(true);
      expect(await isExecutable(join(committed, path)), `${outdated} (exabgp/${path} has the wrong mode)`).toBe(
        await isExecutable(join(out, path)),
      );
    }
  });

  it('exits 1 on an invalid topology, naming each JSON path and bad value, and writes nothing', async () => {
    const topology = join(out, 'topology.json');
    await writeFile(topology, seedWith(['/regions/1/nvas/0/peers/1', '10.15.96'], ['/localAs', 0]));
    const result = await generate('--topology', topology, '--out', join(out, 'generated'));
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      [
        `exabgp-anycast: ${topology}: invalid topology:`,
        '  - /localAs: must be >= 1 (got 0); expected the ASN every NVA speaks BGP as, an integer 1-4294967295 (65010 in the seed)',
        '  - /regions/1/nvas/0/peers/1: must match format "ip" (got "10.15.96"); expected an IPv4 or IPv6 address, e.g. "10.16.96.4"',
        '',
      ].join('\n'),
    );
    expect(await filesUnder(out)).toEqual(['topology.json']);
  });

  it('exits 1 on a prefix with host bits set, suggesting the network address', async () => {
    const topology = join(out, 'topology.json');
    await writeFile(topology, seedWith(['/services/0/prefixes/0', '9.9.9.9/24']));
    const result = await generate('--topology', topology, '--out', join(out, 'generated'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/services/0/prefixes/0: "9.9.9.9/24" has host bits set; use the network address (e.g. 9.9.9.0/24)');
  });

  it('exits 1 when the topology file cannot be read', async () => {
    const result = await generate('--topology', join(out, 'missing.json'), '--out', out);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`exabgp-anycast: cannot read topology ${join(out, 'missing.json')}: ENOENT`);
  });

  it('exits 1 when --out is missing', async () => {
    const result = await generate('--topology', 'examples/topology.json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("required option '--out <dir>' not specified");
  });

  it('shows both options and an example in --help', async () => {
    const result = await generate('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--topology <file>');
    expect(result.stdout).toContain('--out <dir>');
    expect(result.stdout).toContain('$ exabgp-anycast generate --topology examples/topology.json --out exabgp');
  });
});
