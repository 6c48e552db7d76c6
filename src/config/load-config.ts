import type { ErrorObject } from 'ajv';
import { PluginError, describeValue, errorMessage } from '../errors.js';
import { parseListenAddress } from './listen-address.js';
import { platformProblems } from './platform-rules.js';
import { canonicalAddress, canonicalPrefix, isUnicastAddress, prefixProblem } from './prefix.js';
import { redactUrlCredentials } from './redact-url-credentials.js';
import { validateSchema } from './schema-validator.js';
import type { Config, DampeningSettings, DegradePolicy, RouteAttributes, ServiceConfig } from './types.js';

// src/generate/find-topology-problems.ts still imports it from here.

/** Parses and validates a config file's text. `origin` (the file name) prefixes every message. */
export function loadConfig(text: string, origin: string): Config {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PluginError('ERR_CONFIG_INVALID', `${origin}: not valid JSON: ${(error as Error).message}`, { origin });
  }
  return validateConfig(data, origin);
}

/**
 * Validates an already-parsed config (from a file or from command-line flags). Fills in defaults
 * and returns every prefix, address and community in its canonical text, the only text that is
 * compared or written into commands.
 */
export function validateConfig(data: unknown, origin: string): Config {
  const copy: unknown = structuredClone(data);
  const problems = validateSchema(copy) ? checkMeaning(copy as unknown as Config) : schemaProblems(validateSchema.errors ?? [], copy);
  if (problems.length > 0) {
    throw new PluginError(
      'ERR_CONFIG_INVALID',
      `${origin}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { origin },
    );
  }
  return inCanonicalForm(copy as Config);
}

/**
 * The stats timeout when the config sets none: half the poll interval, so a hanging source fails
 * its poll before the next one is due, and at most 2 s. The schema's minimum intervalMs (100)
 * keeps it at or above the schema's minimum timeoutMs (50).
 */
function defaultTimeoutMs(intervalMs: number): number {
  return Math.min(2000, Math.floor(intervalMs / 2));
}

function schemaProblems(errors: ErrorObject[], data: unknown): string[] {
  const shown = withoutSourceCredentials(data);
  const problems = errors
    // "if" only says that "then"/"else" failed; that error is listed on its own.
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const path = e.instancePath || '/';
      if (e.keyword === 'additionalProperties') {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        return `${path}: unknown setting "${extra}" (check its spelling; \`exabgp-anycast schema\` lists every setting)`;
      }
      return `${path}: ${e.message ?? 'is invalid'} (got ${describeValue(valueAt(shown, e.instancePath))})`;
    });
  return [...new Set(problems)];
}

/** `data` with stats.source's credentials hidden, so that no quoted value (of any path) shows them. */
function withoutSourceCredentials(data: unknown): unknown {
  if (!isObject(data) || !isObject(data.stats) || typeof data.stats.source !== 'string') return data;
  return { ...data, stats: { ...data.stats, source: redactUrlCredentials(data.stats.source) } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    value = isObject(value) ? value[key] : undefined;
  }
  return value;
}

/** Checks a schema-valid config for what a schema cannot express. */
function checkMeaning(config: Config): string[] {
  const problems = checkStats(config);
  if (config.metrics !== undefined) {
    // The schema checks the form; an IPv6 literal needs node:net.
    try {
      parseListenAddress(config.metrics.listen, '/metrics/listen');
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }
  const prefixOwners = new Map<string, string>();
  const names = new Set<string>();
  config.services.forEach((service, i) => {
    const at = `/services/${i}`;
    if (names.has(service.name)) problems.push(`${at}/name: service "${service.name}" is defined twice; names must be unique`);
    names.add(service.name);
    service.prefixes.forEach((prefix, j) => {
      const problem = prefixProblem(prefix);
      if (problem !== undefined) {
        problems.push(`${at}/prefixes/${j}: ${problem}`);
        return;
      }
      // Compared in canonical form: 198.18.0.0/024 and 198.18.0.0/24 are one route at the peer.
      const canonical = canonicalPrefix(prefix);
      const owner = prefixOwners.get(canonical);
      if (owner === service.name) problems.push(`${at}/prefixes/${j}: ${prefix} is listed twice in this service (as ${canonical}); list it once`);
      else if (owner !== undefined) problems.push(`${at}/prefixes/${j}: ${prefix} is already announced by service "${owner}"; give each prefix to one service`);
      prefixOwners.set(canonical, service.name);
    });
    if (service.nextHop !== 'self') problems.push(...addressProblems(service.nextHop, `${at}/nextHop`, 'use "self" or this router\'s own address'));
    const neighbors = new Map<string, string>();
    service.neighbors.forEach((neighbor, j) => {
      const problem = addressProblems(neighbor, `${at}/neighbors/${j}`, 'use the peer\'s address from exabgp.conf');
      problems.push(...problem);
      const canonical = canonicalAddress(neighbor);
      if (problem.length > 0 || canonical === undefined) return;
      const first = neighbors.get(canonical);
      if (first !== undefined) problems.push(`${at}/neighbors/${j}: "${neighbor}" is the same peer as "${first}"; list each neighbor once`);
      neighbors.set(canonical, neighbor);
    });
    problems.push(...attributeProblems(service, at));
    if (service.onDown !== 'withdraw') problems.push(...attributeProblems(service.onDown, `${at}/onDown`));
    problems.push(...thresholdProblems(service, at));
    if (service.dampening !== undefined) problems.push(...dampeningProblems(service.dampening, `${at}/dampening`));
  });
  return [...problems, ...platformProblems(config)];
}

/** A neighbor or next hop must be an address a router can have; `fix` says what to write instead. */
function addressProblems(address: string, at: string, fix: string): string[] {
  if (canonicalAddress(address) === undefined) return [`${at}: "${address}" is not an IP address; ${fix}`];
  if (!isUnicastAddress(address)) return [`${at}: "${address}" is not a unicast address (it is unspecified, multicast or broadcast); ${fix}`];
  return [];
}

function checkStats(config: Config): string[] {
  const { source, username, passwordFile, passwordEnv } = config.stats;
  const problems: string[] = [];
  if (/^(https?|tcp):/.test(source)) {
    let url: URL | undefined;
    try {
      url = new URL(source);
    } catch {
      problems.push(`/stats/source: "${redactUrlCredentials(source)}" is not a valid URL`);
    }
    if (url && (url.username || url.password)) {
      problems.push('/stats/source: credentials in the URL would end up in logs; set stats.username and stats.passwordFile (or passwordEnv) instead');
    }
    if (url && source.startsWith('tcp:') && (!url.hostname || !url.port)) {
      problems.push(`/stats/source: "${redactUrlCredentials(source)}" needs a host and a port, e.g. tcp://127.0.0.1:9999`);
    }
  }
  if (passwordFile !== undefined && passwordEnv !== undefined) {
    problems.push('/stats: set passwordFile or passwordEnv, not both');
  }
  if ((passwordFile !== undefined || passwordEnv !== undefined) !== (username !== undefined)) {
    problems.push('/stats: username and a password (passwordFile or passwordEnv) go together');
  }
  if (config.stats.events !== undefined && !/^(unix|tcp):/.test(source)) {
    problems.push(
      `/stats/events: HAProxy streams its events only on its CLI (show events), and ${redactUrlCredentials(source)} is not a stats socket; set stats.source to unix:/path or tcp://host:port of a stats socket at level operator, or remove stats.events`,
    );
  }
  if (username !== undefined && !source.startsWith('http')) {
    problems.push('/stats/username: credentials only apply to an http(s) stats source');
  }
  return problems;
}

function attributeProblems(attributes: RouteAttributes, at: string): string[] {
  const problems: string[] = [];
  attributes.communities?.forEach((community, i) => {
    if (communityParts(community).some((part) => part > 65535)) {
      problems.push(`${at}/communities/${i}: "${community}" must be two numbers 0-65535 (ASN:value)`);
    }
  });
  attributes.largeCommunities?.forEach((community, i) => {
    if (communityParts(community).some((part) => part > 4294967295)) {
      problems.push(`${at}/largeCommunities/${i}: "${community}" must be three numbers 0-4294967295 (ASN:value:value)`);
    }
  });
  return problems;
}

/** The numbers of a schema-checked community ("65010:100", or "65010:1:1" for a large one). */
function communityParts(community: string): number[] {
  return community.split(':').map(Number);
}

/** A checked config with its text canonical and its derived defaults filled in. */
function inCanonicalForm(config: Config): Config {
  return {
    ...config,
    // The schema leaves timeoutMs optional: its default depends on intervalMs.
    stats: { ...config.stats, timeoutMs: (config.stats.timeoutMs as number | undefined) ?? defaultTimeoutMs(config.intervalMs) },
    services: config.services.map((service) => ({
      ...canonicalAttributes(service),
      prefixes: service.prefixes.map(canonicalPrefix),
      nextHop: canonicalAddress(service.nextHop) ?? service.nextHop,
      neighbors: service.neighbors.map((neighbor) => canonicalAddress(neighbor) ?? neighbor),
      onDown: service.onDown === 'withdraw' ? service.onDown : canonicalAttributes<DegradePolicy>(service.onDown),
    })),
  };
}

/** Communities re-written from their numbers, so "0000000001:1:1" reaches ExaBGP as "1:1:1". */
function canonicalAttributes<T extends RouteAttributes>(attributes: T): T {
  const formatted = (communities: string[]) => communities.map((community) => communityParts(community).join(':'));
  return {
    ...attributes,
    ...(attributes.communities && { communities: formatted(attributes.communities) }),
    ...(attributes.largeCommunities && { largeCommunities: formatted(attributes.largeCommunities) }),
  };
}

function thresholdProblems(service: ServiceConfig, at: string): string[] {
  const { minUp, recoverMinUp, minUpPercent, recoverMinUpPercent } = service.health;
  const problems: string[] = [];
  if (recoverMinUp !== undefined && recoverMinUp < (minUp ?? 1)) {
    problems.push(`${at}/health/recoverMinUp: ${recoverMinUp} is below minUp (${minUp ?? 1}); the level to come back up must be at least the level to stay up`);
  }
  if (recoverMinUpPercent !== undefined && recoverMinUpPercent < (minUpPercent ?? 0)) {
    problems.push(`${at}/health/recoverMinUpPercent: ${recoverMinUpPercent} is below minUpPercent (${minUpPercent}); it must be at least minUpPercent`);
  }
  return problems;
}

/** Relations between the dampening settings that make a suppression able to start and to end. */
function dampeningProblems(settings: DampeningSettings, at: string): string[] {
  const { halfLifeMs, suppressAbove, reuseBelow, maxSuppressMs } = settings;
  if (reuseBelow >= suppressAbove) {
    return [`${at}/reuseBelow: ${reuseBelow} is not below suppressAbove (${suppressAbove}); a suppressed route comes back once the penalty decays below reuseBelow, so set it lower (e.g. 750 with 2000)`];
  }
  // The penalty is capped at reuseBelow × 2^(maxSuppressMs / halfLifeMs) (RFC 2439's maximum penalty).
  const shortest = Math.floor(halfLifeMs * Math.log2(suppressAbove / reuseBelow)) + 1;
  if (maxSuppressMs < shortest) {
    return [`${at}/maxSuppressMs: ${maxSuppressMs} ms caps the penalty at or below suppressAbove (${suppressAbove}), so nothing would ever be suppressed; set it to at least ${shortest} ms (just over halfLifeMs × log2(suppressAbove / reuseBelow)), or lower suppressAbove`];
  }
  return [];
}
