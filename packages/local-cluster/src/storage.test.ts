import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { LocalCluster, startLocalCluster } from './startLocalCluster';
import { LOCAL_STORAGE_CLASS } from './storage';

jest.setTimeout(180_000);

async function until<T>(what: string, check: () => Promise<T | undefined>) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}

/** A StatefulSet with volumeClaimTemplates, as charts of databases have them, on the local cluster. */
describe('local cluster storage', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({ name: 'storage' });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('binds the claims of a StatefulSet to provisioned volumes, so its pods schedule, and deletes them after', async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: 'db' } } });
    const labels = { app: 'db' };
    await apps.createNamespacedStatefulSet({
      namespace: 'db',
      body: {
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'db', image: 'postgres:16' }] },
          },
          // No storageClassName: the default class, as most charts leave it.
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: {
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: '1Gi' } },
              },
            },
          ],
        },
      },
    });
    await until('both replicas ready', async () => {
      const set = await apps.readNamespacedStatefulSet({
        name: 'db',
        namespace: 'db',
      });
      return set.status?.readyReplicas === 2 ? true : undefined;
    });
    const claims = await core.listNamespacedPersistentVolumeClaim({
      namespace: 'db',
    });
    expect(
      claims.items.map(c => [
        c.metadata!.name,
        c.spec?.storageClassName,
        c.status?.phase,
      ]),
    ).toEqual([
      ['data-db-0', LOCAL_STORAGE_CLASS, 'Bound'],
      ['data-db-1', LOCAL_STORAGE_CLASS, 'Bound'],
    ]);

    await apps.deleteNamespacedStatefulSet({ name: 'db', namespace: 'db' });
    await core.deleteCollectionNamespacedPersistentVolumeClaim({
      namespace: 'db',
    });
    await until('the volumes deleted', async () =>
      (await core.listPersistentVolume()).items.length === 0 ? true : undefined,
    );
  });
});
