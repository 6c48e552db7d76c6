import { describe, expect, it } from 'vitest';
import type { PluginStatus } from '../../../src/observe/plugin-status.js';
import { describePreference, fleetExitCode, formatFleet, preferences, type NvaAnswer } from '../../../src/status/fleet.js';
import { route, service, status, withdrawn } from './status-fixtures.js';

const prefix = '198.18.0.100/32';
const www = [{ name: 'www', prefixes: [prefix] }];

function answering(region: string, nva: string, address: string, s: PluginStatus): NvaAnswer {
  return { region, nva, address, answer: { ok: true, status: s } };
}
function announcing(region: string, nva: string, address: string, asPath: number[]): NvaAnswer {
  return answering(region, nva, address, status({ services: [service({ routes: [route({ asPath })] })] }));
}
function down(region: string, nva: string, address: string): NvaAnswer {
  return answering(region, nva, address, status({ services: [service({ verdict: 'down', phase: 'down', routes: [withdrawn(prefix, 'be_app: 0/2 servers up, need ≥ 1')] })] }));
}
function unreachable(region: string, nva: string, address: string): NvaAnswer {
  return { region, nva, address, answer: { ok: false, reason: `cannot reach the plugin at http://${address}:9834/status: connect ECONNREFUSED ${address}:9834` } };
}

describe('preferences: which region the hub should prefer', () => {
  it.each([
    ['the primary\'s single ASN beats the secondary\'s prepend', [announcing('ne', 'nva-ne', '10.0.0.1', [65010]), announcing('we', 'nva-we', '10.0.1.1', [65010, 65010, 65010])], 'ne (nva-ne; AS path length 1)'],
    ['the secondary once the primary withdraws', [down('ne', 'nva-ne', '10.0.0.1'), announcing('we', 'nva-we', '10.0.1.1', [65010, 65010, 65010])], 'we (nva-we; AS path length 3)'],
    ['the secondary when the primary is unreachable', [unreachable('ne', 'nva-ne', '10.0.0.1'), announcing('we', 'nva-we', '10.0.1.1', [65010, 65010, 65010])], 'we (nva-we; AS path length 3)'],
    ['two NVAs of one region: ECMP inside it', [announcing('ne', 'nva-ne1', '10.0.0.1', [65010]), announcing('ne', 'nva-ne2', '10.0.0.2', [65010]), announcing('we', 'nva-we', '10.0.1.1', [65010, 65010, 65010])], 'ne (ECMP across nva-ne1, nva-ne2; AS path length 1)'],
    ['equal paths in two regions: ECMP between them', [announcing('ne', 'nva-ne', '10.0.0.1', [65010]), announcing('we', 'nva-we', '10.0.1.1', [65010])], 'ECMP between ne and we (nva-ne, nva-we; AS path length 1)'],
    ['no as-path given counts as ExaBGP\'s [local-as], one hop', [announcing('ne', 'nva-ne', '10.0.0.1', []), announcing('we', 'nva-we', '10.0.1.1', [65010, 65010])], 'ne (nva-ne; AS path length 1)'],
    ['nobody announces', [down('ne', 'nva-ne', '10.0.0.1'), unreachable('we', 'nva-we', '10.0.1.1')], 'no NVA announces it; the hub has no route from this fleet'],
  ])('%s', (_what, answers, preferred) => {
    const [preference] = preferences('www', [prefix], answers);
    expect(preference && describePreference(preference)).toBe(`${prefix}: ${preferred}`);
  });

  it('counts only what ExaBGP acknowledged: a pending or rejected route may not be at the hub', () => {
    const pending = answering('ne', 'nva-ne', '10.0.0.1', status({ services: [service({ routes: [route({ state: 'pending' })] })] }));
    const rejected = answering('ne', 'nva-ne2', '10.0.0.2', status({ services: [service({ routes: [route({ state: 'rejected' })] })] }));
    const [preference] = preferences('www', [prefix], [pending, rejected, announcing('we', 'nva-we', '10.0.1.1', [65010, 65010, 65010])]);
    expect(preference?.best).toEqual([{ region: 'we', nva: 'nva-we' }]);
  });
});

describe('formatFleet', () => {
  it('lists every NVA in region order with what it announces, unreachable ones included, then the preference', () => {
    const answers = [down('northeurope', 'nva-ne', '198.18.1.2'), announcing('westeurope', 'nva-we', '198.18.1.6', [65010, 65010, 65010]), unreachable('westeurope', 'nva-we2', '198.18.1.7')];
    expect(formatFleet(www, answers)).toBe(
      [
        'service www',
        'REGION       NVA      ADDRESS     VERDICT  PREFIX           ANNOUNCES',
        'northeurope  nva-ne   198.18.1.2  down     198.18.0.100/32  withdrawn',
        'westeurope   nva-we   198.18.1.6  up       198.18.0.100/32  as-path [ 65010 65010 65010 ]',
        'westeurope   nva-we2  198.18.1.7                            unreachable: cannot reach the plugin at http://198.18.1.7:9834/status: connect ECONNREFUSED 198.18.1.7:9834',
        '  hub should prefer 198.18.0.100/32: westeurope (nva-we; AS path length 3)',
        '',
      ].join('\n'),
    );
  });

  it('shows a service the topology lacks but an NVA runs, and an NVA whose config lacks a topology service', () => {
    const drifted = answering('ne', 'nva-ne', '10.0.0.1', status({ services: [service({ name: 'old', routes: [route({ prefix: '198.18.0.9/32' })] })] }));
    const text = formatFleet(www, [drifted]);
    expect(text).toContain("service www\nREGION  NVA     ADDRESS   VERDICT  PREFIX  ANNOUNCES\nne      nva-ne  10.0.0.1                   not in this NVA's config\n");
    expect(text).toContain('service old\n');
    expect(text).toContain('ne      nva-ne  10.0.0.1  up       198.18.0.9/32  as-path [ 65010 ]');
  });
});

describe('fleetExitCode', () => {
  it.each([
    ['every NVA up and announced', [announcing('ne', 'a', '10.0.0.1', [65010]), announcing('we', 'b', '10.0.1.1', [65010, 65010])], 0],
    ['one NVA down (the fleet still serves, but not all is well)', [down('ne', 'a', '10.0.0.1'), announcing('we', 'b', '10.0.1.1', [65010, 65010])], 1],
    ['one NVA unreachable', [unreachable('ne', 'a', '10.0.0.1'), announcing('we', 'b', '10.0.1.1', [65010, 65010])], 1],
    ['no NVA answered', [unreachable('ne', 'a', '10.0.0.1'), unreachable('we', 'b', '10.0.1.1')], 2],
    ['an empty topology answers nothing', [], 2],
  ] as const)('%s → %i', (_what, answers, code) => {
    expect(fleetExitCode([...answers])).toBe(code);
  });
});
