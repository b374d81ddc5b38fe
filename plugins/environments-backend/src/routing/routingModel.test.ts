import { baggageRegex } from './featureMatch';
import {
  assertFeatureName,
  computeDestinationRule,
  computeVirtualService,
  featureSubsets,
  routedFeatures,
} from './routingModel';
import { VirtualService } from './types';

const target = { host: 'demo-api', baseInstance: 'demo-api' };

describe('routing model', () => {
  it('matches the design example: X-FEATURE-NAME exact feature-31337 → subset feature-31337, default last', () => {
    const features = ['feature-31337'];
    expect(computeDestinationRule({ ...target, features })).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'demo-api' },
      spec: {
        host: 'demo-api',
        subsets: [
          {
            name: 'default',
            labels: { 'app.kubernetes.io/instance': 'demo-api' },
          },
          {
            name: 'feature-31337',
            labels: { 'app.kubernetes.io/instance': 'demo-api.feature-31337' },
          },
        ],
      },
    });
    expect(computeVirtualService({ ...target, features })).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'demo-api' },
      spec: {
        hosts: ['demo-api'],
        http: [
          {
            name: 'envmesh-feature-31337',
            match: [
              { headers: { 'x-feature-name': { exact: 'feature-31337' } } },
            ],
            route: [
              { destination: { host: 'demo-api', subset: 'feature-31337' } },
            ],
          },
          {
            name: 'default',
            route: [{ destination: { host: 'demo-api', subset: 'default' } }],
          },
        ],
      },
    });
  });

  it('orders routes and subsets deterministically, whatever the input order', () => {
    const a = computeVirtualService({
      ...target,
      features: ['f-b', 'f-c', 'f-a'],
    });
    const b = computeVirtualService({
      ...target,
      features: ['f-c', 'f-a', 'f-b', 'f-a'],
    });
    expect(a).toEqual(b);
    expect(a.spec.http!.map(r => r.name)).toEqual([
      'envmesh-f-a',
      'envmesh-f-b',
      'envmesh-f-c',
      'default',
    ]);
    expect(
      computeDestinationRule({
        ...target,
        features: ['f-b', 'f-a'],
      }).spec.subsets!.map(s => s.name),
    ).toEqual(['default', 'f-a', 'f-b']);
  });

  it('lower-cases a configured header and uses the service name in instance labels', () => {
    const input = {
      host: 'api-svc',
      baseInstance: 'release-1',
      service: 'demo-api',
      features: ['f1'],
      headerName: 'X-Branch',
    };
    expect(computeVirtualService(input).spec.http![0].match).toEqual([
      { headers: { 'x-branch': { exact: 'f1' } } },
    ]);
    expect(computeDestinationRule(input).spec.subsets).toEqual([
      {
        name: 'default',
        labels: { 'app.kubernetes.io/instance': 'release-1' },
      },
      { name: 'f1', labels: { 'app.kubernetes.io/instance': 'demo-api.f1' } },
    ]);
  });

  it('adds a baggage match block when enabled', () => {
    const vs = computeVirtualService({
      ...target,
      features: ['feature-31337'],
      baggage: true,
    });
    expect(vs.spec.http![0].match).toEqual([
      { headers: { 'x-feature-name': { exact: 'feature-31337' } } },
      {
        headers: {
          baggage: {
            regex:
              '^(.*,)?[ \\t]*x-feature-name[ \\t]*=[ \\t]*feature-31337[ \\t]*(;[^,]*)?(,.*)?$',
          },
        },
      },
    ]);
  });

  it.each([
    ['x-feature-name=feature-31337', true],
    ['userId=1,x-feature-name=feature-31337', true],
    ['userId=1, x-feature-name = feature-31337 ;prop=1, other=2', true],
    ['x-feature-name=feature-31337;ttl=3,a=b', true],
    ['x-feature-name=feature-313370', false],
    ['x-feature-name=feature-3133', false],
    ['other-x-feature-name=feature-31337', false],
    ['a=x-feature-name=feature-31337', false],
    ['userId=1;x-feature-name=feature-31337', false],
  ])('baggage %j matches: %s', (header, matches) => {
    expect(
      new RegExp(baggageRegex('x-feature-name', 'feature-31337')).test(header),
    ).toBe(matches);
  });

  describe('with a chart-owned VirtualService', () => {
    const chart: VirtualService = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'demo-api-routes', namespace: 'dev-1' },
      spec: {
        hosts: ['demo-api'],
        gateways: ['mesh'],
        http: [
          {
            name: 'legacy',
            match: [{ uri: { prefix: '/legacy' } }],
            route: [{ destination: { host: 'legacy-svc' } }],
          },
          {
            name: 'api',
            match: [{ uri: { prefix: '/api' } }, { uri: { prefix: '/v2' } }],
            rewrite: { uri: '/' },
            timeout: '5s',
            retries: { attempts: 3 },
            mirror: { host: 'shadow' },
            route: [
              {
                destination: {
                  host: 'demo-api.dev-1.svc.cluster.local',
                  port: { number: 8080 },
                },
                weight: 90,
              },
              { destination: { host: 'canary' }, weight: 10 },
            ],
          },
          {
            name: 'rest',
            route: [
              { destination: { host: 'demo-api', port: { number: 8080 } } },
            ],
          },
        ],
      },
    };
    const input = { ...target, namespace: 'dev-1', virtualService: chart };

    it('inserts feature routes derived from each route to the host, before it, keeping its fields', () => {
      const vs = computeVirtualService({ ...input, features: ['f-b', 'f-a'] });
      expect(vs.metadata).toEqual({
        name: 'demo-api-routes',
        namespace: 'dev-1',
      });
      expect(vs.spec.gateways).toEqual(['mesh']);
      expect(vs.spec.http!.map(r => r.name)).toEqual([
        'legacy',
        'envmesh-f-a',
        'envmesh-f-b',
        'api',
        'envmesh-f-a.1',
        'envmesh-f-b.1',
        'rest',
      ]);
      expect(vs.spec.http![0]).toEqual(chart.spec.http![0]);
      expect(vs.spec.http![1]).toEqual({
        name: 'envmesh-f-a',
        match: [
          {
            uri: { prefix: '/api' },
            headers: { 'x-feature-name': { exact: 'f-a' } },
          },
          {
            uri: { prefix: '/v2' },
            headers: { 'x-feature-name': { exact: 'f-a' } },
          },
        ],
        rewrite: { uri: '/' },
        timeout: '5s',
        retries: { attempts: 3 },
        route: [
          {
            destination: {
              host: 'demo-api.dev-1.svc.cluster.local',
              port: { number: 8080 },
              subset: 'f-a',
            },
          },
        ],
      });
      // The chart's own routes to the host go to the base instance.
      expect(vs.spec.http![3].route).toEqual([
        {
          destination: {
            host: 'demo-api.dev-1.svc.cluster.local',
            port: { number: 8080 },
            subset: 'default',
          },
          weight: 90,
        },
        { destination: { host: 'canary' }, weight: 10 },
      ]);
      expect(vs.spec.http![4]).toEqual({
        name: 'envmesh-f-a.1',
        match: [{ headers: { 'x-feature-name': { exact: 'f-a' } } }],
        route: [
          {
            destination: {
              host: 'demo-api',
              port: { number: 8080 },
              subset: 'f-a',
            },
          },
        ],
      });
      expect(vs.spec.http![6].route![0].destination.subset).toBe('default');
    });

    it('recomputes from its own output: idempotent, and a removed feature loses all its routes', () => {
      const once = computeVirtualService({
        ...input,
        features: ['f-a', 'f-b'],
      });
      expect(
        computeVirtualService({
          ...input,
          virtualService: once,
          features: ['f-a', 'f-b'],
        }),
      ).toEqual(once);
      const without = computeVirtualService({
        ...input,
        virtualService: once,
        features: ['f-b'],
      });
      expect(routedFeatures(without)).toEqual(new Set(['f-b']));
      expect(without.spec.http!.map(r => r.name)).toEqual([
        'legacy',
        'envmesh-f-b',
        'api',
        'envmesh-f-b.1',
        'rest',
      ]);
    });
  });

  it('reads the feature sets back from the objects', () => {
    const features = ['f-1', 'f-2'];
    expect(
      featureSubsets(computeDestinationRule({ ...target, features })),
    ).toEqual(new Set(features));
    expect(
      routedFeatures(computeVirtualService({ ...target, features })),
    ).toEqual(new Set(features));
  });

  it('rejects feature names that cannot be subsets or labels', () => {
    expect(() => assertFeatureName('feature-31337', target)).not.toThrow();
    expect(() => assertFeatureName('default', target)).toThrow(/default/);
    expect(() => assertFeatureName('Feature_1', target)).toThrow(/DNS-1123/);
    expect(() => assertFeatureName('f'.repeat(60), target)).toThrow(/63/);
  });
});
