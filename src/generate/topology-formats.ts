import { isIP, isIPv4 } from 'node:net';
import { isServerAddress } from './is-server-address.js';

/** The string formats topology.schema.json uses; the build's precompiled validator requires this module too. */
export const topologyFormats = {
  ip: (text: string) => isIP(text) !== 0,
  ipv4: isIPv4,
  'server-address': isServerAddress,
};
