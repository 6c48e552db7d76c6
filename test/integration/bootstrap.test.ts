// The bootstrap files `generate` writes for each NVA, checked by the tools that will read them:
// cloud-init's schema, shellcheck, install.sh run for real (in a network namespace, under a root
// prefix, so it touches nothing of the host), and azure.sh against a stand-in `az`.
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerCleanup } from '../../lab/daemons/index.js';
import { destroyNamespaces, destroyNamespacesSync, labId } from '../../lab/netns.js';
import { generateFiles } from '../../src/generate/generate-files.js';
import { parseTopology } from '../../src/generate/parse-topology.js';
import type { AzureRegionResources, Topology } from '../../src/generate/topology.js';
import { describeWithNamespaces } from '../support/namespace-lab.js';
import { readTopologyText, repoRoot, seedWith, topologyFiles, type Change } from '../unit/generate/topologies.js';

const builtBundle = join(repoRoot, 'dist', 'exabgp-anycast.js');
const goldenDir = join(repoRoot, 'test', 'fixtures', 'generate', 'golden');

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program to the end and reports how it exited, whatever the exit code. */
function exitOf(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') reject(error);
      else resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/** Writes what generate writes for `topology` under `out`; returns the NVA names. */
async function generateInto(topology: Topology, out: string): Promise<string[]> {
  const files = generateFiles(topology);
  for (const file of files) {
    const path = join(out, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { mode: file.executable ? 0o755 : 0o644 });
  }
  return [...new Set(files.map((file) => file.path.split('/')[0] ?? ''))];
}

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'bootstrap-test-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('cloud-init.yaml, install.sh and azure.sh of every topology', () => {
  it.each([...topologyFiles, 'examples/topology.json with platform azure-route-server'])('pass cloud-init schema and shellcheck: %s', async (name) => {
    const topology = name.startsWith('examples/topology.json with')
      ? parseTopology(seedWith(['/platform', 'azure-route-server']), name)
      : parseTopology(readTopologyText(name), name);
    await generateInto(topology, out);
    for (const file of generateFiles(topology).map((generated) => join(out, generated.path))) {
      if (file.endsWith('/cloud-init.yaml')) {
        const schema = await exitOf('cloud-init', ['schema', '--config-file', file]);
        expect(schema.code, `cloud-init schema ${file}:\n${schema.stdout}${schema.stderr}`).toBe(0);
      } else if (file.endsWith('.sh')) {
        const shellcheck = await exitOf('shellcheck', ['--shell=sh', file]);
        expect(shellcheck.code, `shellcheck ${file}:\n${shellcheck.stdout}${shellcheck.stderr}`).toBe(0);
      }
    }
  });
});

describeWithNamespaces('install.sh, run in a network namespace under a root prefix', () => {
  let ns: string;
  let removeCleanup: () => void;

  beforeAll(async () => {
    ns = labId('boot');
    removeCleanup = registerCleanup({
      label: `namespace ${ns}`,
      close: () => destroyNamespaces([ns]),
      closeSync: () => destroyNamespacesSync([ns]),
    });
    const add = await exitOf('ip', ['netns', 'add', ns]);
    expect(add.code, add.stderr).toBe(0);
  });

  afterAll(async () => {
    await destroyNamespaces([ns]);
    removeCleanup?.();
  });

  /** The seed's NVA nva-ne-1, with the lab's service address (never a public one, even on a namespace's lo). */
  async function installScript(): Promise<string> {
    await generateInto(parseTopology(seedWith(['/services/0/prefixes', ['198.18.0.100/32']]), 'topology.json'), join(out, 'generated'));
    return join(out, 'generated', 'nva-ne-1', 'install.sh');
  }

  /** A copy of the bundle, so that a rebuild of dist/ during the test changes nothing. */
  let bundle: string;
  beforeEach(async () => {
    bundle = join(out, 'exabgp-anycast.js');
    await copyFile(builtBundle, bundle);
  });

  function install(script: string, root: string): Promise<Exit> {
    return exitOf('ip', ['netns', 'exec', ns, 'sh', script, '--root', root, '--bundle', bundle]);
  }

  it('installs every file with its mode, says so and that it left the services alone; a second run prints nothing', async () => {
    const script = await installScript();
    const root = join(out, 'root');
    await mkdir(root);
    const first = await install(script, root);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const installed: Array<[string, number]> = [
      ['/usr/local/lib/exabgp-anycast/exabgp-anycast.js', 0o755],
      ['/etc/exabgp/exabgp.conf', 0o644],
      ['/etc/exabgp-anycast/exabgp-anycast.json', 0o644],
      ['/etc/haproxy/haproxy.cfg', 0o644],
      ['/etc/systemd/system/exabgp-anycast-loopback.service', 0o644],
      ['/etc/systemd/system/exabgp.service.d/exabgp-anycast.conf', 0o644],
    ];
    expect(first.stdout.split('\n')).toEqual([
      'install.sh: wrote /usr/local/lib/exabgp-anycast/exabgp-anycast.js',
      'install.sh: linked /usr/local/bin/exabgp-anycast to /usr/local/lib/exabgp-anycast/exabgp-anycast.js',
      ...installed.slice(1).map(([path]) => `install.sh: wrote ${path}`),
      expect.stringMatching(/^install\.sh: left the services alone \(--root or --files-only\); to apply the changes: systemctl daemon-reload/),
      '',
    ]);
    for (const [path, mode] of installed) {
      expect((await stat(join(root, path))).mode & 0o7777, path).toBe(mode);
    }
    expect(await readFile(join(root, '/usr/local/lib/exabgp-anycast/exabgp-anycast.js'))).toEqual(await readFile(bundle));
    expect(await readlink(join(root, '/usr/local/bin/exabgp-anycast'))).toBe('/usr/local/lib/exabgp-anycast/exabgp-anycast.js');
    expect(await readFile(join(root, '/etc/exabgp/exabgp.conf'), 'utf8')).toBe(
      await readFile(join(out, 'generated', 'nva-ne-1', 'exabgp.conf'), 'utf8'),
    );

    expect(await install(script, root)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('puts back a changed file and a changed mode, naming each', async () => {
    const script = await installScript();
    const root = join(out, 'root');
    await mkdir(root);
    expect((await install(script, root)).code).toBe(0);
    await writeFile(join(root, '/etc/exabgp/exabgp.conf'), 'edited by hand\n');
    await chmod(join(root, '/etc/haproxy/haproxy.cfg'), 0o600);
    const again = await install(script, root);
    expect(again.stdout.split('\n').slice(0, 2)).toEqual([
      'install.sh: updated /etc/exabgp/exabgp.conf',
      'install.sh: set the mode of /etc/haproxy/haproxy.cfg to 0644',
    ]);
    expect((await stat(join(root, '/etc/haproxy/haproxy.cfg'))).mode & 0o7777).toBe(0o644);
  });

  it('installs an address unit whose commands put the service address on the namespace’s lo', async () => {
    const root = join(out, 'root');
    await mkdir(root);
    expect((await install(await installScript(), root)).code).toBe(0);
    const unit = await readFile(join(root, '/etc/systemd/system/exabgp-anycast-loopback.service'), 'utf8');
    const commands = [...unit.matchAll(/^ExecStart=(.*)$/gm)].map(([, command]) => (command ?? '').split(' '));
    expect(commands).toEqual([['/sbin/ip', 'address', 'replace', '198.18.0.100/32', 'dev', 'lo']]);
    for (const [command = '', ...args] of commands) {
      for (let run = 0; run < 2; run++) {
        const result = await exitOf('ip', ['netns', 'exec', ns, command, ...args]);
        expect(result.code, result.stderr).toBe(0);
      }
    }
    expect((await exitOf('ip', ['-n', ns, '-4', 'address', 'show', 'dev', 'lo'])).stdout).toContain('inet 198.18.0.100/32 scope global lo');
  });
});

describe('azure.sh against a stand-in az', () => {
  const azure: Record<string, AzureRegionResources> = {
    'azure-vwan': {
      resourceGroup: 'rg-anycast',
      hubName: 'hub-ne',
      vnetConnectionId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-anycast/providers/Microsoft.Network/virtualHubs/hub-ne/hubVirtualNetworkConnections/nva-vnet',
    },
    'azure-route-server': { resourceGroup: 'rg-anycast', routeServerName: 'rs-ne' },
  };

  /** azure.sh of nva-ne-1 on `platform`, its peers set by `peers`; and a PATH whose az records its arguments. */
  async function setup(platform: string, ...changes: Change[]) {
    const topology = parseTopology(
      seedWith(['/platform', platform], ['/regions/0/azure', azure[platform]], ['/regions/0/nvas/0/peers', ['198.18.0.4', '198.18.0.5']], ...changes),
      'topology.json',
    );
    await generateInto(topology, join(out, 'generated'));
    const bin = join(out, 'bin');
    await mkdir(bin);
    // Answers the `show` queries as a hub with router instances 198.18.0.4 and .5 would.
    await writeFile(
      join(bin, 'az'),
      [
        '#!/bin/sh',
        'printf \'%s\\n\' "az $*" >>"$AZ_LOG"',
        'case "$*" in',
        "  'network vhub show '* | 'network routeserver show '*) printf '198.18.0.5\\n198.18.0.4\\n' ;;",
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const log = join(out, 'az.log');
    const run = async (...args: string[]) => {
      await writeFile(log, '');
      const result = await exitOf('sh', [join(out, 'generated', 'nva-ne-1', 'azure.sh'), ...args], {
        env: { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}`, AZ_LOG: log },
      });
      return { ...result, az: await readFile(log, 'utf8') };
    };
    return run;
  }

  /** What a run looked like: the command line, its output and exit, and every az call. */
  function transcript(args: string[], { code, stdout, stderr, az }: Exit & { az: string }): string {
    return [`$ sh azure.sh${args.map((arg) => ` ${arg}`).join('')}`, stdout + stderr, `exit ${code}`, 'az was called with:', az].join('\n');
  }

  it.each(['azure-vwan', 'azure-route-server'])('on %s, reads the router addresses, prints the peering and creates it only with --apply', async (platform) => {
    const run = await setup(platform);
    const text: string[] = [];
    for (const args of [[], ['--apply']]) text.push(transcript(args, await run(...args)));
    const golden = join(goldenDir, `azure-sh-${platform}.txt`);
    const actual = text.join('\n');
    if (process.env['UPDATE_GOLDEN'] === '1') await writeFile(golden, actual);
    expect(actual, `differs from ${golden}; if the change is intended, run again with UPDATE_GOLDEN=1`).toBe(await readFile(golden, 'utf8'));
  });

  it('stops without creating anything when the router addresses are not the NVA’s peers', async () => {
    const run = await setup('azure-vwan', ['/regions/0/nvas/0/peers', ['198.18.0.4', '198.18.0.6']]);
    const result = await run('--apply');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('azure.sh: the router addresses of hub-ne are 198.18.0.4 198.18.0.5, but exabgp.conf peers with 198.18.0.4 198.18.0.6;');
    expect(result.az).toBe('az network vhub show --resource-group rg-anycast --name hub-ne --query virtualRouterIps --output tsv\n');
  });
});
