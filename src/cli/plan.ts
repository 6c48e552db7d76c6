import { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { PluginError, errorMessage } from '../errors.js';
import { parseTopology } from '../generate/parse-topology.js';
import { planRoutes, type Plan, type ServicePlan } from '../generate/plan-routes.js';
import { formatTable } from './format-table.js';

interface PlanFlags {
  topology: string;
  json?: boolean;
}

export function planCommand(): Command {
  return new Command('plan')
    .description('Show, for each service, which region each hub (and the ExpressRoute edge) prefers, normally and with each region down.')
    .requiredOption('--topology <file>', 'the deployment topology (JSON, see src/generate/topology.schema.json)')
    .option('--json', 'print one JSON object instead of tables')
    .addHelpText(
      'after',
      `
It follows Azure's documented route selection: the longest prefix; then each Virtual WAN hub's
routing preference (hubRoutingPreference: ExpressRoute, VpnGateway or ASPath), where a remote
hub's route arrives with 65520 65520 in front of its AS path; the shortest AS path elsewhere.
A region that is down withdraws, or announces its onDown degrade. Warnings (on stderr) say where
the topology's order of regions cannot hold. Exit 0 with a plan, 1 on an invalid topology.

Example:
  $ exabgp-anycast plan --topology examples/topology.json`,
    )
    .action(async (flags: PlanFlags) => {
      const plan = planRoutes(parseTopology(await readTopology(flags.topology), flags.topology));
      process.stdout.write(flags.json ? `${JSON.stringify(plan)}\n` : formatPlan(plan));
      for (const warning of plan.warnings) process.stderr.write(`warning: ${warning}\n`);
    });
}

// --- internal ---

async function readTopology(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PluginError('ERR_CONFIG_READ', `cannot read topology ${path}: ${errorMessage(error)}`, { path }, { cause: error });
  }
}

function formatPlan(plan: Plan): string {
  const preference = plan.hubRoutingPreference === undefined ? '' : `, hub routing preference ${plan.hubRoutingPreference}`;
  const heading = `Platform ${plan.platform}${preference}; regions in order of preference: ${plan.regions.join(', ')}\n`;
  const marked = plan.services.some((service) => service.situations.some((situation) => situation.choices.some((choice) => choice.differs)));
  return [heading, ...plan.services.map((service) => formatService(plan, service)), ...(marked ? ['* not the region the order of regions asks for\n'] : [])].join('\n');
}

function formatService(plan: Plan, service: ServicePlan): string {
  const header = ['SITUATION', ...plan.vantagePoints.map((vantage) => vantage.toUpperCase())];
  const rows = service.situations.map((situation) => [
    situation.name,
    ...situation.choices.map((choice) => {
      const regions = choice.regions.length === 0 ? 'no route' : choice.regions.join(' = ');
      return `${regions}${choice.regions.length > 1 ? ' (tie)' : ''}${choice.differs ? ' *' : ''}`;
    }),
  ]);
  return `${service.name} (${service.prefixes.join(', ')})\n${formatTable(header, rows)}`;
}
