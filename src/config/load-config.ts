import type { ErrorObject } from 'ajv';
import { isIP } from 'node:net';
import { PluginError, describeValue } from '../errors.js';
import { validateSchema } from './schema-validator.js';
import type { Config, RouteAttributes, ServiceConfig } from './types.js';

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

/** Validates an already-parsed config (from a file or from command-line flags). Fills in defaults. */
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
  return copy as Config;
}

function schemaProblems(errors: ErrorObject[], data: unknown): string[] {
  const problems = errors
    // "if" only says that "then"/"else" failed; that error is listed on its own.
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const path = e.instancePath || '/';
      if (e.keyword === 'additionalProperties') {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        return `${path}: unknown setting "${extra}" (check its spelling; \`exabgp-anycast schema\` lists every setting)`;
      }
      return `${path}: ${e.message ?? 'is invalid'} (got ${describeValue(valueAt(data, e.instancePath))})`;
    });
  return [...new Set(problems)];
}

function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/** Checks a schema-valid config for what a schema cannot express. */
function checkMeaning(config: Config): string[] {
  const problems = checkStats(config);
  const prefixOwners = new Map<string, string>();
  const names = new Set<string>();
  config.services.forEach((service, i) => {
    const at = `/services/${i}`;
    if (names.has(service.name)) problems.push(`${at}/name: service "${service.name}" is defined twice; names must be unique`);
    names.add(service.name);
    service.prefixes.forEach((prefix, j) => {
      const problem = prefixProblem(prefix);
      if (problem) problems.push(`${at}/prefixes/${j}: ${problem}`);
      const key = prefix.toLowerCase();
      const owner = prefixOwners.get(key);
      if (owner) problems.push(`${at}/prefixes/${j}: ${prefix} is already announced by service "${owner}"; give each prefix to one service`);
      prefixOwners.set(key, service.name);
    });
    if (service.nextHop !== 'self' && isIP(service.nextHop) === 0) {
      problems.push(`${at}/nextHop: "${service.nextHop}" is not an IP address; use "self" or an IPv4/IPv6 address`);
    }
    service.neighbors.forEach((neighbor, j) => {
      if (isIP(neighbor) === 0) problems.push(`${at}/neighbors/${j}: "${neighbor}" is not an IP address`);
    });
    problems.push(...attributeProblems(service, at));
    if (service.onDown !== 'withdraw') problems.push(...attributeProblems(service.onDown, `${at}/onDown`));
    problems.push(...thresholdProblems(service, at));
  });
  return problems;
}

function checkStats(config: Config): string[] {
  const { source, username, passwordFile, passwordEnv } = config.stats;
  const problems: string[] = [];
  if (/^(https?|tcp):/.test(source)) {
    let url: URL | undefined;
    try {
      url = new URL(source);
    } catch {
      problems.push(`/stats/source: "${source}" is not a valid URL`);
    }
    if (url && (url.username || url.password)) {
      problems.push('/stats/source: credentials in the URL would end up in logs; set stats.username and stats.passwordFile (or passwordEnv) instead');
    }
    if (url && source.startsWith('tcp:') && (!url.hostname || !url.port)) {
      problems.push(`/stats/source: "${source}" needs a host and a port, e.g. tcp://127.0.0.1:9999`);
    }
  }
  if (passwordFile !== undefined && passwordEnv !== undefined) {
    problems.push('/stats: set passwordFile or passwordEnv, not both');
  }
  if ((passwordFile !== undefined || passwordEnv !== undefined) !== (username !== undefined)) {
    problems.push('/stats: username and a password (passwordFile or passwordEnv) go together');
  }
  if (username !== undefined && !source.startsWith('http')) {
    problems.push('/stats/username: credentials only apply to an http(s) stats source');
  }
  return problems;
}

/** Returns why `prefix` is not a valid network prefix, or undefined when it is. */
export function prefixProblem(prefix: string): string | undefined {
  const [address = '', lengthText = ''] = prefix.split('/');
  const family = isIP(address);
  const length = Number(lengthText);
  const maxLength = family === 6 ? 128 : 32;
  if (family === 0) return `"${prefix}" does not start with an IPv4 or IPv6 address`;
  if (!Number.isInteger(length) || length > maxLength) return `"${prefix}" has a prefix length outside 0-${maxLength}`;
  const bits = addressBits(address);
  if (bits.slice(length).includes('1')) {
    return `"${prefix}" has host bits set; use the network address (e.g. ${networkOf(bits, length, family)}/${length})`;
  }
  return undefined;
}

function addressBits(address: string): string {
  if (isIP(address) === 4) return address.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const all = address.includes('::') ? [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)] : groups(head);
  return all.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}

function networkOf(bits: string, length: number, family: number): string {
  const network = bits.slice(0, length).padEnd(bits.length, '0');
  const chunk = family === 4 ? 8 : 16;
  const parts = network.match(new RegExp(`.{${chunk}}`, 'g')) ?? [];
  return family === 4
    ? parts.map((p) => parseInt(p, 2)).join('.')
    : parts.map((p) => parseInt(p, 2).toString(16)).join(':');
}

function attributeProblems(attributes: RouteAttributes, at: string): string[] {
  const problems: string[] = [];
  attributes.communities?.forEach((community, i) => {
    if (community.split(':').some((part) => Number(part) > 65535)) {
      problems.push(`${at}/communities/${i}: "${community}" must be two numbers 0-65535 (ASN:value)`);
    }
  });
  attributes.largeCommunities?.forEach((community, i) => {
    if (community.split(':').some((part) => Number(part) > 4294967295)) {
      problems.push(`${at}/largeCommunities/${i}: "${community}" must be three numbers 0-4294967295`);
    }
  });
  return problems;
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
