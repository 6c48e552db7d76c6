import { defineConfig } from 'vitest/config';
import { debianNodePath } from './test/support/debian-node.js';

/** Real daemons: one file at a time so two cores are not oversubscribed. */
const realDaemons = { fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...realDaemons },
      },
      {
        // The bundle's tests once more, with the bundle run by Debian 12's own node 18 (unpacked by
        // the global setup), after the other projects so the daemons of two projects never overlap.
        test: {
          name: 'debian-node',
          include: ['test/debian-node/**/*.test.ts', 'test/integration/plugin-lifecycle.test.ts', 'test/integration/e2e-loopback.test.ts'],
          globalSetup: ['test/support/debian-node-setup.ts'],
          env: { PLUGIN_NODE: debianNodePath },
          sequence: { groupOrder: 1 },
          ...realDaemons,
        },
      },
    ],
  },
});
