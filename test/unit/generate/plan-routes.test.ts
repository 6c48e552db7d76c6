import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../src/generate/parse-topology.js';
import { planRoutes, type Plan } from '../../../src/generate/plan-routes.js';
import { seedWith, type Change } from './topologies.js';

/** The plan of the seed (northeurope first, then westeurope; AS paths 1 and 3) after `changes`, on nobody's prefix. */
function planOf(...changes: Change[]): Plan {
  return planRoutes(parseTopology(seedWith(['/services/0/prefixes', ['198.18.0.10/32']], ...changes), 'topology.json'));
}

/** The first service's table: one row per situation, each cell the preferred regions joined by "=", or "-" for none. */
function tableOf(plan: Plan): Record<string, string[]> {
  const service = plan.services[0];
  return Object.fromEntries(
    (service?.situations ?? []).map((situation) => [situation.name, situation.choices.map((choice) => choice.regions.join('=') || '-')]),
  );
}

const thirdRegion: Change = [
  '/regions/2',
  { name: 'uksouth', nvas: [{ name: 'nva-uks-1', address: '172.16.116.70', peers: ['10.14.96.4', '10.14.96.5'] }] },
];

describe('planRoutes', () => {
  it('shows each hub, then the ExpressRoute edge, as vantage points of a Virtual WAN', () => {
    expect(planOf().vantagePoints).toEqual(['hub northeurope', 'hub westeurope', 'ExpressRoute edge']);
    expect(planOf(['/regions/0/azure', { hubName: 'hub-ne' }]).vantagePoints[0]).toBe('hub hub-ne');
  });

  it('with one region, sends everything there, and nowhere once it withdraws', () => {
    const plan = planOf(['/regions', [JSON.parse(seedWith()).regions[0]]]);
    expect(tableOf(plan)).toEqual({ normal: ['northeurope', 'northeurope'], 'northeurope down': ['-', '-'] });
    expect(plan.warnings).toEqual([]);
  });

  it.each(['ExpressRoute', 'VpnGateway'])(
    'with hubRoutingPreference %s, lets every hub prefer its own region, and warns that the order of regions cannot hold',
    (preference) => {
      const plan = planOf(['/hubRoutingPreference', preference]);
      expect(tableOf(plan)).toEqual({
        normal: ['northeurope', 'westeurope', 'northeurope'],
        'northeurope down': ['westeurope', 'westeurope', 'westeurope'],
        'westeurope down': ['northeurope', 'northeurope', 'northeurope'],
      });
      expect(plan.services[0]?.situations[0]?.choices.map((choice) => choice.differs)).toEqual([false, true, false]);
      expect(plan.warnings).toEqual([
        `hubRoutingPreference "${preference}": every hub prefers its own region’s route over a remote hub’s, whatever the AS path, ` +
          'so the clients of the hub of westeurope never reach northeurope while their own region is up; set the hubs’ routing preference to ASPath ' +
          '(az network vhub update --hub-routing-preference ASPath) and hubRoutingPreference "ASPath" here',
        'www: 1 of 9 choices differ from the order of regions (marked * in the table)',
      ]);
    },
  );

  it('with ASPath and the default prependStep 2, ties at the secondary’s hub: 65520 65520 makes the primary’s path as long as its own', () => {
    const plan = planOf(['/hubRoutingPreference', 'ASPath']);
    expect(tableOf(plan).normal).toEqual(['northeurope', 'northeurope=westeurope', 'northeurope']);
    expect(plan.warnings[0]).toBe(
      'prependStep 2 does not outweigh the 65520 65520 in front of a remote hub’s route: the hub of westeurope sees its own route with an ' +
        'AS path of 3 against northeurope’s 3, so it has a tie; set prependStep to 3 or more',
    );
  });

  it('with ASPath and prependStep 1, lets the secondary’s hub prefer its own region, and says so', () => {
    const plan = planOf(['/hubRoutingPreference', 'ASPath'], ['/prependStep', 1]);
    expect(tableOf(plan).normal).toEqual(['northeurope', 'westeurope', 'northeurope']);
    expect(plan.warnings[0]).toContain('the hub of westeurope sees its own route with an AS path of 2 against northeurope’s 3, so it prefers its own region');
  });

  it('with ASPath and prependStep 3, follows the order of regions everywhere, in every situation, without a warning', () => {
    const plan = planOf(['/hubRoutingPreference', 'ASPath'], ['/prependStep', 3], thirdRegion);
    expect(tableOf(plan)).toEqual({
      normal: ['northeurope', 'northeurope', 'northeurope', 'northeurope'],
      'northeurope down': ['westeurope', 'westeurope', 'westeurope', 'westeurope'],
      'westeurope down': ['northeurope', 'northeurope', 'northeurope', 'northeurope'],
      'uksouth down': ['northeurope', 'northeurope', 'northeurope', 'northeurope'],
    });
    expect(plan.warnings).toEqual([]);
  });

  it('lets the ExpressRoute edge, which sees every hub, prefer the shortest AS path whatever the hubs prefer', () => {
    const plan = planOf(['/prependStep', 0]);
    expect(tableOf(plan).normal).toEqual(['northeurope', 'westeurope', 'northeurope=westeurope']);
  });

  it('has a region that is down announce its degrade, which still wins where it stays shorter', () => {
    const short = planOf(['/hubRoutingPreference', 'ASPath'], ['/prependStep', 3], ['/services/0/onDown', { asPath: [65010, 65010, 65010] }]);
    expect(tableOf(short)['northeurope down']).toEqual(['northeurope', 'westeurope', 'northeurope']);
    expect(short.warnings).toEqual(['www: 3 of 9 choices differ from the order of regions (marked * in the table)']);
    const long = planOf(['/hubRoutingPreference', 'ASPath'], ['/prependStep', 3], ['/services/0/onDown', { asPath: Array(9).fill(65010) }]);
    expect(tableOf(long)['northeurope down']).toEqual(['westeurope', 'westeurope', 'westeurope']);
    expect(long.warnings).toEqual([]);
  });

  it('on Route Server, shows each Route Server with its own region only, and the ExpressRoute edge with all', () => {
    const plan = planOf(['/platform', 'azure-route-server'], ['/regions/1/azure', { routeServerName: 'rs-we' }]);
    expect(plan.vantagePoints).toEqual(['Route Server northeurope', 'Route Server rs-we', 'ExpressRoute edge']);
    expect(plan).not.toHaveProperty('hubRoutingPreference');
    expect(tableOf(plan)).toEqual({
      normal: ['northeurope', 'westeurope', 'northeurope'],
      'northeurope down': ['-', 'westeurope', 'westeurope'],
      'westeurope down': ['northeurope', '-', 'northeurope'],
    });
    expect(plan.warnings[0]).toMatch(/^each Route Server learns routes only from the NVAs that peer with it/);
  });

  it('with platform "generic", shows one BGP peer that sees every region and prefers the shortest AS path', () => {
    const plan = planOf(['/platform', 'generic']);
    expect(plan.vantagePoints).toEqual(['BGP peers']);
    expect(tableOf(plan)).toEqual({ normal: ['northeurope'], 'northeurope down': ['westeurope'], 'westeurope down': ['northeurope'] });
    expect(plan.warnings).toEqual([]);
  });

  it('warns that the longer of two overlapping prefixes decides, whatever the AS paths', () => {
    const plan = planOf(
      ['/platform', 'generic'],
      ['/services/0/prefixes', ['198.18.0.0/24']],
      ['/services/1', { name: 'api', prefixes: ['198.18.0.10/32'], health: { backends: ['http_back'] } }],
    );
    expect(plan.warnings).toEqual([
      'service api’s 198.18.0.10/32 lies inside service www’s 198.18.0.0/24: the longer prefix wins everywhere, so api’s health alone decides ' +
        'where 198.18.0.10/32 goes; plan shows each service on its own',
    ]);
  });
});
