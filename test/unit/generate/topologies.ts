import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, for reading examples/ and test/fixtures/. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Every topology the generator is tested with: the seed example and the fixtures. */
export const topologyFiles = [
  'examples/topology.json',
  'test/fixtures/generate/three-regions.json',
  'test/fixtures/generate/two-nvas-per-region.json',
  'test/fixtures/generate/ipv6.json',
] as const;

export function readTopologyText(file: string): string {
  return readFileSync(`${repoRoot}${file}`, 'utf8');
}

/** A change to a topology: set the value at a JSON pointer, or delete it when the value is undefined. */
export type Change = [pointer: string, value: unknown];

/** The seed topology (examples/topology.json) with `changes` applied, as JSON text. */
export function seedWith(...changes: Change[]): string {
  const topology: unknown = JSON.parse(readTopologyText('examples/topology.json'));
  for (const [pointer, value] of changes) {
    const keys = pointer.split('/').slice(1);
    const last = keys.pop() ?? '';
    const parent = keys.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], topology);
    if (value === undefined) delete (parent as Record<string, unknown>)[last];
    else (parent as Record<string, unknown>)[last] = value;
  }
  return JSON.stringify(topology);
}
