// The namespace lab (lab/lab.ts) needs root and network namespaces. Where they are missing its tests
// skip with the reason, except in CI (the CI variable is set): there a lab that cannot run is a failure.
import { describe, it } from 'vitest';
import { namespacesUnavailable } from '../../lab/netns.js';

const unavailable = await namespacesUnavailable();
/** CI systems set CI (GitHub Actions, GitLab, … set CI=true); empty or `false` means not in CI. */
const inCi = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false';

/** `describe` for tests that run the namespace lab. */
export function describeWithNamespaces(title: string, body: () => void): void {
  if (unavailable === undefined) {
    describe(title, body);
  } else if (inCi) {
    describe(title, () => {
      it('can run: CI must run the fault matrix', () => {
        throw new Error(`the namespace lab cannot run here (${unavailable}); CI needs root and network namespaces`);
      });
    });
  } else {
    process.stderr.write(`skipping "${title}": ${unavailable}\n`);
    describe.skip(`${title} (skipped: ${unavailable})`, body);
  }
}
