import { generatedHeader } from './generated-header.js';
import type { NvaPlacement } from './place-nvas.js';
import type { Topology } from './topology.js';

/** A POSIX shell script that puts every service prefix on the NVA's loopback interface. */
export function renderSetupLoopback(topology: Topology, placement: NvaPlacement): string {
  return [
    '#!/bin/sh',
    generatedHeader(placement),
    '# Puts the anycast service addresses on the loopback so HAProxy can bind them. Run it as root at',
    '# boot, before HAProxy starts; `ip address replace` makes running it again harmless.',
    'set -eu',
    ...topology.services.flatMap((service) => service.prefixes.map((prefix) => `ip address replace ${prefix} dev lo`)),
  ].join('\n') + '\n';
}
