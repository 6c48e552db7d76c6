// Fault matrix case 10: a region configured to degrade (onDown: a longer AS path) instead of withdrawing.
// The hub must keep the degraded path as a non-best one, and the client's traffic must go to the other region.
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../lab/exec.js';
import { Lab } from '../../lab/lab.js';
import { hubKernelRoute, namespacesAvailable } from '../../lab/netns.js';

const canRun = process.getuid?.() === 0 && (await namespacesAvailable());
const REPO = join(import.meta.dirname, '..', '..');
const DEGRADED = [65010, 65010, 65010, 65010, 65010];
const WITHDRAW_AFTER_MS = 3000;

describe.skipIf(!canRun)('fault matrix 10: a degraded region (onDown with a longer AS path)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start({
      repoRoot: REPO,
      intervalMs: 200,
      rise: 2,
      fall: 2,
      haproxy: { inter: 200, fall: 2, rise: 2 },
      patchTopology: (t) => {
        const svc = t.services[0] as Record<string, unknown>;
        svc.onDown = { asPath: DEGRADED, withdrawAfterMs: WITHDRAW_AFTER_MS };
      },
    });
  }, 90_000);
  afterAll(async () => {
    await lab?.stop();
  }, 60_000);

  const nePath = async () => (await lab.hub.routes()).find((r) => r.nextHop === '198.18.1.2');

  it('primary down → the hub keeps it as a non-best path with the longer AS path; traffic goes to westeurope', async () => {
    expect(await lab.waitBest('northeurope', 15_000)).toBeDefined();
    expect((await nePath())?.asPath).toEqual([65010]);
    const tKill = Date.now();
    await lab.primary.killBackends();
    expect(await lab.waitBest('westeurope', 5000)).toBeDefined();
    const p = await nePath();
    expect(p, 'northeurope still has a path at the hub').toBeDefined();
    expect(p?.asPath).toEqual(DEGRADED);
    expect(p?.best).toBe(false);
    expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.6');
    const c = lab.startClient(600, { periodMs: 20, timeoutMs: 400 });
    await c.proc.exited;
    const a = c.byRegion();
    expect(a['westeurope']).toBeGreaterThan(0);
    expect(a['northeurope']).toBeUndefined();
    // withdrawAfterMs: degraded for that long, then withdrawn.
    const tGone = await lab.waitPresent('northeurope', false, WITHDRAW_AFTER_MS + 5000);
    expect(tGone).toBeDefined();
    expect((tGone as number) - tKill).toBeGreaterThanOrEqual(WITHDRAW_AFTER_MS);
  });

  it('primary back → announced with its own AS path and best again', async () => {
    await lab.primary.restoreBackends();
    expect(await lab.waitBest('northeurope', 10_000)).toBeDefined();
    expect((await nePath())?.asPath).toEqual([65010]);
    expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.2');
  });

  it('maintenance file with a degrade policy → northeurope is no longer best; removed → best again', async () => {
    const file = lab.etcPath(lab.primary, 'maintenance');
    writeFileSync(file, 'maintenance\n');
    expect(await lab.waitBest('westeurope', 5000)).toBeDefined();
    // Degraded as configured (the same onDown attributes), not preferred any more.
    const p = await nePath();
    expect(p?.asPath).toEqual(DEGRADED);
    expect(p?.best).toBe(false);
    await sleep(300);
    rmSync(file);
    expect(await lab.waitBest('northeurope', 10_000)).toBeDefined();
  });
});
