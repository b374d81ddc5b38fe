import { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@envmesh/local-cluster';
import { DynamicClient } from '../apply/DynamicClient';
import { LABELS, MANAGER } from '../apply/types';
import { RoutingWriter, ServiceRoutingRef } from './RoutingWriter';
import { DestinationRule, ISTIO_API_VERSION, VirtualService } from './types';
import { RoutingViolationError, validateRouting } from './validateRouting';

jest.setTimeout(60_000);

// Runs against the real local cluster started by the package's jest global setup.
const kc = testKubeConfig();
const client = DynamicClient.for(kc);

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    error => error,
  );
}

describe('RoutingWriter', () => {
  let ns: { name: string; delete(): Promise<void> };
  let ref: ServiceRoutingRef;
  const writer = new RoutingWriter();

  beforeEach(async () => {
    ns = await createTestNamespace('routing');
    ref = {
      kubeConfig: kc,
      namespace: ns.name,
      environment: 'dev-1',
      host: 'demo-api',
      baseInstance: 'demo-api',
    };
  });
  afterEach(async () => {
    await ns.delete();
  });

  it('adds DR subset, then (once ready) the VS route, and removes them', async () => {
    let duringWait: Awaited<ReturnType<RoutingWriter['read']>> | undefined;
    await writer.addFeature({
      ...ref,
      feature: 'feature-31337',
      waitReady: async () => {
        duringWait = await writer.read(ref);
      },
    });
    expect(duringWait).toMatchObject({
      subsets: ['feature-31337'],
      routes: [],
    });

    const added = await writer.read(ref);
    expect(added.routes).toEqual(['feature-31337']);
    expect(added.virtualService!.spec.http).toEqual([
      {
        name: 'envmesh-feature-31337',
        match: [{ headers: { 'x-feature-name': { exact: 'feature-31337' } } }],
        route: [{ destination: { host: 'demo-api', subset: 'feature-31337' } }],
      },
      {
        name: 'default',
        route: [{ destination: { host: 'demo-api', subset: 'default' } }],
      },
    ]);
    expect(added.destinationRule!.spec.subsets!.map(s => s.name)).toEqual([
      'default',
      'feature-31337',
    ]);
    for (const object of [added.virtualService!, added.destinationRule!]) {
      expect(object.metadata!.labels).toMatchObject({
        [LABELS.managedBy]: 'envmesh',
        [LABELS.environment]: 'dev-1',
      });
      expect(object.metadata!.managedFields!.map(f => f.manager)).toContain(
        'envmesh-routing',
      );
    }

    await writer.removeFeature({ ...ref, feature: 'feature-31337' });
    const removed = await writer.read(ref);
    expect(removed).toMatchObject({ subsets: [], routes: [] });
    expect(removed.virtualService!.spec.http!.map(r => r.name)).toEqual([
      'default',
    ]);
  });

  it('inserts feature routes into a chart-owned VirtualService instead of creating a second one', async () => {
    const chart = {
      apiVersion: ISTIO_API_VERSION,
      kind: 'VirtualService',
      metadata: {
        name: 'demo-api-routes',
        namespace: ns.name,
        labels: { [LABELS.managedBy]: MANAGER, [LABELS.environment]: 'dev-1' },
      },
      spec: {
        hosts: ['demo-api'],
        http: [
          {
            name: 'api',
            match: [{ uri: { prefix: '/api' } }],
            rewrite: { uri: '/' },
            timeout: '5s',
            route: [
              { destination: { host: 'demo-api', port: { number: 8080 } } },
            ],
          },
        ],
      },
    };
    // As the release applier writes it.
    await client.patch(
      chart,
      undefined,
      undefined,
      MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );

    await writer.addFeature({ ...ref, feature: 'feature-31337' });
    const list = await client.list(
      ISTIO_API_VERSION,
      'VirtualService',
      ns.name,
    );
    expect(list.items.map(v => v.metadata!.name)).toEqual(['demo-api-routes']);
    const vs = list.items[0] as VirtualService;
    expect(vs.spec.http).toEqual([
      {
        name: 'envmesh-feature-31337',
        match: [
          {
            uri: { prefix: '/api' },
            headers: { 'x-feature-name': { exact: 'feature-31337' } },
          },
        ],
        rewrite: { uri: '/' },
        timeout: '5s',
        route: [
          {
            destination: {
              host: 'demo-api',
              port: { number: 8080 },
              subset: 'feature-31337',
            },
          },
        ],
      },
      {
        ...chart.spec.http[0],
        route: [
          {
            destination: {
              host: 'demo-api',
              port: { number: 8080 },
              subset: 'default',
            },
          },
        ],
      },
    ]);

    await writer.removeFeature({ ...ref, feature: 'feature-31337' });
    const after = await writer.read(ref);
    expect(after.virtualService!.metadata!.name).toBe('demo-api-routes');
    expect(after.virtualService!.spec.http!.map(r => r.name)).toEqual(['api']);
  });

  it('reports instead of writing a route to a subset another writer removed', async () => {
    await writer.addFeature({ ...ref, feature: 'f-1' });
    const error = await rejection(
      writer.addFeature({
        ...ref,
        feature: 'f-2',
        waitReady: async () => {
          // Another writer drops the subset between the DR and the VS step.
          const dr = (await client.read({
            apiVersion: ISTIO_API_VERSION,
            kind: 'DestinationRule',
            metadata: { name: 'demo-api', namespace: ns.name },
          })) as DestinationRule;
          dr.spec.subsets = dr.spec.subsets!.filter(s => s.name !== 'f-2');
          await client.replace(dr);
        },
      }),
    );
    expect(error).toBeInstanceOf(RoutingViolationError);
    expect(error.violations).toEqual([
      expect.objectContaining({ code: 'missing-subset', subset: 'f-2' }),
    ]);
    expect(await writer.read(ref)).toMatchObject({
      subsets: ['f-1'],
      routes: ['f-1'],
    });

    // A foreign route to an undefined subset: validation reports it, and the writer refuses to build on it.
    const { virtualService, destinationRule } = await writer.read(ref);
    virtualService!.spec.http!.unshift({
      name: 'hand-made',
      route: [{ destination: { host: 'demo-api', subset: 'ghost' } }],
    });
    await client.replace(virtualService!);
    const live = await writer.read(ref);
    expect(
      validateRouting({
        target: ref,
        vs: live.virtualService!,
        dr: destinationRule,
      }),
    ).toEqual([
      expect.objectContaining({ code: 'missing-subset', subset: 'ghost' }),
    ]);
    const refused = await rejection(
      writer.addFeature({ ...ref, feature: 'f-3' }),
    );
    expect(refused.violations).toEqual([
      expect.objectContaining({ code: 'missing-subset', subset: 'ghost' }),
    ]);
    expect((await writer.read(ref)).routes).toEqual(['f-1']);
  });

  it('refuses to write when the host has two mesh VirtualServices', async () => {
    await writer.addFeature({ ...ref, feature: 'f-1' });
    await client.create({
      apiVersion: ISTIO_API_VERSION,
      kind: 'VirtualService',
      metadata: { name: 'second', namespace: ns.name },
      spec: {
        hosts: ['demo-api'],
        http: [{ route: [{ destination: { host: 'demo-api' } }] }],
      },
    } as KubernetesObject);
    const error = await rejection(
      writer.addFeature({ ...ref, feature: 'f-2' }),
    );
    expect(error.violations).toEqual([
      expect.objectContaining({
        code: 'duplicate-virtual-service',
        virtualServices: ['demo-api', 'second'],
      }),
    ]);
  });
});
