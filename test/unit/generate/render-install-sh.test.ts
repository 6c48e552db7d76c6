import { describe, expect, it } from 'vitest';
import { nvaInstallLayout } from '../../../src/generate/nva-install-layout.js';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { placeNvas } from '../../../src/generate/place-nvas.js';
import { renderInstallSh } from '../../../src/generate/render-install-sh.js';
import { seedWith, type Change } from './topologies.js';

function setup(...changes: Change[]) {
  const topology = parseTopology(seedWith(...changes), 'topology.json');
  const placement = placeNvas(topology)[0];
  if (placement === undefined) throw new Error('no NVA');
  return { script: renderInstallSh(topology, placement), layout: nvaInstallLayout(topology, placement) };
}

/** The files the script installs: mode, path, effects and the text of each here-document. */
function embeddedFiles(script: string) {
  const pattern = /^put (\d{4}) (\S+) '([^']*)' <<'EXABGP_ANYCAST_END_OF_FILE'\n([\s\S]*?)\nEXABGP_ANYCAST_END_OF_FILE$/gm;
  return [...script.matchAll(pattern)].map(([, mode, path, effects, content]) => ({ mode, path, effects: effects?.split(' '), content: `${content}\n` }));
}

describe('renderInstallSh', () => {
  it('is a POSIX shell script that stops at the first failure', () => {
    const lines = setup().script.split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    expect(lines).toContain('set -eu');
  });

  it('installs every generated file of the NVA byte for byte, with its mode', () => {
    const { script, layout } = setup();
    expect(embeddedFiles(script)).toEqual(layout);
  });

  it('installs the bundle at pluginPath and links exabgp-anycast on the PATH to it', () => {
    const { script } = setup(['/pluginPath', '/opt/exabgp-anycast/exabgp-anycast.js']);
    expect(script).toContain('put 0755 /opt/exabgp-anycast/exabgp-anycast.js bundle <"$bundle"\n');
    expect(script).toContain('link /opt/exabgp-anycast/exabgp-anycast.js /usr/local/bin/exabgp-anycast\n');
  });

  it('installs Debian’s haproxy, exabgp and nodejs before writing any file', () => {
    const { script } = setup();
    expect(script).toContain('  for package in haproxy exabgp nodejs; do\n');
    expect(script.indexOf('apt-get install')).toBeLessThan(script.indexOf('put 0755'));
  });

  it('enables and starts the address unit, HAProxy and ExaBGP in that order', () => {
    expect(setup().script).toContain('for unit in exabgp-anycast-loopback.service haproxy.service exabgp.service; do\n');
  });

  it('signals only the plugin at pluginPath, as user exabgp, for a new bundle or plugin config', () => {
    const lines = setup().script.split('\n').filter((line) => line.includes('pkill'));
    expect(lines.map((line) => /pkill (.*?);/.exec(line)?.[1])).toEqual([
      '-USR2 -u exabgp -f /usr/local/lib/exabgp-anycast/exabgp-anycast.js',
      '-HUP -u exabgp -f /usr/local/lib/exabgp-anycast/exabgp-anycast.js',
    ]);
  });
});
