import { InputError } from '@backstage/errors';
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubernetesObject,
  V1Pod,
} from '@kubernetes/client-node';
import { LABELS } from '../apply/types';
import { eventually } from '../__testUtils__/integration';
import {
  baseService,
  client,
  kc,
  routedNamespace,
} from './__testUtils__/drivers';
import { GatewayApiRoutingWriter } from './GatewayApiRoutingWriter';
import {
  GATEWAY_API_VERSION,
  KubeService,
  ROUTING_HOST_LABEL,
} from './gatewayApiTypes';
import { ServiceRoutingRef } from './RoutingDriver';
import { RoutingViolationError } from './validateRouting';

jest.setTimeout(90_000);

// Runs against the real local cluster started by the package's jest global setup.
const core = kc.makeApiClient(CoreV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    error => error,
  );
}

const defaultRule = (port = 8080) => ({
  backendRefs: [{ group: '', kind: 'Service', name: 'demo-api-default', port }],
});

describe('GatewayApiRoutingWriter', () => {
  let ns: { name: string; delete(): Promise<void> };
  let ref: ServiceRoutingRef;
  const writer = new GatewayApiRoutingWriter();

  beforeEach(async () => {
    ({ ns, ref } = await routedNamespace('routing-gw'));
  });
  afterEach(async () => {
    await ns.delete();
  });

  it('routes feature-31337 by an exact header rule to its instance Service, the default rule last', async () => {
    await writer.addFeature({ ...ref, feature: 'feature-31337' });
    const state = await writer.read(ref);
    expect(state.httpRoutes.map(r => r.metadata!.name)).toEqual([
      'demo-api-mesh',
    ]);
    const route = state.httpRoutes[0];
    expect(route.apiVersion).toBe(GATEWAY_API_VERSION);
    expect(route.spec).toEqual({
      parentRefs: [
        { group: '', kind: 'Service', name: 'demo-api', port: 8080 },
      ],
      rules: [
        {
          matches: [
            {
              headers: [
                {
                  type: 'Exact',
                  name: 'X-FEATURE-NAME',
                  value: 'feature-31337',
                },
              ],
            },
          ],
          backendRefs: [
            {
              group: '',
              kind: 'Service',
              name: 'demo-api-feature-31337',
              port: 8080,
            },
          ],
        },
        defaultRule(),
      ],
    });

    // The instance Service: the base selector narrowed to the feature's instance label, the same ports.
    const instance = state.instanceServices['feature-31337'];
    expect(instance.metadata!.name).toBe('demo-api-feature-31337');
    expect(instance.spec!.selector).toEqual({
      'app.kubernetes.io/name': 'demo-api',
      'app.kubernetes.io/instance': 'demo-api.feature-31337',
    });
    const ports = [
      {
        name: 'http',
        port: 8080,
        targetPort: 'http',
        protocol: 'TCP',
        appProtocol: 'http',
      },
    ];
    expect(instance.spec!.ports).toEqual(ports);
    expect(state.defaultService!.spec!.selector).toEqual({
      'app.kubernetes.io/name': 'demo-api',
      'app.kubernetes.io/instance': 'demo-api',
    });
    expect(state.defaultService!.spec!.ports).toEqual(ports);

    for (const object of [route, instance, state.defaultService!]) {
      expect(object.metadata!.labels).toMatchObject({
        [LABELS.managedBy]: 'envmesh',
        [LABELS.environment]: 'dev-1',
        [ROUTING_HOST_LABEL]: 'demo-api',
      });
      expect(object.metadata!.managedFields!.map(f => f.manager)).toContain(
        'envmesh-routing',
      );
    }
    expect(instance.metadata!.labels![LABELS.feature]).toBe('feature-31337');

    await writer.removeFeature({ ...ref, feature: 'feature-31337' });
    const removed = await writer.read(ref);
    expect(removed.httpRoutes[0].spec.rules).toEqual([defaultRule()]);
    const services = await client.list('v1', 'Service', ns.name);
    expect(services.items.map(s => s.metadata!.name).sort()).toEqual([
      'demo-api',
      'demo-api-default',
    ]);
  });

  it('sends the default rule to the base pods only and the feature rule to the feature pods only (endpoints)', async () => {
    const pod = (name: string, instance: string, feature?: string): V1Pod => ({
      metadata: {
        name,
        labels: {
          'app.kubernetes.io/name': 'demo-api',
          'app.kubernetes.io/instance': instance,
          ...(feature ? { 'envmesh.io/feature': feature } : {}),
        },
      },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'demo-api:1',
            ports: [{ name: 'http', containerPort: 8080 }],
          },
        ],
      },
    });
    await core.createNamespacedPod({
      namespace: ns.name,
      body: pod('base', 'demo-api'),
    });
    await core.createNamespacedPod({
      namespace: ns.name,
      body: pod('feature', 'demo-api.feature-31337', 'feature-31337'),
    });
    // As a deploy does: routed once the instance's pod is ready (the writer checks that it is).
    await writer.addFeature({
      ...ref,
      feature: 'feature-31337',
      waitReady: async () => {
        await eventually(async () => {
          const { status } = await core.readNamespacedPod({
            name: 'feature',
            namespace: ns.name,
          });
          return status?.conditions?.some(
            c => c.type === 'Ready' && c.status === 'True',
          )
            ? true
            : undefined;
        });
      },
    });

    const endpointsOf = (service: string, count: number) =>
      eventually(async () => {
        const slices = await discovery.listNamespacedEndpointSlice({
          namespace: ns.name,
          labelSelector: `kubernetes.io/service-name=${service}`,
        });
        const pods = slices.items
          .flatMap(s => s.endpoints ?? [])
          .filter(e => e.conditions?.ready)
          .map(e => e.targetRef?.name)
          .sort();
        return pods.length === count ? pods : undefined;
      }, 60_000);
    // The base Service reaches both (charts must not select by instance), hence the default Service.
    expect(await endpointsOf('demo-api', 2)).toEqual(['base', 'feature']);
    expect(await endpointsOf('demo-api-default', 1)).toEqual(['base']);
    expect(await endpointsOf('demo-api-feature-31337', 1)).toEqual(['feature']);
  });

  it('spreads features over more HTTPRoutes of the parent beyond the rule limit, each feature staying put', async () => {
    const small = new GatewayApiRoutingWriter({ maxRulesPerRoute: 4 });
    await small.setFeatures({
      ...ref,
      features: ['f-1', 'f-2', 'f-3', 'f-4', 'f-5', 'f-6', 'f-7'],
    });
    const rulesOf = async () =>
      Object.fromEntries(
        (await small.read(ref)).httpRoutes.map(r => [
          r.metadata!.name,
          r.spec.rules!.map(rule => rule.backendRefs![0].name),
        ]),
      );
    expect(await rulesOf()).toEqual({
      'demo-api-mesh': [
        'demo-api-f-1',
        'demo-api-f-2',
        'demo-api-f-3',
        'demo-api-default',
      ],
      'demo-api-mesh.2': [
        'demo-api-f-4',
        'demo-api-f-5',
        'demo-api-f-6',
        'demo-api-f-7',
      ],
    });
    const second = (await small.read(ref)).httpRoutes[1];
    expect(second.spec.parentRefs).toEqual([
      { group: '', kind: 'Service', name: 'demo-api', port: 8080 },
    ]);

    // Removing one frees a place the next new feature takes; nothing else moves.
    await small.removeFeature({ ...ref, feature: 'f-2' });
    await small.addFeature({ ...ref, feature: 'f-0' });
    await small.addFeature({ ...ref, feature: 'f-8' });
    expect(await rulesOf()).toEqual({
      'demo-api-mesh': [
        'demo-api-f-0',
        'demo-api-f-1',
        'demo-api-f-3',
        'demo-api-default',
      ],
      'demo-api-mesh.2': [
        'demo-api-f-4',
        'demo-api-f-5',
        'demo-api-f-6',
        'demo-api-f-7',
      ],
      'demo-api-mesh.3': ['demo-api-f-8'],
    });

    // An HTTPRoute left without rules is deleted; the first one stays with its default rule.
    await small.setFeatures({ ...ref, features: ['f-1'] });
    expect(await rulesOf()).toEqual({
      'demo-api-mesh': ['demo-api-f-1', 'demo-api-default'],
    });
    expect((await small.read(ref)).backends).toEqual(['f-1']);
  });

  it('refuses to write while an HTTPRoute it does not own is attached to the Service', async () => {
    await writer.addFeature({ ...ref, feature: 'f-1' });
    await client.create({
      apiVersion: GATEWAY_API_VERSION,
      kind: 'HTTPRoute',
      metadata: { name: 'chart-route', namespace: ns.name },
      spec: {
        parentRefs: [{ group: '', kind: 'Service', name: 'demo-api' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            backendRefs: [{ name: 'demo-api', port: 8080 }],
          },
        ],
      },
    } as KubernetesObject);
    const error = await rejection(
      writer.addFeature({ ...ref, feature: 'f-2' }),
    );
    expect(error).toBeInstanceOf(RoutingViolationError);
    expect(error.violations).toEqual([
      expect.objectContaining({
        code: 'foreign-http-route',
        httpRoutes: ['chart-route'],
      }),
    ]);
    expect(await writer.read(ref)).toMatchObject({
      backends: ['f-1'],
      routes: ['f-1'],
    });
  });

  it('does not take over a Service that holds an instance Service name', async () => {
    const foreign = {
      ...baseService(ns.name, 'demo-api-f-1'),
      metadata: { name: 'demo-api-f-1', namespace: ns.name },
    };
    await client.create(foreign as KubernetesObject);
    const error = await rejection(
      writer.addFeature({ ...ref, feature: 'f-1' }),
    );
    expect(error).toBeInstanceOf(RoutingViolationError);
    expect(error.violations).toEqual([
      expect.objectContaining({
        code: 'name-taken',
        backend: 'demo-api-f-1',
        subset: 'f-1',
      }),
    ]);
    const live = (await client.read({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'demo-api-f-1', namespace: ns.name },
    })) as KubernetesObject & { spec: any };
    expect(live.metadata!.labels).toBeUndefined();
    expect(live.spec.selector).toEqual(foreign.spec!.selector);
    expect((await writer.read(ref)).hasRouting).toBe(false);
  });

  it('rejects a host without a Service with an InputError naming the host', async () => {
    const error = await rejection(
      writer.addFeature({ ...ref, host: 'no-such-api', feature: 'f-1' }),
    );
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toMatch(/^host: there is no Service 'no-such-api'/);
    const services = await client.list('v1', 'Service', ns.name);
    expect(services.items.map(s => s.metadata!.name)).toEqual(['demo-api']);
  });

  it('brings instance Services to the base Service ports again on setFeatures', async () => {
    await writer.setFeatures({ ...ref, features: ['f-1', 'f-2'] });
    const base = (await client.read({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'demo-api', namespace: ns.name },
    })) as KubeService;
    base.spec!.ports = [
      { name: 'http', port: 9090, targetPort: 'http' as any, protocol: 'TCP' },
      { name: 'metrics', port: 9100, protocol: 'TCP' },
    ];
    await client.replace(base as KubernetesObject);
    // As after the base release was re-applied.
    await writer.setFeatures({ ...ref, features: ['f-1', 'f-2'] });
    const state = await writer.read(ref);
    for (const service of [
      state.instanceServices['f-1'],
      state.instanceServices['f-2'],
      state.defaultService!,
    ]) {
      expect(
        service.spec!.ports!.map(p => [p.name, p.port, p.targetPort]),
      ).toEqual([
        ['http', 9090, 'http'],
        ['metrics', 9100, 9100],
      ]);
    }
    expect(state.httpRoutes[0].spec.parentRefs![0].port).toBe(9090);
    expect(
      state.httpRoutes[0].spec.rules!.map(r => r.backendRefs![0].port),
    ).toEqual([9090, 9090, 9090]);
  });

  it('also matches the feature in W3C baggage when configured', async () => {
    const withBaggage = new GatewayApiRoutingWriter({
      headerName: 'X-Feature',
      baggage: true,
    });
    await withBaggage.addFeature({ ...ref, feature: 'f-1' });
    const [route] = (await withBaggage.read(ref)).httpRoutes;
    expect(route.spec.rules![0].matches).toEqual([
      { headers: [{ type: 'Exact', name: 'X-Feature', value: 'f-1' }] },
      {
        headers: [
          {
            type: 'RegularExpression',
            name: 'baggage',
            value: expect.stringContaining('x-feature[ \\t]*=[ \\t]*f-1'),
          },
        ],
      },
    ]);
  });
});
