import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { configWarnings } from '../config/config-warnings.js';
import { readConfigFile } from '../config/read-config-file.js';
import type { Config } from '../config/types.js';
import { PluginError } from '../errors.js';
import type { StatsSnapshot } from '../haproxy/parse-stats-csv.js';
import { readSnapshot } from '../haproxy/read-snapshot.js';
import { createStatsSource } from '../haproxy/stats-source.js';
import { configOption } from './config-option.js';

interface ValidateFlags {
  config: string;
  connect?: boolean;
}

export function validateCommand(): Command {
  return new Command('validate')
    .description('Check a config: schema, meaning (prefixes, thresholds, AS paths), and optionally the live stats source.')
    .addOption(configOption())
    .option('--connect', 'also read the stats source once and check that every configured backend and frontend exists')
    .addHelpText(
      'after',
      `
Exit codes: 0 valid (warnings allowed), 1 invalid. Every problem names its JSON path.

Examples:
  exabgp-anycast validate --config /etc/exabgp-anycast/exabgp-anycast.json
  exabgp-anycast validate --config exabgp-anycast.json --connect`,
    )
    .action(async (flags: ValidateFlags) => {
      const config = readConfigFile(flags.config);
      const warnings = [...configWarnings(config), ...environmentWarnings(config)];
      if (flags.connect) {
        const snapshot = await readSnapshot(createStatsSource(config.stats));
        const missing = missingInStats(config, snapshot);
        if (missing.length > 0) {
          throw new PluginError('ERR_CONFIG_INVALID', `${flags.config}: not found in the stats of ${config.stats.source}:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
        }
        warnings.push(...countedBackupWarnings(config, snapshot));
      }
      // Warnings are diagnostics, like the errors: stdout keeps only the verdict.
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      const checked = flags.connect ? ', every backend and frontend found in the stats source' : '';
      process.stdout.write(`${flags.config}: valid, ${config.services.length} service(s)${checked}\n`);
    });
}

function environmentWarnings(config: Config): string[] {
  if (config.disableFile === undefined || existsSync(dirname(config.disableFile))) return [];
  return [`/disableFile: folder ${dirname(config.disableFile)} does not exist, so the maintenance file cannot be created; mkdir -p it`];
}

/** Backends and frontends the config names that the live stats do not have. */
function missingInStats(config: Config, snapshot: StatsSnapshot): string[] {
  const known = (names: Iterable<string>) => `HAProxy has: ${[...names].join(', ') || 'none'}`;
  const missing: string[] = [];
  config.services.forEach((service, i) => {
    service.health.backends.forEach((name, j) => {
      if (!snapshot.backends.has(name)) {
        missing.push(`/services/${i}/health/backends/${j}: backend "${name}" (${known(snapshot.backends.keys())})`);
      }
    });
    const { frontend } = service.health;
    if (frontend !== undefined && !snapshot.frontends.has(frontend)) {
      missing.push(`/services/${i}/health/frontend: frontend "${frontend}" (${known(snapshot.frontends.keys())})`);
    }
  });
  return missing;
}

/**
 * countBackup with backup servers in HAProxy: with generate's bridge those are another region's
 * servers, and counting them keeps this region announced while all its own servers are down.
 */
function countedBackupWarnings(config: Config, snapshot: StatsSnapshot): string[] {
  return config.services.flatMap((service, i) => {
    if (!service.health.countBackup) return [];
    const backups = service.health.backends.flatMap((name) => (snapshot.backends.get(name)?.servers ?? []).filter((s) => s.backup).map((s) => `${name}/${s.name}`));
    return backups.length === 0
      ? []
      : [
          `/services/${i}/health/countBackup: counts the backup servers ${backups.join(', ')}; if they are another region's (generate's bridge), ` +
            'this region stays announced while all its own servers are down; set countBackup false',
        ];
  });
}
