// CPU per hour of the plugin against ExaBGP's own healthcheck + curl, both watching the same
// 100-server HAProxy, all measured over one wall-clock window.
// Loopback only: a real HAProxy (10 backends of 10 servers, one frontend each, a log ring and a
// stats socket at level operator), the bundle run as ExaBGP runs it in several settings, and one
// `python3 -m exabgp healthcheck --cmd "curl -sf …"` per service, as ExaBGP's docs have it.
// Usage: npm run bench:cpu [-- --seconds 60]   (builds dist/ first; or node scripts/run-ts.mjs bench/cpu.ts after npm run build)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLab, startBackend, waitFor, type Lab } from '../lab/daemons/index.js';
import { repoRootFrom } from '../lab/lab.js';
import { httpDefaults, startHaproxy } from '../test/support/haproxy.js';

const repoRoot = repoRootFrom(process.cwd());
const bundle = join(repoRoot, 'dist', 'exabgp-anycast.js');
const ring = 'exabgp-anycast';
const BACKENDS = 10;
const SERVERS_PER_BACKEND = 10;
const WARM_UP_MS = 5000;

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 60;
if (!Number.isInteger(seconds) || seconds < 10) throw new Error(`--seconds must be a whole number of at least 10, got ${process.argv[secondsArg + 1]}`);

const python = checkPrerequisites();
const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface PluginSetting {
  label: string;
  services: number;
  events: boolean;
  intervalMs: number;
}
/** generate's defaults first: stats.events on the ring, intervalMs 1000, rise 1, fall 1, onStatsError hold. */
const pluginSettings: readonly PluginSetting[] = [
  { label: "plugin, generate's defaults", services: BACKENDS, events: true, intervalMs: 1000 },
  { label: 'plugin, no events', services: BACKENDS, events: false, intervalMs: 1000 },
  { label: 'plugin, events, longer interval', services: BACKENDS, events: true, intervalMs: 5000 },
  // One poll at start and none in the window: what the process costs while it only waits. Without
  // events, because a re-established stream polls once to catch up (see the note column).
  { label: 'plugin, idle', services: BACKENDS, events: false, intervalMs: 3_600_000 },
  { label: "plugin, generate's defaults", services: 1, events: true, intervalMs: 1000 },
  { label: 'plugin, events, longer interval', services: 1, events: true, intervalMs: 5000 },
];

const lab = openLab('cpu');
try {
  const apps = await Promise.all(Array.from({ length: BACKENDS }, (_, b) => startBackend(lab, { name: `app${b}` })));
  const haproxy = await startHaproxy({ config: haproxyConfig(apps.map((app) => app.port)) });
  lab.adopt('haproxy', haproxy.pid, () => haproxy.stop());
  await waitFor(
    `HAProxy to check all ${BACKENDS * SERVERS_PER_BACKEND} servers`,
    async () => {
      const servers = [...(await haproxy.readStats()).backends.values()].flatMap((backend) => backend.servers);
      return servers.length === BACKENDS * SERVERS_PER_BACKEND && servers.every((s) => s.status === 'UP' && s.checkStatus !== 'INI');
    },
    { timeoutMs: 15_000 },
  );
  const operatorSocket = join(haproxy.dir, 'operator.sock');

  const plugins = await Promise.all(
    pluginSettings.map(async (setting, index) => {
      const relay = await startCountingRelay(lab, `relay${index}`, operatorSocket);
      const configPath = lab.path(`plugin${index}.json`);
      writeFileSync(
        configPath,
        JSON.stringify({
          stats: { source: `unix:${relay.path}`, ...(setting.events ? { events: ring } : {}) },
          intervalMs: setting.intervalMs,
          rise: 1,
          fall: 1,
          onStatsError: 'hold',
          services: Array.from({ length: setting.services }, (_, b) => ({ name: `svc${b}`, prefixes: [`198.18.0.${10 + b}/32`], health: { backends: [`be_${b}`] } })),
        }),
      );
      const api = await startApiProcess(lab, `plugin${index}`, process.execPath, [bundle, 'run', '--config', configPath, '--state-file', lab.path(`routes${index}.json`)], setting.services);
      if (setting.events) await waitFor(`plugin${index} to follow the event stream`, () => /following HAProxy's event stream/.test(api.stderr()), { context: api.stderr });
      return { setting, relay, api };
    }),
  );

  const healthchecks = await Promise.all(
    Array.from({ length: BACKENDS }, (_, b) =>
      startApiProcess(
        lab,
        `healthcheck${b}`,
        python,
        // --no-ip-setup: the routes are only printed, no address is added to lo.
        ['-m', 'exabgp', 'healthcheck', '--name', `svc${b}`, '--no-syslog', '--interval', '1', '--ip', `198.18.0.${10 + b}/32`, '--no-ip-setup', '--withdraw-on-down', '--cmd', `curl -sf http://127.0.0.1:${haproxy.ports[`fe_${b}`]}/`],
        1,
      ),
    ),
  );

  process.stderr.write(`all ${plugins.length + healthchecks.length} processes announced; ${WARM_UP_MS / 1000} s of warm-up (not counted), then ${seconds} s measured\n`);
  await sleep(WARM_UP_MS);

  const frontendSessions = async (): Promise<number[]> => {
    const [header = '', ...rows] = (await haproxy.statsCsv()).split('\n');
    const stot = header.replace(/^# /, '').split(',').indexOf('stot');
    return Array.from({ length: BACKENDS }, (_, b) => Number(rows.find((row) => row.startsWith(`fe_${b},FRONTEND,`))?.split(',')[stot]));
  };
  const snapshot = async () => {
    const sessions = await frontendSessions();
    return {
      sessions,
      at: performance.now(),
      haproxy: cpuMs(haproxy.pid),
      plugins: plugins.map((p) => ({ cpu: cpuMs(p.api.pid), ...p.relay.counts })),
      healthchecks: healthchecks.map((h) => cpuMs(h.pid)),
    };
  };
  const start = await snapshot();
  await sleep(seconds * 1000);
  const end = await snapshot();
  for (const p of [...plugins.map((p) => p.api), ...healthchecks]) {
    if (!p.running()) throw new Error(`${p.name} exited during the window:\n${p.stderr()}`);
    // Both sides must have watched healthy services throughout: a failed curl or poll would cost less.
    if (!p.lastCommand().startsWith('announce ')) throw new Error(`${p.name} last wrote "${p.lastCommand()}", not an announce: a service looked down\n${p.stderr()}`);
  }
  const windowS = (end.at - start.at) / 1000;
  const perHour = (ms: number): number => (ms * 3600) / windowS;

  interface Row {
    side: string;
    services: number;
    polling: string;
    polls: number;
    cpuMs: number;
    extra?: string;
  }
  const healthcheckCpu = end.healthchecks.map((ms, i) => ms - (start.healthchecks[i] ?? NaN));
  const checks = end.sessions.map((n, i) => n - (start.sessions[i] ?? NaN));
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const healthcheckRows: Row[] = [
    { side: 'ExaBGP healthcheck + curl', services: 1, polling: 'curl every 1 s', polls: median(checks), cpuMs: median(healthcheckCpu), extra: `median of ${BACKENDS} processes (min ${Math.min(...healthcheckCpu).toFixed(0)}, max ${Math.max(...healthcheckCpu).toFixed(0)})` },
    { side: 'ExaBGP healthcheck + curl', services: BACKENDS, polling: 'curl every 1 s', polls: sum(checks), cpuMs: sum(healthcheckCpu), extra: `${BACKENDS} processes` },
  ];
  const pluginRows: Row[] = plugins.map(({ setting }, i) => {
    const before = start.plugins[i];
    const after = end.plugins[i];
    if (before === undefined || after === undefined) throw new Error(`no CPU reading for plugin${i}`);
    const infos = after.info - before.info;
    const subscriptions = after.events - before.events;
    return {
      side: setting.label,
      services: setting.services,
      polling: `${setting.events ? 'events + ' : ''}every ${setting.intervalMs >= 60_000 ? `${setting.intervalMs / 60_000} min` : `${setting.intervalMs / 1000} s`}`,
      polls: after.stat - before.stat,
      cpuMs: after.cpu - before.cpu,
      extra: setting.events ? `+${infos} show info, ${subscriptions} show events` : undefined,
    };
  });
  const healthcheckFor = (services: number): Row | undefined => healthcheckRows.find((row) => row.services === services);

  const header = ['side', 'services', 'polling', 'polls', 'CPU ms', 'CPU ms/hour', 'ms/poll', 'healthcheck ÷ this', 'note'];
  const cells = [...healthcheckRows, ...pluginRows].map((row) => {
    const healthcheck = healthcheckFor(row.services);
    const tickMs = 1000 / clockTicksPerSecond;
    const ratio =
      healthcheck === undefined || row.side === healthcheck.side ? '' : row.cpuMs === 0 ? `> ${(healthcheck.cpuMs / tickMs).toFixed(0)}×` : `${(healthcheck.cpuMs / row.cpuMs).toFixed(1)}×`;
    return [row.side, String(row.services), row.polling, String(row.polls), row.cpuMs.toFixed(0), Math.round(perHour(row.cpuMs)).toLocaleString('en-US'), row.polls > 0 ? (row.cpuMs / row.polls).toFixed(2) : '', ratio, row.extra ?? ''];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([1, 3, 4, 5, 6, 7]);
  console.log(`CPU (user + system, reaped children included) over ${windowS.toFixed(1)} s, after ${WARM_UP_MS / 1000} s of warm-up that are not counted; /proc/<pid>/stat counts in ${1000 / clockTicksPerSecond} ms ticks`);
  console.log(`HAProxy: ${BACKENDS} backends × ${SERVERS_PER_BACKEND} servers checked every 1 s, one frontend each; plugin polls counted as show stat connections at a relay in front of its socket`);
  for (const r of [header, ...cells]) console.log(r.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());

  console.log("show events: the plugin's (re)subscriptions in the window. HAProxy ends an idle show events -w after its stats timeout (30 s, as generated), and each new subscription polls once");
  const defaults = pluginRows[0];
  const idle = pluginRows.find((row) => row.side === 'plugin, idle');
  if (defaults !== undefined && idle !== undefined && defaults.polls > 0 && idle.polls === 0) {
    console.log(`the plugin at generate's defaults: ${(idle.cpuMs / windowS).toFixed(2)} ms/s while idle, ${((defaults.cpuMs - idle.cpuMs) / defaults.polls).toFixed(2)} ms per poll on top of that`);
  }
  console.log(`HAProxy itself over the window (its checks, both sides' reads and requests): ${(end.haproxy - start.haproxy).toFixed(0)} ms CPU`);
} finally {
  await lab.close();
}

// --- internal ---

/** Fails with what to install, before anything starts; resolves the python that has Debian's exabgp. */
function checkPrerequisites(): string {
  const runs = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
  const missing: string[] = [];
  if (!existsSync(bundle)) missing.push(`${bundle} is missing: run npm run build (npm run bench:cpu does it first)`);
  if (!runs('haproxy', ['-v'])) missing.push('haproxy is missing: apt-get install -y haproxy');
  if (!runs('curl', ['--version'])) missing.push("curl is missing (the healthcheck's --cmd runs it): apt-get install -y curl");
  const python = ['/usr/bin/python3', 'python3'].find((candidate) => runs(candidate, ['-m', 'exabgp', 'healthcheck', '--help']));
  if (python === undefined) missing.push("ExaBGP's healthcheck is missing (python3 -m exabgp healthcheck): apt-get install -y exabgp");
  if (missing.length > 0 || python === undefined) throw new Error(`bench:cpu cannot run:\n  ${missing.join('\n  ')}`);
  return python;
}

/** 10 backends of 10 servers (all on their app's port), a frontend for each, the ring, an operator socket. */
function haproxyConfig(appPorts: readonly number[]): string {
  const proxies = appPorts.flatMap((port, b) => [
    `frontend fe_${b}`,
    `    bind 127.0.0.1:{{port:fe_${b}}}`,
    `    default_backend be_${b}`,
    '',
    `backend be_${b}`,
    ...Array.from({ length: SERVERS_PER_BACKEND }, (_, s) => `    server srv${s} 127.0.0.1:${port} check inter 1s`),
    '',
  ]);
  return [
    'global',
    '    stats socket {{dir}}/operator.sock mode 600 level operator',
    // As generate writes it: HAProxy ends a quiet show events -w after this, and the plugin re-opens it.
    '    stats timeout 30s',
    `    log ring@${ring} local0 notice`,
    '',
    `ring ${ring}`,
    '    format rfc3164',
    '    maxlen 1200',
    '    size 32764',
    '',
    ...httpDefaults,
    '    log global',
    '',
    ...proxies,
  ].join('\n');
}

/** user + system + reaped children's, in ms (whole process: every thread counts). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after "(comm) ": [0] is field 3 (state), so utime (14) … cstime (17) are [11] … [14].
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((total, i) => total + Number(fields[i]), 0);
  return (ticks * 1000) / clockTicksPerSecond;
}

interface CountingRelay {
  path: string;
  /** Connections by their first command. */
  counts: { stat: number; info: number; events: number; other: number };
}

/**
 * A unix socket that forwards each connection to HAProxy's and counts it by its first command, so
 * a plugin's polls are counted without asking the plugin (its metrics would cost CPU).
 */
async function startCountingRelay(lab: Lab, name: string, target: string): Promise<CountingRelay> {
  const path = lab.path(`${name}.sock`);
  const counts = { stat: 0, info: 0, events: 0, other: 0 };
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    client.once('data', (chunk: Buffer) => {
      const command = chunk.toString('utf8');
      counts[command.startsWith('show stat') ? 'stat' : command.startsWith('show info') ? 'info' : command.startsWith('show events') ? 'events' : 'other'] += 1;
    });
    // HAProxy ends a reply by closing: the pipe passes that end on to the plugin.
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  lab.defer(name, async () => {
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { path, counts };
}

interface ApiProcess {
  name: string;
  pid: number;
  running(): boolean;
  stderr(): string;
  /** The last line it wrote to stdout. */
  lastCommand(): string;
}

/**
 * Starts a program as ExaBGP runs an API process (stdin and stdout pipes, "done" to every line it
 * writes) and resolves once it has announced `announces` routes.
 */
async function startApiProcess(lab: Lab, name: string, command: string, args: string[], announces: number): Promise<ApiProcess> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start ${command}`);
  let running = true;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (running = false));
  lab.adopt(name, pid, async () => {
    if (!running) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  child.stdin.on('error', () => undefined); // EPIPE once it has exited; its stderr says why.
  let partial = '';
  let announced = 0;
  let lastCommand = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      if (line.startsWith('announce ')) announced += 1;
      lastCommand = line;
      child.stdin.write('done\n');
    }
  });
  const api: ApiProcess = { name, pid, running: () => running, stderr: () => stderr, lastCommand: () => lastCommand };
  await waitFor(`${name} to announce ${announces} route(s)`, () => announced >= announces, {
    timeoutMs: 15_000,
    abortIf: () => (running ? undefined : `${name} exited`),
    context: () => `${name} stderr:\n${stderr}`,
  });
  return api;
}
