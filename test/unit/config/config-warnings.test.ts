import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../src/config/config-warnings.js';
import { loadConfig, validateConfig } from '../../../src/config/load-config.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The example config of the README's "Configuration" section. */
function readmeExample(): string {
  const section = readme.slice(readme.indexOf('## Configuration'));
  return /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
}

const service = { name: 'www', prefixes: ['198.18.0.10/32'], health: { backends: ['http_back'] } };

describe('configWarnings', () => {
  it('finds nothing to warn about in the README example', () => {
    expect(configWarnings(loadConfig(readmeExample(), 'README.md'))).toEqual([]);
  });

  it.each([100, 200, 1000, 60_000])('finds nothing to warn about in the default stats timeout for a poll every %i ms', (intervalMs) => {
    const config = validateConfig({ stats: { source: 'unix:/run/haproxy/admin.sock' }, intervalMs, rise: 1, fall: 1, services: [service] }, 'test.json');
    expect(configWarnings(config)).toEqual([]);
  });

  it('warns about a stats timeout that is set at or above the poll interval', () => {
    const config = validateConfig({ stats: { source: 'unix:/run/haproxy/admin.sock', timeoutMs: 1000 }, services: [service] }, 'test.json');
    expect(configWarnings(config)).toEqual([
      '/stats/timeoutMs: 1000 ms is not below intervalMs (1000 ms); a hanging stats source would stretch every poll',
    ]);
  });
});
