// Tests of the lab library itself (lab/daemons): the BIRD output parser, the process supervisor,
// and a real ExaBGP → BIRD session driven by a throwaway API process.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exabgpConfig,
  openLab,
  parseBirdRoutes,
  sessionMembers,
  startBackend,
  startBird,
  startExabgp,
  waitFor,
  type Bird,
  type Exabgp,
  type Lab,
} from '../../lab/daemons/index.js';
import { exabgpVersions } from '../../lab/daemons/exabgp.js';

const prefix = '198.18.0.10/32';

describe('parseBirdRoutes', () => {
  // Captured from BIRD 2.0.12: two ExaBGP peers announcing the same prefix.
  const twoPaths = [
    'BIRD 2.0.12 ready.',
    'Table master4:',
    '198.18.0.10/32       unreachable [exa2 23:09:21.626 from 127.0.0.3] * (100) [AS65020i]',
    '\tType: BGP univ',
    '\tBGP.origin: IGP',
    '\tBGP.as_path: 65020',
    '\tBGP.next_hop: 127.0.0.3',
    '\tBGP.med: 50',
    '\tBGP.local_pref: 100',
    '\tBGP.community: (65010,1) (65010,2)',
    '\tBGP.large_community: (65010, 1, 2)',
    '                     unreachable [exa 23:09:09.108 from 127.0.0.1] (100) [AS65010i]',
    '\tType: BGP univ',
    '\tBGP.origin: IGP',
    '\tBGP.as_path: 65010 65010 65010',
    '\tBGP.next_hop: 127.0.0.1',
    '\tBGP.local_pref: 100',
    '',
  ].join('\n');

  it('reads every path of a prefix with its BGP attributes and best marker', () => {
    const [first, second, ...rest] = parseBirdRoutes(twoPaths);
    expect(rest).toEqual([]);
    expect(first).toEqual({
      table: 'master4',
      prefix: '198.18.0.10/32',
      destination: 'unreachable',
      protocol: 'exa2',
      since: '23:09:21.626',
      from: '127.0.0.3',
      best: true,
      preference: 100,
      origin: 'IGP',
      asPath: [65020],
      nextHop: '127.0.0.3',
      med: 50,
      localPref: 100,
      communities: ['65010:1', '65010:2'],
      largeCommunities: ['65010:1:2'],
      attributes: expect.objectContaining({ Type: 'BGP univ', 'BGP.med': '50' }),
    });
    expect(second).toMatchObject({ prefix: '198.18.0.10/32', protocol: 'exa', from: '127.0.0.1', best: false, asPath: [65010, 65010, 65010] });
    expect(second?.med).toBeUndefined();
  });

  it('reads a reachable route with an IGP metric and no peer address', () => {
    const [route] = parseBirdRoutes('Table master4:\n10.0.0.0/24          via 127.0.0.9 on lo [static1 2026-11-28 10:00:00] * (200/0)\n\tType: static univ\n');
    expect(route).toMatchObject({ prefix: '10.0.0.0/24', destination: 'via 127.0.0.9 on lo', protocol: 'static1', since: '2026-11-28 10:00:00', best: true, preference: 200, asPath: [] });
    expect(route?.from).toBeUndefined();
  });

  it('reads an empty answer as no routes', () => {
    expect(parseBirdRoutes('BIRD 2.0.12 ready.\n')).toEqual([]);
  });

  it('fails loudly on a line it does not understand', () => {
    expect(() => parseBirdRoutes('Table master4:\nsomething new\n')).toThrow(/unrecognised line.*something new/);
  });
});

describe('process supervisor', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = openLab('supervisor');
  });
  afterAll(() => lab.close());

  it('puts the last log lines into a timeout error', async () => {
    const child = await lab.spawn({ name: 'chatty', command: 'sh', args: ['-c', 'echo hello-from-stdout; echo hello-from-stderr >&2; exec sleep 600'] });
    await child.waitForOutput(/hello-from-stderr/);
    const failure = child.waitForOutput(/never printed/, { timeoutMs: 200 });
    await expect(failure).rejects.toThrow(/Timed out after 200 ms[\s\S]*hello-from-stdout[\s\S]*hello-from-stderr/);
    await child.stop();
  });

  it('stops waiting as soon as the process exits', async () => {
    const child = await lab.spawn({ name: 'crasher', command: 'sh', args: ['-c', 'echo boom >&2; exit 3'] });
    const started = Date.now();
    await expect(child.waitForOutput(/ready/, { timeoutMs: 10_000 })).rejects.toThrow(/crasher exited \(code 3\)[\s\S]*boom/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const child = await lab.spawn({ name: 'stubborn', command: 'sh', args: ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'] });
    await child.waitForOutput(/ready/);
    expect(await child.stop({ graceMs: 300 })).toEqual({ code: null, signal: 'SIGKILL' });
    expect(sessionMembers(child.pid)).toEqual([]);
  });

  it('kills descendants that moved to their own process group, even after their parent died', async () => {
    // What ExaBGP does with API processes: Popen(preexec_fn=setpgrp). Then the parent crashes.
    const script = "import os, subprocess, sys; p = subprocess.Popen(['sleep', '600'], preexec_fn=os.setpgrp); print(p.pid, flush=True); os._exit(1)";
    const child = await lab.spawn({ name: 'forker', command: 'python3', args: ['-c', script] });
    const [pidText] = await child.waitForOutput(/^\d+/m);
    await child.exited;
    const orphan = Number(pidText);
    expect(sessionMembers(child.pid)).toContain(orphan);
    await child.stop({ graceMs: 1000 });
    expect(sessionMembers(child.pid)).toEqual([]);
  });

  it('leaves nothing behind when the program using the lab gets Ctrl-C or is killed outright', async () => {
    // A separate Node program that uses the library, so it can be signalled like a real user's.
    const entry = lab.path('uses-lab.ts');
    const bundle = lab.path('uses-lab.mjs');
    const library = fileURLToPath(new URL('../../lab/daemons/index.ts', import.meta.url));
    writeFileSync(
      entry,
      [
        `import { openLab } from ${JSON.stringify(library)};`,
        "const lab = openLab('signalled');",
        "const child = await lab.spawn({ name: 'sleeper', command: 'sleep', args: ['600'] });",
        'process.stdout.write(`${child.pid} ${lab.dir}\\n`);',
        'setInterval(() => {}, 1000);',
      ].join('\n'),
    );
    await build({ entryPoints: [entry], outfile: bundle, bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error' });

    for (const signal of ['SIGINT', 'SIGKILL'] as const) {
      // Its lab dir goes inside ours, so even the one SIGKILL leaves behind is removed with ours.
      const program = spawn(process.execPath, [bundle], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: lab.dir } });
      let output = '';
      program.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [sleeperText, dir] = await waitFor(`the program to start its sleeper (before ${signal})`, () => /^\d+ \S+\n/.exec(output)?.[0].trim().split(' '));
      const sleeper = Number(sleeperText);
      expect(sessionMembers(sleeper)).toEqual([sleeper]);
      program.kill(signal);
      await waitFor(`the sleeper to be gone after ${signal}`, () => sessionMembers(sleeper).length === 0, { timeoutMs: 5000 });
      if (signal === 'SIGINT') await waitFor('the lab dir to be removed after SIGINT', () => !existsSync(dir ?? ''), { timeoutMs: 5000 });
    }
  });
});

describe('backend', () => {
  let lab: Lab;
  beforeAll(() => {
    lab = openLab('backend');
  });
  afterAll(() => lab.close());

  it('answers, refuses while stopped, and answers again on the same port', async () => {
    const backend = await startBackend(lab, { name: 's1', body: 'hello from s1' });
    expect(await get(backend.port)).toBe('200 hello from s1');
    await backend.stop();
    await expect(get(backend.port)).rejects.toThrow(/ECONNREFUSED/);
    await backend.start();
    expect(await get(backend.port)).toBe('200 hello from s1');
  });
});

describe.each(exabgpVersions)('ExaBGP %s → BIRD over loopback', (version) => {
  let lab: Lab;
  let bird: Bird;
  let exabgp: Exabgp;

  beforeAll(async () => {
    lab = openLab(`exabgp-${version}-bird`);
    bird = await startBird(lab, { routerId: '127.0.0.2', localAs: 65515, neighbors: [{ name: 'nva', address: '127.0.0.1', as: 65010 }] });
    // A stand-in for the plugin: one announce, then read ExaBGP's acks until stdin closes.
    const apiScript = lab.path('announce-once.mjs');
    writeFileSync(
      apiScript,
      [
        `process.stdout.write('announce route ${prefix} next-hop self as-path [ 65010 65010 65010 ] med 50 community [ 65010:100 ] large-community [ 65010:1:2 ]\\n');`,
        "process.stderr.write('announce-once: sent\\n');",
        "process.stdin.on('data', () => {}).on('end', () => process.exit(0));",
      ].join('\n'),
    );
    exabgp = await startExabgp(lab, {
      version,
      config: exabgpConfig({
        processes: [{ name: 'announcer', run: [process.execPath, apiScript] }],
        neighbors: [
          { peerAddress: bird.address, connectPort: bird.port, localAddress: '127.0.0.1', routerId: '127.0.0.1', localAs: 65010, peerAs: 65515, processes: ['announcer'] },
        ],
      }),
    });
  });
  afterAll(() => lab.close());

  it('is the ExaBGP release asked for', () => {
    expect(exabgp.release).toBe(version === '4.2' ? '4.2.21' : '5.0.13');
  });

  it('establishes the session', async () => {
    await bird.waitForEstablished('nva');
    expect(await bird.protocolState('nva')).toMatchObject({ state: 'up', established: true });
  });

  it('gives BIRD the route exactly as the API process announced it', async () => {
    const [route] = await bird.waitForRoutes(prefix, 'one path', (routes) => routes.length === 1);
    expect(route).toMatchObject({
      prefix,
      protocol: 'nva',
      from: '127.0.0.1',
      nextHop: '127.0.0.1',
      best: true,
      asPath: [65010, 65010, 65010],
      med: 50,
      communities: ['65010:100'],
      largeCommunities: ['65010:1:2'],
    });
  });

  it('passes the API process stderr through to ExaBGP stderr', () => {
    expect(exabgp.process.stderr()).toContain('announce-once: sent');
  });

  it('gets the route again after BIRD restarts the session', async () => {
    const [before] = await bird.showRoutes(prefix);
    await bird.restartProtocol('nva');
    // ExaBGP re-sends its adj-rib-out once it has reconnected; the new path has a new timestamp.
    const [after] = await bird.waitForRoutes(prefix, 'learned again after the restart', (routes) => routes.some((r) => r.since !== before?.since), {
      timeoutMs: 15_000,
    });
    expect(after).toMatchObject({ asPath: [65010, 65010, 65010], best: true });
  });

  it('loses the route when ExaBGP stops', async () => {
    await exabgp.stop();
    await bird.waitForRoutes(prefix, 'withdrawn with the session', (routes) => routes.length === 0, { timeoutMs: 5000 });
    expect((await bird.protocolState('nva')).established).toBe(false);
  });
});

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(`${response.statusCode} ${body}`));
    })
      .on('error', reject)
      .end();
  });
}
