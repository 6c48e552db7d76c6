// globalSetup of the `debian-node` vitest project: its tests run the bundle with PLUGIN_NODE, the
// script this makes ready.
import { ensureDebianNode } from './debian-node.js';

export default function setup(): void {
  ensureDebianNode();
}
