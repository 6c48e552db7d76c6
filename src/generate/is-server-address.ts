import { isIPv4, isIPv6 } from 'node:net';

/**
 * The IP address of a HAProxy server address with a port ("172.16.156.69:80" → "172.16.156.69",
 * "[2001:db8::69]:80" → "2001:db8::69"), or undefined when the text is not one.
 */
export function serverAddressHost(text: string): string | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const [, ipv6, ipv4, port] = match;
  const addressOk = ipv6 === undefined ? isIPv4(ipv4 ?? '') : isIPv6(ipv6);
  return addressOk && Number(port) >= 1 && Number(port) <= 65535 ? (ipv6 ?? ipv4) : undefined;
}

/** True for a HAProxy server address with a port: "172.16.156.69:80" or "[2001:db8::69]:80". */
export function isServerAddress(text: string): boolean {
  return serverAddressHost(text) !== undefined;
}
