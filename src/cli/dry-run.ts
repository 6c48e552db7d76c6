import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { validateConfig } from '../config/load-config.js';
import { readConfigFile } from '../config/read-config-file.js';
import { initialEngineState, tick } from '../engine/tick.js';
import { formatCommand } from '../exabgp/format-command.js';
import type { BackendCount } from '../health/evaluate-service.js';
import { readSnapshot } from '../haproxy/read-snapshot.js';
import { createStatsSource } from '../haproxy/stats-source.js';
import { configOption } from './config-option.js';
import { formatTable } from './format-table.js';

interface DryRunFlags {
  config: string;
  stats?: string;
  json?: boolean;
}

export function dryRunCommand(): Command {
  return new Command('dry-run')
    .description('Read the stats source once and show, per service, the verdict, why, and the lines `run` would write.')
    .addOption(configOption())
    .option('--stats <source>', 'read this stats source instead of the config\'s (e.g. file:incident.csv)')
    .option('--json', 'print one JSON object instead of a table')
    .addHelpText(
      'after',
      `
Exit codes: 0 every service evaluated (whatever the verdict), 1 invalid config, 2 stats source unreadable or not a stats CSV.

Examples:
  exabgp-anycast dry-run --config /etc/exabgp-anycast/exabgp-anycast.json
  exabgp-anycast dry-run --config exabgp-anycast.json --stats file:incident.csv --json`,
    )
    .action(async (flags: DryRunFlags) => {
      let config = readConfigFile(flags.config);
      if (flags.stats !== undefined) {
        config = validateConfig({ ...config, stats: { ...config.stats, source: flags.stats } }, `${flags.config} with --stats`);
      }
      const snapshot = await readSnapshot(createStatsSource(config.stats));
      const disabled = config.disableFile !== undefined && existsSync(config.disableFile);
      // Exactly what a freshly started `run` decides on its first poll of this snapshot.
      const out = tick(config, initialEngineState(config, 0), { poll: { ok: true, snapshot }, disabled, now: 0, knownNeighbors: new Set() });
      const reports: ServiceReport[] = out.verdicts.map((verdict) => ({
        name: verdict.service,
        state: verdict.phase,
        reason: verdict.reason,
        backends: verdict.backends,
        commands: out.commands.filter((c) => c.kind !== 'query' && c.service === verdict.service).map(formatCommand),
      }));
      process.stdout.write(flags.json ? `${JSON.stringify({ services: reports })}\n` : formatReports(reports));
    });
}

interface ServiceReport {
  name: string;
  state: string;
  reason: string;
  backends: BackendCount[];
  /** The lines `run` writes for this service on its first poll. */
  commands: string[];
}

function formatReports(reports: ServiceReport[]): string {
  const rows = reports.flatMap((report) =>
    report.backends.map((b, i) => [
      i === 0 ? report.name : '',
      i === 0 ? report.state.toUpperCase() : '',
      b.backend,
      b.found ? `${b.up}/${b.total}` : 'missing',
      b.enough ? 'yes' : 'no',
    ]),
  );
  const table = formatTable(['SERVICE', 'VERDICT', 'BACKEND', 'UP', 'ENOUGH'], rows);
  const details = reports.map(
    (r) => `\n${r.name}: ${r.state} — ${r.reason}\n${r.commands.map((c) => `  ${c}\n`).join('')}`,
  );
  return `${table}${details.join('')}`;
}
