import { ConflictError } from '@backstage/errors';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObject,
} from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '@envmesh/local-cluster';
import { ApplyError, ReleaseApplier } from './ReleaseApplier';
import { changedPaths } from './diff';
import { ObjectRef, refKey } from './types';
import { kindRank } from './kindOrder';

jest.setTimeout(60_000);

// Runs against the real local cluster started by the package's jest global setup.
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const applier = new ReleaseApplier({ concurrency: 4 });

async function gone(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return true;
    throw error;
  }
}

function webObjects(
  other: string,
  image = 'example.invalid/web:1.0',
): KubernetesObject[] {
  const labels = { 'app.kubernetes.io/name': 'web' };
  return [
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      // An explicit other namespace (think istio-system) is kept.
      metadata: { name: 'web', namespace: other },
      spec: { hosts: ['web.example.com'], http: [{ route: [] }] },
    } as KubernetesObject,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'main', image }] },
        },
      },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-config' },
      data: { LOG_LEVEL: 'info' },
    } as KubernetesObject,
  ];
}

describe('ReleaseApplier', () => {
  let ns: { name: string; delete(): Promise<void> };
  let other: { name: string; delete(): Promise<void> };
  let inventory: ObjectRef[] = [];

  beforeAll(async () => {
    ns = await createTestNamespace('apply');
    other = await createTestNamespace('apply-other');
  });
  afterAll(async () => {
    await ns.delete();
    await other.delete();
  });

  const input = (objects: KubernetesObject[], previous = inventory) => ({
    kubeConfig: kc,
    namespace: ns.name,
    environment: 'dev-1',
    release: 'web',
    objects,
    previousInventory: previous,
  });

  it('applies by server-side apply with envmesh labels and field manager, in kind order', async () => {
    const result = await applier.apply(input(webObjects(other.name), []));
    inventory = result.inventory;

    // Applied in kind order: ConfigMap, Service, Deployment, then the VirtualService.
    expect(result.applied.map(o => o.kind)).toEqual([
      'ConfigMap',
      'Service',
      'Deployment',
      'VirtualService',
    ]);
    expect(inventory).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns.name,
        name: 'web-config',
      },
      { apiVersion: 'v1', kind: 'Service', namespace: ns.name, name: 'web' },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns.name,
        name: 'web',
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        namespace: other.name,
        name: 'web',
      },
    ]);
    expect(result.pruned).toEqual([]);

    const live = [
      await core.readNamespacedConfigMap({
        name: 'web-config',
        namespace: ns.name,
      }),
      await core.readNamespacedService({ name: 'web', namespace: ns.name }),
      await apps.readNamespacedDeployment({ name: 'web', namespace: ns.name }),
      (await custom.getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace: other.name,
        plural: 'virtualservices',
        name: 'web',
      })) as KubernetesObject,
    ];
    for (const object of live) {
      expect(object.metadata?.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'envmesh',
        'envmesh.io/environment': 'dev-1',
        'envmesh.io/service': 'web',
      });
      expect(
        object.metadata?.managedFields?.some(
          f => f.manager === 'envmesh' && f.operation === 'Apply',
        ),
      ).toBe(true);
    }
    // The chart's own labels are kept.
    expect(live[2].metadata?.labels?.['app.kubernetes.io/name']).toBe('web');

    // What drift tracking needs: a generation for the Deployment, a content hash for the others without one.
    const recorded = Object.fromEntries(result.recorded.map(r => [r.kind, r]));
    expect(recorded.Deployment.generation).toBe(1);
    expect(recorded.ConfigMap.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(recorded.Service.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('re-applying unchanged objects is a no-op', async () => {
    const before = await Promise.all([
      core.readNamespacedConfigMap({ name: 'web-config', namespace: ns.name }),
      core.readNamespacedService({ name: 'web', namespace: ns.name }),
      apps.readNamespacedDeployment({ name: 'web', namespace: ns.name }),
    ]);
    const result = await applier.apply(input(webObjects(other.name)));
    expect(result.pruned).toEqual([]);
    expect(result.inventory).toEqual(inventory);
    const after = await Promise.all([
      core.readNamespacedConfigMap({ name: 'web-config', namespace: ns.name }),
      core.readNamespacedService({ name: 'web', namespace: ns.name }),
      apps.readNamespacedDeployment({ name: 'web', namespace: ns.name }),
    ]);
    expect(after.slice(0, 2).map(o => o.metadata?.resourceVersion)).toEqual(
      before.slice(0, 2).map(o => o.metadata?.resourceVersion),
    );
    // The Deployment controller may still be writing its status: envmesh's own apply entry must not move.
    const applied = (o: (typeof after)[number]) =>
      o.metadata?.managedFields?.find(
        f => f.manager === 'envmesh' && f.operation === 'Apply',
      );
    expect(applied(after[2])).toEqual(applied(before[2]));
    expect(after[2].metadata?.generation).toBe(1);
  });

  it('diff reports update, create and delete from a server-side dry run and changes nothing', async () => {
    const deploymentBefore = await apps.readNamespacedDeployment({
      name: 'web',
      namespace: ns.name,
    });
    const objects = webObjects(other.name, 'example.invalid/web:2.0')
      .filter(o => o.kind !== 'Service')
      .concat({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'web-secret' },
        stringData: { PASSWORD: 's3cret' },
      } as KubernetesObject);

    const entries = await applier.diff(input(objects));
    const byKind = Object.fromEntries(entries.map(e => [e.ref.kind, e]));
    expect(byKind.Deployment).toEqual({
      ref: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns.name,
        name: 'web',
      },
      action: 'update',
      changes: ['spec.template'],
    });
    expect(byKind.Secret.action).toBe('create');
    expect(byKind.Service).toEqual({
      ref: {
        apiVersion: 'v1',
        kind: 'Service',
        namespace: ns.name,
        name: 'web',
      },
      action: 'delete',
    });
    expect(byKind.ConfigMap.action).toBe('unchanged');
    expect(byKind.VirtualService.action).toBe('unchanged');
    // Secret values never appear in a diff.
    expect(JSON.stringify(entries)).not.toContain('s3cret');

    // Nothing changed in the cluster.
    const deploymentAfter = await apps.readNamespacedDeployment({
      name: 'web',
      namespace: ns.name,
    });
    expect(deploymentAfter.metadata?.resourceVersion).toBe(
      deploymentBefore.metadata?.resourceVersion,
    );
    expect(deploymentAfter.spec?.template.spec?.containers[0].image).toBe(
      'example.invalid/web:1.0',
    );
    expect(
      await gone(() =>
        core.readNamespacedSecret({ name: 'web-secret', namespace: ns.name }),
      ),
    ).toBe(true);
    expect(
      await gone(() =>
        core.readNamespacedService({ name: 'web', namespace: ns.name }),
      ),
    ).toBe(false);
  });

  it('a dry-run apply persists and prunes nothing', async () => {
    const objects = webObjects(other.name, 'example.invalid/web:3.0').filter(
      o => o.kind !== 'ConfigMap',
    );
    const result = await applier.apply({ ...input(objects), dryRun: true });
    expect(result.pruned.map(r => r.name)).toEqual(['web-config']);
    expect(result.recorded).toEqual([]);
    const deployment = await apps.readNamespacedDeployment({
      name: 'web',
      namespace: ns.name,
    });
    expect(deployment.spec?.template.spec?.containers[0].image).toBe(
      'example.invalid/web:1.0',
    );
    expect(
      await gone(() =>
        core.readNamespacedConfigMap({
          name: 'web-config',
          namespace: ns.name,
        }),
      ),
    ).toBe(false);
  });

  it('prunes objects that left the inventory, keeps the rest where they are', async () => {
    const objects = webObjects(other.name).filter(o => o.kind !== 'ConfigMap');
    const result = await applier.apply(input(objects));
    expect(result.pruned).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns.name,
        name: 'web-config',
      },
    ]);
    inventory = result.inventory;
    expect(inventory.map(r => r.kind)).toEqual([
      'Service',
      'Deployment',
      'VirtualService',
    ]);
    expect(
      await gone(() =>
        core.readNamespacedConfigMap({
          name: 'web-config',
          namespace: ns.name,
        }),
      ),
    ).toBe(true);
    expect(
      await gone(() =>
        custom.getNamespacedCustomObject({
          group: 'networking.istio.io',
          version: 'v1',
          namespace: other.name,
          plural: 'virtualservices',
          name: 'web',
        }),
      ),
    ).toBe(false);
  });

  it('never prunes an object another release took over, and treats an API version change as the same object', async () => {
    const shared = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shared' },
      data: { A: '1' },
    } as KubernetesObject;
    const a1 = await applier.apply({
      ...input([shared], []),
      release: 'a',
    });
    // Release b now renders the same ConfigMap; release a no longer does.
    await applier.apply({ ...input([shared], []), release: 'b' });
    const a2 = await applier.apply({
      ...input([], a1.inventory),
      release: 'a',
    });
    expect(a2.pruned).toEqual([]);
    const cm = await core.readNamespacedConfigMap({
      name: 'shared',
      namespace: ns.name,
    });
    expect(cm.metadata?.labels?.['envmesh.io/service']).toBe('b');

    // The VirtualService moving from v1beta1 to v1 is not pruned.
    const vs = webObjects(other.name).find(o => o.kind === 'VirtualService')!;
    const beta = await applier.apply({
      ...input([{ ...vs, apiVersion: 'networking.istio.io/v1beta1' }], []),
      release: 'routes',
    });
    const v1 = await applier.apply({
      ...input([vs], beta.inventory),
      release: 'routes',
    });
    expect(v1.pruned).toEqual([]);
    expect(refKey(v1.inventory[0])).toBe(refKey(beta.inventory[0]));
  });

  it("refuses a feature instance that would take over another release's object or a hand-made one (409 naming both)", async () => {
    const configMap = (name: string, value: string) =>
      ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name },
        data: { VALUE: value },
      } as KubernetesObject);
    // Service demo-api owns ConfigMap demo-api; service demo's instance for feature api renames its
    // ConfigMap demo to demo-api.
    await applier.apply({
      ...input([configMap('demo-api', 'base')], []),
      release: 'demo-api',
    });
    const feature = {
      ...input([configMap('demo-api', 'feature')], []),
      release: 'demo',
      feature: 'api',
    };
    await expect(applier.apply(feature)).rejects.toThrow(
      new ConflictError(
        `ConfigMap ${ns.name}/demo-api belongs to service demo-api of dev-1; feature api's instance of demo in dev-1 does not take it over`,
      ),
    );
    const kept = await core.readNamespacedConfigMap({
      name: 'demo-api',
      namespace: ns.name,
    });
    expect(kept.data).toEqual({ VALUE: 'base' });
    expect(kept.metadata?.labels?.['envmesh.io/service']).toBe('demo-api');
    expect(kept.metadata?.labels?.['envmesh.io/feature']).toBeUndefined();

    // A hand-made object is not taken over either.
    await core.createNamespacedConfigMap({
      namespace: ns.name,
      body: { metadata: { name: 'by-hand' }, data: { VALUE: 'mine' } },
    });
    await expect(
      applier.apply({ ...feature, objects: [configMap('by-hand', 'feature')] }),
    ).rejects.toThrow(/by-hand exists and is not envmesh's \(managed by /);

    // Its own objects re-apply as usual.
    const own = await applier.apply({
      ...feature,
      objects: [configMap('demo-api-api', 'feature')],
    });
    expect(
      (
        await applier.apply({
          ...feature,
          objects: [configMap('demo-api-api', 'v2')],
          previousInventory: own.inventory,
        })
      ).inventory,
    ).toEqual(own.inventory);
  });

  it('labels environment-level objects without a service label and keeps cluster-scoped objects unnamespaced', async () => {
    const result = await applier.apply({
      ...input(
        [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'env-config' },
            data: { REGION: 'eu' },
          },
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: { name: `${ns.name}-reader`, namespace: 'ignored' },
            rules: [],
          },
        ].map(o => o as KubernetesObject),
        [],
      ),
      release: '',
    });
    expect(result.inventory).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns.name,
        name: 'env-config',
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        name: `${ns.name}-reader`,
      },
    ]);
    const cm = await core.readNamespacedConfigMap({
      name: 'env-config',
      namespace: ns.name,
    });
    expect(cm.metadata?.labels?.['envmesh.io/environment']).toBe('dev-1');
    expect(cm.metadata?.labels).not.toHaveProperty('envmesh.io/service');
    const deleted = await applier.deleteRelease(kc, result.inventory);
    expect(deleted).toHaveLength(2);
  });

  it('rejects unknown kinds before changing anything', async () => {
    await expect(
      applier.apply(
        input(
          [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'never' },
            },
            {
              apiVersion: 'example.invalid/v1',
              kind: 'Widget',
              metadata: { name: 'w' },
            },
          ],
          [],
        ),
      ),
    ).rejects.toThrow(/does not serve example.invalid\/v1 Widget/);
    expect(
      await gone(() =>
        core.readNamespacedConfigMap({ name: 'never', namespace: ns.name }),
      ),
    ).toBe(true);
  });

  it('reports objects the API server rejects, with the inventory applied so far', async () => {
    const error: ApplyError = await applier
      .apply({
        ...input(
          [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'bad-config' },
              data: { A: '1' },
            },
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'bad' },
              spec: {
                selector: { matchLabels: { a: 'b' } },
                template: { metadata: { labels: { a: 'c' } }, spec: {} },
              },
            },
          ].map(o => o as KubernetesObject),
          [],
        ),
        release: 'bad',
      })
      .then(
        () => {
          throw new Error('expected a failure');
        },
        e => e,
      );
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.failures.map(f => f.ref.name)).toEqual(['bad']);
    expect(error.message).toMatch(/Deployment .*\/bad: .*selector/);
    expect(error.partialInventory.map(r => r.name)).toEqual(['bad-config']);
    // What was applied keeps its drift record, for the inventory stored after the failure.
    expect(error.partialInventory[0].hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('deleteRelease deletes every object of the inventory, workloads in the foreground', async () => {
    const deleted = await applier.deleteRelease(kc, inventory);
    expect(deleted.map(r => r.kind)).toEqual([
      'VirtualService',
      'Deployment',
      'Service',
    ]);
    expect(
      await gone(() =>
        core.readNamespacedService({ name: 'web', namespace: ns.name }),
      ),
    ).toBe(true);
    // Foreground deletion: the Deployment is gone, or waits for its pods with a deletionTimestamp.
    const deployment = await apps
      .readNamespacedDeployment({ name: 'web', namespace: ns.name })
      .catch(() => undefined);
    const state = deployment
      ? `deletionTimestamp=${!!deployment.metadata
          ?.deletionTimestamp} finalizers=${deployment.metadata?.finalizers}`
      : 'gone';
    expect([
      'gone',
      'deletionTimestamp=true finalizers=foregroundDeletion',
    ]).toContain(state);
    // Deleting again is harmless: what is gone is ignored.
    const again = await applier.deleteRelease(kc, inventory);
    expect(again.map(r => r.kind)).not.toContain('Service');
  });
});

describe('kind order and diff paths', () => {
  it('orders dependencies first and routing last', () => {
    const kinds = [
      'VirtualService',
      'Deployment',
      'Service',
      'Secret',
      'ConfigMap',
      'ServiceAccount',
      'Certificate',
      'CustomResourceDefinition',
      'Namespace',
      'Gateway',
    ];
    expect([...kinds].sort((a, b) => kindRank(a) - kindRank(b))).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'Certificate',
      'Secret',
      'ConfigMap',
      'ServiceAccount',
      'Service',
      'Deployment',
      'Gateway',
      'VirtualService',
    ]);
  });

  it('names changed paths one level below the top, never values', () => {
    expect(
      changedPaths(
        {
          metadata: { name: 'x', labels: { a: '1' } },
          spec: { replicas: 1, template: { image: 'a' } },
          data: { K: 'old', SAME: 'v' },
        },
        {
          metadata: { name: 'x', labels: { a: '2' } },
          spec: { replicas: 1, template: { image: 'b' } },
          data: { K: 'new', SAME: 'v', ADDED: 'v' },
        },
      ),
    ).toEqual(['data.ADDED', 'data.K', 'metadata.labels', 'spec.template']);
  });
});
