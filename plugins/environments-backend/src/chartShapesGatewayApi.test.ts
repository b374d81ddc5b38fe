import fs from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  CHART_SHAPE_SERVICES,
  SHAPE_C_HOST,
  makeChartShapesRepo,
} from './__testUtils__/chartShapes';
import {
  ApiCall,
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';
import { hostOf, liveObjects, podsOf } from './__testUtils__/liveRouting';
import { DynamicClient } from './apply';
import { RouteTraceObjects, podsBehind, traceRequest } from './routing';

const ENV = 'shapes-gateway-api';
const FEATURE = 'f-gamma';
const FEATURED = ['shape-a', 'shape-b1', 'shape-c', 'shape-d'];
const HEADER = { 'X-FEATURE-NAME': FEATURE };
/** The same feature named only by a W3C baggage member (`features.routing.baggage` is on here). */
const BAGGAGE = { baggage: `userId=alice,x-feature-name=${FEATURE};ttl=60` };
const SHAPE_A_HOST = 'shape-a.demo.net';

const core = testKubeConfig().makeApiClient(CoreV1Api);
const pods = (objects: RouteTraceObjects, service: string) =>
  podsOf(objects, service, FEATURE);
/** A request to shape-a's public host through the gateway, on the path its chart routes. */
const viaShapeAGateway = (
  objects: RouteTraceObjects,
  headers?: Record<string, string>,
) =>
  traceRequest(
    { host: SHAPE_A_HOST, gateway: true, path: '/headers', headers },
    objects,
  );

// The same charts with `environments.features.routing.driver: gateway-api`: mesh routes are HTTPRoutes
// attached to the base Services (GAMMA), each feature instance has Services of its own. Baggage routing is on:
// routes also match the feature's W3C baggage member, and the preview host adds it.
describe('feature instances of charts as users write them (gateway-api driver)', () => {
  let call: ApiCall;
  let stop: () => Promise<void>;
  let repo: string;

  beforeAll(async () => {
    repo = await makeChartShapesRepo();
    ({ call, stop } = await startImportedBackend(repo, {
      rollout: { readyTimeoutSeconds: 90 },
      features: { routing: { driver: 'gateway-api', baggage: true } },
    }));
    const created = await call('post', '/environments', {
      name: ENV,
      cluster: 'local',
      owner: 'group:default/platform-team',
      previewDomain: 'demo.net',
      previewService: 'shape-a',
      resources: {
        gateways: [
          { name: 'demo-gateway', hosts: [SHAPE_C_HOST, SHAPE_A_HOST] },
        ],
      },
      // shape-a's chart routes its public host with the HTTPRoute `helm create` wrote for it.
      services: CHART_SHAPE_SERVICES.map(name =>
        name === 'shape-a'
          ? {
              name,
              values: {
                httpRoute: {
                  enabled: true,
                  parentRefs: [{ name: 'demo-gateway' }],
                  hostnames: [SHAPE_A_HOST],
                },
              },
            }
          : { name },
      ),
    });
    if (created.status !== 202) {
      throw new Error(`create failed: ${JSON.stringify(created.body)}`);
    }
    const rollout = await waitForOperation(call, created.body.id, 180_000);
    if (rollout.state !== 'succeeded') {
      throw new Error(
        `${ENV} did not roll out: ${JSON.stringify(
          rollout.error ?? created.body,
        )}`,
      );
    }
  });

  afterAll(async () => {
    await stop?.();
    await core.deleteNamespace({ name: ENV }).catch(() => undefined);
    if (repo) await fs.rm(repo, { recursive: true, force: true });
  });

  it('deploys a feature over every chart shape and routes only header requests to it, whoever calls', async () => {
    const res = await call('post', '/features', {
      name: FEATURE,
      environment: ENV,
      instances: FEATURED.map(service => ({ service })),
    });
    expect(res.status).toBe(202);
    const operation = await waitForOperation(
      call,
      res.body.operation.id,
      180_000,
    );
    expect({ state: operation.state, error: operation.error }).toEqual({
      state: 'succeeded',
      error: undefined,
    });

    const objects = await liveObjects(ENV);
    for (const service of FEATURED) {
      const { base, feature } = pods(objects, service);
      expect({ service, base: base.length, feature: feature.length }).toEqual({
        service,
        base: 1,
        feature: 1,
      });
      const host = hostOf(objects, service);
      // The base Service itself selects the base pods only: clients outside the mesh are safe too.
      expect({
        service,
        endpoints: podsBehind({ host }, objects).pods,
      }).toEqual({ service, endpoints: base });
      const plain = traceRequest({ host }, objects);
      expect({ service, route: plain.httpRoute, pods: plain.pods }).toEqual({
        service,
        route: `${host}-mesh`,
        pods: base,
      });
      const featured = traceRequest({ host, headers: HEADER }, objects);
      expect({ service, pods: featured.pods }).toEqual({
        service,
        pods: feature,
      });
    }

    // Through the gateway: shape-a's own HTTPRoute (named like its Service) is routed like its mesh route.
    const shapeA = pods(objects, 'shape-a');
    expect(viaShapeAGateway(objects)).toMatchObject({
      httpRoute: 'shape-a',
      pods: shapeA.base,
    });
    expect(viaShapeAGateway(objects, HEADER).pods).toEqual(shapeA.feature);
    // The chart's Istio gateway route of shape-c reaches its base Service: base pods only.
    expect(
      traceRequest({ host: SHAPE_C_HOST, gateway: true }, objects).pods,
    ).toEqual(pods(objects, 'shape-c').base);

    // No rule without the header, of any HTTPRoute but the feature's own preview host, reaches a feature pod.
    const featurePods = new Set(
      objects.pods
        .filter(p => p.metadata?.labels?.['envmesh.io/feature'])
        .map(p => p.metadata?.name),
    );
    const shared = (objects.httpRoutes ?? []).filter(
      route => !route.metadata?.labels?.['envmesh.io/feature'],
    );
    const leaks = shared.flatMap(route =>
      (route.spec.rules ?? [])
        .filter(rule => !rule.matches?.some(m => m.headers?.length))
        .flatMap(rule => rule.backendRefs ?? [])
        .flatMap(ref =>
          podsBehind({ host: ref.name }, objects)
            .pods.filter(pod => featurePods.has(pod))
            .map(pod => `${route.metadata?.name} → ${pod}`),
        ),
    );
    expect(objects.httpRoutes?.length).toBeGreaterThan(0);
    expect(featurePods.size).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });

  it("gives the feature a preview host on the environment's Gateway API Gateway that sets the header and reaches its front end", async () => {
    const objects = await liveObjects(ENV);
    const gateway = (await DynamicClient.for(testKubeConfig()).read({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'demo-gateway', namespace: ENV },
    })) as any;
    expect(
      gateway.spec.listeners.map((l: any) => [l.hostname, l.port]),
    ).toEqual([
      [SHAPE_C_HOST, 80],
      [SHAPE_A_HOST, 80],
      ['*.demo.net', 80],
    ]);
    const preview = (objects.httpRoutes ?? []).find(
      r => r.metadata?.name === `envmesh-preview-${FEATURE}`,
    );
    expect(preview?.spec.rules?.[0].filters).toEqual([
      {
        type: 'RequestHeaderModifier',
        requestHeaderModifier: {
          set: [{ name: 'X-FEATURE-NAME', value: FEATURE }],
          add: [{ name: 'baggage', value: `x-feature-name=${FEATURE}` }],
        },
      },
    ]);
    // A browser's request to the preview host carries neither; every later hop gets both.
    const res = await call('post', `/environments/${ENV}/routes/trace`, {
      host: `${FEATURE}.demo.net`,
      chain: ['shape-d'],
    });
    expect(res.status).toBe(200);
    expect(res.body.hops).toEqual([
      expect.objectContaining({
        httpRoute: `envmesh-preview-${FEATURE}`,
        pods: pods(objects, 'shape-a').feature,
        setHeaders: {
          'X-FEATURE-NAME': FEATURE,
          baggage: `x-feature-name=${FEATURE}`,
        },
      }),
      expect.objectContaining({
        service: 'shape-d',
        pods: pods(objects, 'shape-d').feature,
      }),
    ]);
  });

  it("keeps the feature's rules in the chart's own HTTPRoute through a base update, with no drift", async () => {
    const shapeADrift = async () => {
      const status = await call('get', `/environments/${ENV}/status`);
      expect(status.status).toBe(200);
      return status.body.services.find((s: any) => s.name === 'shape-a').drift;
    };
    expect(await shapeADrift()).toEqual([]);
    const current = (await call('get', `/environments/${ENV}`)).body;
    const updated = await call('patch', `/environments/${ENV}`, {
      services: current.services.map((s: any) =>
        s.name === 'shape-a'
          ? { ...s, keyValues: { 'podAnnotations.rev': '2' } }
          : s,
      ),
    });
    expect(updated.status).toBe(202);
    expect((await waitForOperation(call, updated.body.id)).state).toBe(
      'succeeded',
    );
    const objects = await liveObjects(ENV);
    expect(viaShapeAGateway(objects, HEADER).pods).toEqual(
      pods(objects, 'shape-a').feature,
    );
    expect(await shapeADrift()).toEqual([]);
  });

  it('traces a chain through HTTPRoutes: plain requests reach base pods at every hop, header requests the feature instances', async () => {
    const objects = await liveObjects(ENV);
    const chain = ['shape-a', 'shape-b2', 'shape-d'];
    const trace = async (headers?: Record<string, string>) => {
      const res = await call('post', `/environments/${ENV}/routes/trace`, {
        chain,
        ...(headers ? { headers } : {}),
      });
      expect(res.status).toBe(200);
      return res.body.hops.map((h: any) => [h.service, h.httpRoute, h.pods]);
    };
    const hop = (service: string, which: 'base' | 'feature') => [
      service,
      service === 'shape-b2' ? undefined : `${hostOf(objects, service)}-mesh`,
      // shape-b2 has no instance: base pods either way.
      pods(objects, service)[service === 'shape-b2' ? 'base' : which],
    ];
    expect(await trace()).toEqual(chain.map(s => hop(s, 'base')));
    expect(await trace(HEADER)).toEqual(chain.map(s => hop(s, 'feature')));
    // Baggage alone routes the same way; another feature's member or a longer name does not.
    expect(await trace(BAGGAGE)).toEqual(chain.map(s => hop(s, 'feature')));
    expect(
      await trace({
        baggage: `x-feature-name=${FEATURE}0,x-feature-name-2=${FEATURE}`,
      }),
    ).toEqual(chain.map(s => hop(s, 'base')));
  });

  it('removes the feature: its HTTPRoutes and instance Services go, plain requests still reach the base pods', async () => {
    const res = await call('delete', `/features/${FEATURE}`);
    expect(res.status).toBe(202);
    expect((await waitForOperation(call, res.body.id, 120_000)).state).toBe(
      'succeeded',
    );
    const objects = await liveObjects(ENV);
    // Only the chart's own HTTPRoute is left, with exactly the rules the chart rendered.
    expect(
      (objects.httpRoutes ?? []).map(r => [r.metadata?.name, r.spec.rules]),
    ).toEqual([
      [
        'shape-a',
        [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/headers' } }],
            backendRefs: [{ name: 'shape-a', port: 80, weight: 1 }],
          },
        ],
      ],
    ]);
    expect(
      objects.services
        .filter(s => s.metadata?.labels?.['envmesh.io/routing-host'])
        .map(s => s.metadata?.name),
    ).toEqual([]);
    for (const service of FEATURED) {
      const host = hostOf(objects, service);
      expect(traceRequest({ host, headers: HEADER }, objects).pods).toEqual(
        pods(objects, service).base,
      );
    }
  });
});
