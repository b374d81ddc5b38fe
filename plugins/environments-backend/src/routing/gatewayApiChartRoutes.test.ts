import {
  chartGatewayRoutesFor,
  chartRouteFeatures,
  withFeatureRules,
} from './gatewayApiChartRoutes';
import { GatewayHTTPRoute } from './gatewayApiTypes';

const target = { host: 'shape-a', baseInstance: 'shape-a' };
/** The HTTPRoute `helm create` writes, enabled. */
const chartRoute: GatewayHTTPRoute = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'shape-a', labels: { 'envmesh.io/service': 'shape-a' } },
  spec: {
    parentRefs: [{ name: 'gateway', sectionName: 'http' }],
    hostnames: ['chart-example.local'],
    rules: [
      {
        matches: [{ path: { type: 'PathPrefix', value: '/headers' } }],
        backendRefs: [{ name: 'shape-a', port: 80, weight: 1 }],
      },
    ],
  },
};

describe('withFeatureRules', () => {
  it("puts a copy per feature before the chart's rule: its matches AND the header, to the instance Service", () => {
    const routed = withFeatureRules(chartRoute, target, ['f-2', 'f-1'], {});
    expect(routed.spec.rules).toEqual([
      {
        matches: [
          {
            path: { type: 'PathPrefix', value: '/headers' },
            headers: [{ type: 'Exact', name: 'X-FEATURE-NAME', value: 'f-1' }],
          },
        ],
        backendRefs: [{ name: 'shape-a-f-1', port: 80 }],
      },
      expect.objectContaining({
        backendRefs: [{ name: 'shape-a-f-2', port: 80 }],
      }),
      chartRoute.spec.rules![0],
    ]);
    expect(chartRouteFeatures(routed, 'shape-a')).toEqual(['f-1', 'f-2']);
    // Replacing the set drops the copies it no longer holds; none gives back the chart's rules.
    expect(
      chartRouteFeatures(
        withFeatureRules(routed, target, ['f-2'], {}),
        'shape-a',
      ),
    ).toEqual(['f-2']);
    expect(withFeatureRules(routed, target, [], {}).spec.rules).toEqual(
      chartRoute.spec.rules,
    );
  });

  it("finds a chart's gateway-bound routes to the host, not mesh routes, the driver's or previews", () => {
    const mesh = {
      ...chartRoute,
      spec: {
        ...chartRoute.spec,
        parentRefs: [{ group: '', kind: 'Service', name: 'shape-a' }],
      },
    };
    const preview = {
      ...chartRoute,
      metadata: { name: 'preview', labels: { 'envmesh.io/feature': 'f-1' } },
    };
    const other = {
      ...chartRoute,
      metadata: { name: 'other' },
      spec: {
        ...chartRoute.spec,
        rules: [{ backendRefs: [{ name: 'shape-b', port: 80 }] }],
      },
    };
    expect(
      chartGatewayRoutesFor([chartRoute, mesh, preview, other], target),
    ).toEqual([chartRoute]);
  });
});
