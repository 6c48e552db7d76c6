import { Command } from 'commander';
import schema from '../config/config.schema.json';

export function schemaCommand(): Command {
  return new Command('schema')
    .description('Print the config JSON Schema (point an editor\'s "$schema" at a saved copy).')
    .addHelpText('after', '\nExample:\n  exabgp-anycast schema > /etc/exabgp-anycast/config.schema.json')
    .action(() => {
      process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });
}
