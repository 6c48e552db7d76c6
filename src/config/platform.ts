import { prefixCovers } from './prefix.js';

/**
 * What the BGP peers are, and so which of their rules apply. Sources of every Azure fact:
 * MicrosoftDocs/azure-docs, articles/route-server/route-server-faq.md (RS-FAQ),
 * articles/virtual-wan/scenario-bgp-peering-hub.md (VW-BGP), includes/route-server-limits.md.
 */
export type Platform = 'azure-vwan' | 'azure-route-server' | 'generic';

export const platforms: readonly Platform[] = ['azure-vwan', 'azure-route-server', 'generic'];

/** The ASN of every Azure hub and Route Server (RS-FAQ; VW-BGP). */
export const azurePeerAs = 65515;

export function isAzure(platform: Platform): boolean {
  return platform !== 'generic';
}

/** The peer's name in messages: "an Azure Virtual WAN hub". */
export function peerName(platform: Platform): string {
  return { 'azure-vwan': 'an Azure Virtual WAN hub', 'azure-route-server': 'Azure Route Server', generic: 'a BGP peer' }[platform];
}

/**
 * Why `asn` cannot be your own ASN on `platform`, with the fix, or undefined when it can. IANA's
 * reserved ASNs are refused everywhere (they are never valid on a real network); Azure's reserved
 * ASNs and the 16-bit limit only on Azure, where the hub or Route Server refuses them.
 */
export function asnProblem(asn: number, platform: Platform): string | undefined {
  const iana = ianaReservation(asn);
  if (iana !== undefined) return `${iana}; use a private ASN of your own, e.g. 65010 (64512–65534${isAzure(platform) ? '' : ', or 4200000000–4294967294'})`;
  if (!isAzure(platform)) return undefined;
  const azureFix = 'use a private 16-bit ASN of your own, e.g. 65010 (64512–65514 or 65521–65534)';
  const azure = azureReservation(asn);
  if (azure !== undefined) return `${azure}; ${azureFix}`;
  if (asn > 65535) {
    return `${asn} is a 32-bit ASN, and ${peerName(platform)} accepts only 16-bit ASNs (1–65535); ${azureFix}, or set platform "generic" if the peers are not Azure`;
  }
  return undefined;
}

/** IANA's registries of 16- and 32-bit ASNs: why `asn` is no network's ASN, or undefined. */
export function ianaReservation(asn: number): string | undefined {
  if (asn === 23456) return `${asn} is AS_TRANS, reserved by IANA (RFC 6793)`;
  if ((asn >= 64496 && asn <= 64511) || (asn >= 65536 && asn <= 65551)) return `${asn} is reserved by IANA for documentation (RFC 5398)`;
  if (asn === 65535 || asn === 4294967295) return `${asn} is reserved by IANA (RFC 7300)`;
  if (asn >= 65552 && asn <= 131071) return `${asn} is reserved by IANA`;
  return undefined;
}

/** The most routes one NVA may send one peer, or undefined when the platform sets no limit here. */
export function routeLimit(platform: Platform): { limit: number; rule: string } | undefined {
  switch (platform) {
    case 'azure-route-server':
      return { limit: 1000, rule: 'Route Server drops the BGP session of a peer that sends more than 1,000 routes (its default limit per peer)' };
    case 'azure-vwan':
      return { limit: 4000, rule: 'a Virtual WAN hub drops the BGP session of an NVA that sends more than 4,000 routes' };
    case 'generic':
      return undefined;
  }
}

/**
 * The problem, or the warning, for sending `count` routes to one peer (`to` names the peer), at
 * JSON path `at`. Azure counts the routes it already has plus those in a new update, so re-sending
 * every route (after a route refresh, say) counts twice: above half the limit it drops the session.
 */
export function routeCountCheck(count: number, platform: Platform, at: string, to: string): { problem?: string; warning?: string } {
  const limit = routeLimit(platform);
  if (limit === undefined || count <= limit.limit / 2) return {};
  const routes = `${count} prefixes go to ${to}`;
  const fix = 'aggregate them into shorter prefixes or spread the services over more NVAs';
  if (count > limit.limit) return { problem: `${at}: ${routes}; ${limit.rule}; ${fix}` };
  return {
    warning:
      `${at}: ${routes}, more than half the limit of ${limit.limit.toLocaleString('en-US')}; Azure counts the routes it has plus those ` +
      `in a new update, so re-sending them all counts as ${(2 * count).toLocaleString('en-US')} and drops the session; ` +
      `keep to ${limit.limit / 2} or ${fix}`,
  };
}

/** A warning when `prefix` (at JSON path `at`) holds a well-known public service address. */
export function publicAddressWarning(prefix: string, at: string): string | undefined {
  const taken = publicServiceAddresses.find(({ address }) => prefixCovers(prefix, address));
  return taken === undefined
    ? undefined
    : `${at}: ${prefix} holds ${taken.address}, ${taken.owner}; announcing it takes the address over for your clients; ` +
        'use an address of your own (or keep it only to reproduce the seed)';
}

// --- internal ---

/** Well-known resolvers that a private WAN's clients use; announcing one hijacks it for them. */
const publicServiceAddresses = [
  { address: '9.9.9.9', owner: "Quad9's public DNS resolver" },
  { address: '1.1.1.1', owner: "Cloudflare's public DNS resolver" },
  { address: '1.0.0.1', owner: "Cloudflare's public DNS resolver" },
  { address: '8.8.8.8', owner: "Google's public DNS resolver" },
  { address: '8.8.4.4', owner: "Google's public DNS resolver" },
  { address: '208.67.222.222', owner: "OpenDNS's public DNS resolver" },
  { address: '208.67.220.220', owner: "OpenDNS's public DNS resolver" },
];

/** Azure's reserved ASNs (RS-FAQ; VW-BGP). */
function azureReservation(asn: number): string | undefined {
  if (asn === azurePeerAs) return `${asn} is the ASN of the Azure hub and Route Server themselves (reserved by Azure)`;
  if (asn >= 65517 && asn <= 65520) return `${asn} is reserved by Azure for its own routing (65520 marks routes from a remote hub)`;
  if (asn === 8074 || asn === 8075 || asn === 12076) return `${asn} is one of Microsoft's public ASNs, reserved by Azure`;
  return undefined;
}
