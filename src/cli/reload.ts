import { Command, Option } from 'commander';
import { defaultPluginUrl, pluginUrlFromConfig, requestReload } from '../status/plugin-client.js';

interface ReloadFlags {
  url?: string;
  config?: string;
}

/** A reload waits for nothing slow (the poll in flight is kept, not awaited), so this is generous. */
const timeoutMs = 10_000;

export function reloadCommand(): Command {
  return new Command('reload')
    .description('Make a running plugin re-read its config (POST /-/reload, the same as SIGHUP) and print the outcome.')
    .addOption(new Option('--url <url>', `the plugin's address (default: --config's metrics.listen, else ${defaultPluginUrl})`))
    .addOption(new Option('-c, --config <file>', "the plugin's config file; its metrics.listen says where the plugin listens"))
    .addHelpText(
      'after',
      `
The plugin re-reads the config file it was started with; --config only tells where to find it.
An invalid config is rejected and the running one stays in force.

Exit codes: 0 reloaded, 1 the new config was rejected (the errors go to stderr),
2 the plugin cannot be reached (it serves /-/reload only with metrics.listen or --metrics-listen,
and only to clients on loopback).

Under systemd, \`systemctl reload exabgp\` reloads ExaBGP only; reload the plugin with:
  exabgp-anycast reload --config /etc/exabgp-anycast/exabgp-anycast.json`,
    )
    .action(async (flags: ReloadFlags) => {
      const url = flags.url !== undefined ? { ok: true as const, value: flags.url } : flags.config !== undefined ? pluginUrlFromConfig(flags.config) : { ok: true as const, value: defaultPluginUrl };
      const reply = url.ok ? await requestReload(url.value, timeoutMs) : url;
      if (!reply.ok) {
        process.stderr.write(`exabgp-anycast: ${reply.reason}\n`);
        process.exitCode = 2;
      } else if (reply.value.ok) {
        const { services } = reply.value;
        process.stdout.write(`reloaded: ${services.length} service(s)${services.length ? `: ${services.join(', ')}` : ''}\n`);
      } else {
        process.stderr.write(`exabgp-anycast: reload rejected, the running config stays in force:\n${reply.value.error}\n`);
        process.exitCode = 1;
      }
    });
}
