import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { renderSetupLoopback } from '../../../src/generate/render-setup-loopback.js';
import { seedWith, type Change } from './topologies.js';

function scriptOf(...changes: Change[]): string {
  const topology = parseTopology(seedWith(...changes), 'topology.json');
  const placement = placeNvas(topology)[0];
  if (placement === undefined) throw new Error('no NVA');
  return renderSetupLoopback(topology, placement);
}

describe('renderSetupLoopback', () => {
  it('is a POSIX shell script that stops at the first failure', () => {
    const lines = scriptOf().split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines).toContain('set -eu');
  });

  it.each([
    { title: 'puts the seed address on the loopback', prefixes: [['9.9.9.9/32']], lines: ['ip address replace 9.9.9.9/32 dev lo'] },
    {
      title: 'puts every prefix of every service on the loopback, IPv6 too',
      prefixes: [['9.9.9.9/32', '2001:db8::9/128'], ['9.9.9.10/32']],
      lines: [
        'ip address replace 9.9.9.9/32 dev lo',
        'ip address replace 2001:db8::9/128 dev lo',
        'ip address replace 9.9.9.10/32 dev lo',
      ],
    },
  ])('$title', ({ prefixes, lines }) => {
    const changes = prefixes.map((list, i): Change => [
      `/services/${i}`,
      { name: `svc${i}`, prefixes: list, health: { backends: ['http_back'] } },
    ]);
    expect(scriptOf(...changes).split('\n').filter((line) => line.startsWith('ip '))).toEqual(lines);
  });
});
