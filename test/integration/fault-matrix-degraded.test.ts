// Fault matrix case 10: a region configured to degrade (onDown: a longer AS path) instead of withdrawing.
// The hub must keep the degraded path as a non-best one, and the client's traffic must go to the other region.
// Every case starts from the same steady state (beforeEach), so any case runs alone or in any order.
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { assertSteady, waitFor } from '../../lab/daemons/index.js';
import { Lab } from '../../lab/lab.js';
import { hubKernelRoute } from '../../lab/netns.js';
import { describeWithNamespaces } from '../support/namespace-lab.js';

const REPO = join(import.meta.dirname, '..', '..');
const DEGRADED = [65010, 65010, 65010, 65010, 65010];
const WITHDRAW_AFTER_MS = 3000;

describeWithNamespaces('fault matrix 10: a degraded region (onDown with a longer AS path)', () => {
  let lab: Lab;
  beforeAll(async () => {
    // The plugin at generate's defaults (events, intervalMs 1000, rise 1, fall 1, onStatsError hold), HAProxy checking
    // every 200 ms, as in fault-matrix.test.ts.
    lab = await Lab.start({
      repoRoot: REPO,
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

  // Whatever an earlier case left: backends running, no maintenance file, northeurope best with its own AS path.
  beforeEach(async () => {
    await lab.primary.restoreBackends();
    rmSync(maintenanceFile(), { force: true });
    expect(await lab.waitBest('northeurope', 15_000)).toBeDefined();
    await waitFor('northeurope announced with its own AS path', async () => (await nePath())?.asPath.join(' ') === '65010');
  }, 30_000);

  const nePath = async () => (await lab.hub.routes()).find((r) => r.nextHop === '198.18.1.2');
  const maintenanceFile = () => lab.etcPath(lab.primary, 'maintenance');

  it('primary down → the hub keeps it as a non-best path with the longer AS path; traffic goes to westeurope', async () => {
    const tKill = Date.now();
    await lab.primary.killBackends();
    expect(await lab.waitBest('westeurope', 5000)).toBeDefined();
    const p = await nePath();
    expect(p, 'northeurope still has a path at the hub').toBeDefined();
    expect(p?.asPath).toEqual(DEGRADED);
    expect(p?.best).toBe(false);
    expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.6');
    const c = await lab.startClient(600, { periodMs: 20, timeoutMs: 400 });
    await c.finished();
    const a = c.byRegion();
    expect(a['westeurope']).toBeGreaterThan(0);
    expect(a['northeurope']).toBeUndefined();
    // withdrawAfterMs: degraded for that long, then withdrawn.
    const tGone = await lab.waitPresent('northeurope', false, WITHDRAW_AFTER_MS + 5000);
    expect(tGone).toBeDefined();
    expect((tGone as number) - tKill).toBeGreaterThanOrEqual(WITHDRAW_AFTER_MS);
  });

  it('primary back → announced with its own AS path and best again', async () => {
    await lab.primary.killBackends();
    expect(await lab.waitBest('westeurope', 5000)).toBeDefined();
    await lab.primary.restoreBackends();
    expect(await lab.waitBest('northeurope', 10_000)).toBeDefined();
    expect((await nePath())?.asPath).toEqual([65010]);
    expect(await hubKernelRoute(lab.topo)).toBe('198.18.1.2');
  });

  it('maintenance file with a degrade policy → northeurope is no longer best; removed → best again', async () => {
    writeFileSync(maintenanceFile(), 'maintenance\n');
    expect(await lab.waitBest('westeurope', 5000)).toBeDefined();
    // Degraded as configured (the same onDown attributes), not preferred any more, for as long as the file is there.
    await assertSteady('northeurope degraded and not best while in maintenance', async () => {
      const p = await nePath();
      return p?.asPath.join(' ') === DEGRADED.join(' ') && !p.best;
    }, { durationMs: 300 });
    rmSync(maintenanceFile());
    expect(await lab.waitBest('northeurope', 10_000)).toBeDefined();
  });
});
