import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { readConfigFile } from '../config/read-config-file.js';
import { initialEngineState, tick, type PollResult } from '../engine/tick.js';
import { formatCommand } from '../exabgp/format-command.js';
import { errorMessage } from '../errors.js';
import { parseStatsCsv } from '../haproxy/parse-stats-csv.js';
import { configOption } from './config-option.js';

interface ReplayFlags {
  config: string;
  json?: boolean;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('Run the real state machine over recorded stats CSV snapshots, one poll each, on a simulated clock.')
    .addOption(configOption())
    .argument('<snapshot...>', 'stats CSV files, in poll order (`echo "show stat" | socat stdio unix:/run/haproxy/admin.sock > t1.csv`)')
    .option('--json', 'print JSON lines: {"poll":N,"service":…,"state":…,"command":…}')
    .addHelpText(
      'after',
      `
Poll #N reads the N-th snapshot, intervalMs after the previous one. As in run, poll #1 announces
what is healthy and withdraws the rest; later polls follow rise and fall.
Commands go to stdout; the decisions behind them (the log run would write) go to stderr.
An unreadable or invalid snapshot counts as a failed poll, as it would in run.

Example:
  exabgp-anycast replay --config exabgp-anycast.json t1.csv t2.csv t3.csv`,
    )
    .action((snapshots: string[], flags: ReplayFlags) => {
      const config = readConfigFile(flags.config);
      const print = (poll: number, service: string | undefined, state: string | undefined, command: string) =>
        process.stdout.write(flags.json ? `${JSON.stringify({ poll, service, state, command })}\n` : `#${poll} ${command}\n`);

      let state = initialEngineState(config, 0);
      snapshots.forEach((file, i) => {
        const poll = i + 1;
        const now = poll * config.intervalMs;
        const out = tick(config, state, { poll: readRecorded(file), disabled: false, now, knownNeighbors: new Set() });
        state = out.state;
        for (const event of out.events) process.stderr.write(`#${poll} ${event.level} ${event.message}\n`);
        for (const command of out.commands) {
          const service = command.kind === 'query' ? undefined : command.service;
          print(poll, service, service === undefined ? undefined : state.health.get(service)?.phase, formatCommand(command));
        }
      });
    });
}

function readRecorded(file: string): PollResult {
  try {
    return { ok: true, snapshot: parseStatsCsv(readFileSync(file, 'utf8'), `file:${file}`) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}
