// The operator commands of the bundle under Debian 12's own node (PLUGIN_NODE, set by the
// `debian-node` vitest project): what `apt install nodejs` gives an NVA on Debian 12.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePath, pluginNode } from '../support/plugin-process.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const fixture = (name: string) => new URL(`../fixtures/haproxy/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'debian-node-'));
let stats: Server;
let statsUrl: string;

beforeAll(async () => {
  const csv = readFileSync(fixture('2.6-http.csv'), 'utf8');
  stats = createServer((_request, response) => response.end(csv));
  await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));
  statsUrl = `http://127.0.0.1:${(stats.address() as AddressInfo).port}/stats;csv`;
});
afterAll(() => {
  stats.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function run(node: string, args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    execFile(node, args, { cwd: repoRoot, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') reject(error);
      else resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

const cli = (...args: string[]) => run(pluginNode, [bundlePath, ...args]);

function configFile(): string {
  const path = join(dir, 'config.json');
  writeFileSync(
    path,
    JSON.stringify({
      stats: { source: statsUrl, timeoutMs: 500 },
      intervalMs: 1000,
      services: [{ name: 'www', prefixes: ['198.18.0.10/32'], asPath: [65010, 65010], health: { backends: ['be_app'] } }],
    }),
  );
  return path;
}

/** Every file under `root`, relative to it, sorted. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe("the bundle under Debian 12's node", () => {
  it('is run by node 18.20, not by the node running the tests', async () => {
    const { code, stdout } = await run(pluginNode, ['-p', 'process.version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^v18\.20\.\d+$/);
  });

  it('prints the package version with --version', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(await cli('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('validates a config against the live HTTP stats page (got loaded on demand)', async () => {
    const config = configFile();
    expect(await cli('validate', '--config', config, '--connect')).toEqual({
      code: 0,
      stdout: `${config}: valid, 1 service(s), every backend and frontend found in the stats source\n`,
      stderr: '',
    });
  });

  it('dry-runs from the HTTP stats page and prints the verdict as JSON', async () => {
    const { code, stdout } = await cli('dry-run', '--config', configFile(), '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).services[0]).toMatchObject({ name: 'www', state: 'up', reason: 'be_app: 3/3 servers up, need ≥ 1' });
  });

  it('generates the same files as under the node running the tests', async () => {
    const out = (node: string) => join(dir, `generated-${node === pluginNode ? 'debian' : 'host'}`);
    for (const node of [pluginNode, process.execPath]) {
      const result = await run(node, [bundlePath, 'generate', '--topology', 'examples/topology.json', '--out', out(node)]);
      expect(result.code, result.stderr).toBe(0);
    }
    const files = filesUnder(out(pluginNode));
    expect(files.length).toBeGreaterThan(0);
    expect(filesUnder(out(process.execPath))).toEqual(files);
    for (const file of files) {
      expect(readFileSync(join(out(pluginNode), file), 'utf8'), file).toBe(readFileSync(join(out(process.execPath), file), 'utf8'));
    }
  });
});
