import { planBatch } from './batchPlan';
import {
  computeDestinationRule,
  computeVirtualService,
  featureSubsets,
  routedFeatures,
} from './routingModel';

const target = { host: 'demo-api', baseInstance: 'demo-api' };
const live = (subsets: string[], routes: string[]) => ({
  destinationRule: computeDestinationRule({ ...target, features: subsets }),
  virtualServices: [computeVirtualService({ ...target, features: routes })],
});

describe('planBatch', () => {
  it('coalesces many changes into one write per object, make before break', () => {
    const plan = planBatch({
      target,
      match: {},
      ...live(['a', 'b'], ['a', 'b']),
      changes: [
        { set: 'subsets', add: ['c'] },
        { set: 'subsets', add: ['d'] },
        { set: 'routes', add: ['c'] },
        { set: 'routes', remove: ['a'] },
        { set: 'subsets', remove: ['b'] },
      ],
    });
    expect(plan.errors).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      // b is still routed: its subset stays.
      expect.objectContaining({
        violations: [
          expect.objectContaining({ code: 'missing-subset', subset: 'b' }),
        ],
      }),
    ]);
    expect(featureSubsets(plan.make)).toEqual(new Set(['a', 'b', 'c', 'd']));
    expect(routedFeatures(plan.virtualService)).toEqual(new Set(['b', 'c']));
    expect(plan.break).toBeUndefined();
  });

  it('refuses a route whose subset is not in the DR, and writes nothing for it', () => {
    const plan = planBatch({
      target,
      match: {},
      ...live(['a'], ['a']),
      changes: [{ set: 'routes', add: ['x'] }],
    });
    expect(plan.errors[0]?.violations).toEqual([
      expect.objectContaining({ code: 'missing-subset', subset: 'x' }),
    ]);
    expect(plan).toMatchObject({
      make: undefined,
      virtualService: undefined,
      break: undefined,
    });
  });

  it('removes a subset once its route is gone', () => {
    const plan = planBatch({
      target,
      match: {},
      ...live(['a', 'b'], ['b']),
      changes: [{ set: 'subsets', remove: ['a'] }],
    });
    expect(plan.errors).toEqual([undefined]);
    expect(featureSubsets(plan.break)).toEqual(new Set(['b']));
  });

  it("names a generated VS apart from a chart's gateway VS that took the host's name", () => {
    const gatewayVs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'demo-api', namespace: 'demo' },
      spec: {
        hosts: ['demo.net'],
        gateways: ['demo-gateway'],
        http: [{ route: [{ destination: { host: 'demo-api' } }] }],
      },
    };
    const plan = planBatch({
      target,
      match: {},
      destinationRule: computeDestinationRule({ ...target, features: ['a'] }),
      virtualServices: [gatewayVs],
      changes: [{ set: 'routes', add: ['a'] }],
    });
    expect(plan.errors).toEqual([undefined]);
    expect(plan.virtualService?.metadata?.name).toBe('demo-api-mesh');
    expect(plan.virtualService?.spec.hosts).toEqual(['demo-api']);
  });

  it('pins requests without the header to default as soon as the first subset is made, before any route', () => {
    const plan = planBatch({
      target,
      match: {},
      virtualServices: [],
      changes: [{ set: 'subsets', add: ['a'] }],
    });
    expect(plan.errors).toEqual([undefined]);
    expect(featureSubsets(plan.make)).toEqual(new Set(['a']));
    expect(plan.virtualService?.spec.http).toEqual([
      {
        name: 'default',
        route: [{ destination: { host: 'demo-api', subset: 'default' } }],
      },
    ]);
  });

  it('routes and pins a gateway-bound VS of the chart to the host, and leaves the preview hosts alone', () => {
    const gatewayVs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'demo-public' },
      spec: {
        hosts: ['demo.net'],
        gateways: ['demo-gateway'],
        http: [
          { name: 'static', route: [{ destination: { host: 'cdn' } }] },
          {
            name: 'public',
            match: [{ uri: { prefix: '/api' } }],
            route: [
              { destination: { host: 'demo-api', port: { number: 80 } } },
            ],
          },
        ],
      },
    };
    const preview = {
      ...gatewayVs,
      metadata: {
        name: 'envmesh-preview-a',
        labels: { 'envmesh.io/feature': 'a' },
      },
    };
    const plan = planBatch({
      target,
      match: {},
      ...live(['a'], []),
      virtualServices: [
        computeVirtualService({ ...target, features: [] }),
        gatewayVs,
        preview,
      ],
      changes: [{ set: 'routes', add: ['a'] }],
    });
    expect(plan.errors).toEqual([undefined]);
    expect(plan.gatewayVirtualServices).toHaveLength(1);
    const [written] = plan.gatewayVirtualServices;
    expect(written.metadata?.name).toBe('demo-public');
    expect(written.spec.http).toEqual([
      { name: 'static', route: [{ destination: { host: 'cdn' } }] },
      {
        name: 'envmesh-a',
        match: [
          {
            uri: { prefix: '/api' },
            headers: { 'x-feature-name': { exact: 'a' } },
          },
        ],
        route: [
          {
            destination: {
              host: 'demo-api',
              port: { number: 80 },
              subset: 'a',
            },
          },
        ],
      },
      {
        name: 'public',
        match: [{ uri: { prefix: '/api' } }],
        route: [
          {
            destination: {
              host: 'demo-api',
              port: { number: 80 },
              subset: 'default',
            },
          },
        ],
      },
    ]);
  });

  it('in service mode routes to the instance Service, only once it exists, and writes no DR', () => {
    const serviceTarget = { ...target, mode: 'service' as const };
    const refused = planBatch({
      target: serviceTarget,
      match: {},
      virtualServices: [],
      services: new Set(['demo-api']),
      changes: [
        { set: 'subsets', add: ['a'] },
        { set: 'routes', add: ['a'] },
      ],
    });
    expect(refused.errors[1]?.violations).toEqual([
      expect.objectContaining({
        code: 'missing-backend',
        backend: 'demo-api-a',
      }),
    ]);
    expect(refused.make).toBeUndefined();
    expect(refused.virtualService).toBeUndefined();

    const routed = planBatch({
      target: serviceTarget,
      match: {},
      virtualServices: [],
      services: new Set(['demo-api', 'demo-api-a']),
      changes: [{ set: 'routes', add: ['a'] }],
    });
    expect(routed.errors).toEqual([undefined]);
    expect(routed.make).toBeUndefined();
    expect(routed.virtualService?.spec.http).toEqual([
      {
        name: 'envmesh-a',
        match: [{ headers: { 'x-feature-name': { exact: 'a' } } }],
        route: [{ destination: { host: 'demo-api-a' } }],
      },
      { name: 'default', route: [{ destination: { host: 'demo-api' } }] },
    ]);
    expect(routedFeatures(routed.virtualService)).toEqual(new Set(['a']));
  });

  describe('with the pods behind the host', () => {
    const pod = (
      name: string,
      instance: string,
      ready = true,
      feature?: string,
    ) => ({
      name,
      ready,
      labels: {
        'app.kubernetes.io/instance': instance,
        'envmesh.io/service': 'demo-api',
        ...(feature ? { 'envmesh.io/feature': feature } : {}),
      },
    });
    const base = pod('demo-api-1', 'demo-api');

    it('routes to a subset only once one of its pods is ready, and keeps a routed one that went down', () => {
      const unready = planBatch({
        target,
        match: {},
        ...live(['a', 'b'], ['a']),
        pods: [
          base,
          pod('a-1', 'demo-api.a', false, 'a'),
          pod('b-1', 'demo-api.b', false, 'b'),
        ],
        changes: [{ set: 'routes', add: ['b'] }],
      });
      expect(unready.errors[0]?.violations).toEqual([
        expect.objectContaining({ code: 'subset-not-ready', subset: 'b' }),
      ]);
      expect(unready.errors[0]?.message).toMatch(
        /subset b of demo-api: none of its pods is ready/,
      );
      expect(unready.virtualService).toBeUndefined();

      const ready = planBatch({
        target,
        match: {},
        ...live(['a', 'b'], ['a']),
        pods: [
          base,
          pod('a-1', 'demo-api.a', false, 'a'),
          pod('b-1', 'demo-api.b', true, 'b'),
        ],
        changes: [{ set: 'routes', add: ['b'] }],
      });
      expect(ready.errors).toEqual([undefined]);
      expect(routedFeatures(ready.virtualService)).toEqual(new Set(['a', 'b']));
    });

    it('adds nothing while the default subset does not select exactly the base pods, but still removes', () => {
      const leaking = [base, pod('a-1', 'demo-api', true, 'a')];
      const plan = planBatch({
        target,
        match: {},
        ...live(['a'], ['a']),
        pods: leaking,
        changes: [
          { set: 'subsets', add: ['b'] },
          { set: 'routes', remove: ['a'] },
        ],
      });
      expect(plan.errors[0]?.violations).toEqual([
        expect.objectContaining({
          code: 'default-not-base',
          message: expect.stringMatching(
            /subset default of demo-api .* selects feature pod\(s\) a-1/,
          ),
        }),
      ]);
      expect(plan.errors[1]).toBeUndefined();
      expect(plan.make).toBeUndefined();
      expect(routedFeatures(plan.virtualService)).toEqual(new Set());

      const missed = planBatch({
        target,
        match: {},
        ...live([], []),
        pods: [base, pod('demo-api-2', 'demo-api-main')],
        changes: [{ set: 'subsets', add: ['a'] }],
      });
      expect(missed.errors[0]?.message).toMatch(
        /misses base pod\(s\) demo-api-2/,
      );
      expect(missed.make).toBeUndefined();
    });

    it('in service mode adds nothing while the base Service selects a feature pod', () => {
      const plan = planBatch({
        target: { ...target, mode: 'service' as const },
        match: {},
        virtualServices: [],
        services: new Set(['demo-api', 'demo-api-a']),
        // A feature pod that carries the base instance label, which the base Service selects on.
        pods: [base, pod('a-1', 'demo-api', true, 'a')],
        changes: [{ set: 'routes', add: ['a'] }],
      });
      expect(plan.errors[0]?.message).toMatch(
        /Service demo-api selects feature pod\(s\) a-1/,
      );
      expect(plan.virtualService).toBeUndefined();
    });
  });
});
