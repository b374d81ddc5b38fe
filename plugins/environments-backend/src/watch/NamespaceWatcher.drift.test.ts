import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObject,
} from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import { deployment, watchedTestNamespace } from './__testUtils__/fixtures';

jest.setTimeout(90_000);

// Runs against the real local cluster started by the package's jest global setup.
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

describe('NamespaceWatcher drift', () => {
  const ns = watchedTestNamespace('drift');

  it('reports drift when a Deployment is scaled and a ConfigMap deleted out of band', async () => {
    const objects = [
      deployment('drifty', { replicas: 1 }),
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'drifty-config' },
        data: { A: '1' },
      } as KubernetesObject,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'drifty-secret' },
        stringData: { PASSWORD: 'first-s3cret' },
      } as KubernetesObject,
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'drifty' },
        spec: { ports: [{ port: 80 }] },
      } as KubernetesObject,
    ];
    const result = await ns.apply('drifty', objects);
    await ns.watcher.trackInventory('drifty', result.recorded);
    expect(await ns.watcher.drift('drifty')).toEqual([]);

    await apps.replaceNamespacedDeploymentScale({
      name: 'drifty',
      namespace: ns.name,
      body: {
        metadata: { name: 'drifty', namespace: ns.name },
        spec: { replicas: 3 },
      },
    });
    await ns.watcher.waitUntil(
      async () => (await ns.watcher.drift('drifty')).length === 1,
      { timeoutMs: 30_000 },
    );
    expect(await ns.watcher.drift('drifty')).toEqual([
      {
        ref: expect.objectContaining({ kind: 'Deployment', name: 'drifty' }),
        change: 'modified',
        detail: expect.stringMatching(/generation 2 is past 1/),
      },
    ]);

    await core.deleteNamespacedConfigMap({
      name: 'drifty-config',
      namespace: ns.name,
    });
    await core.replaceNamespacedSecret({
      name: 'drifty-secret',
      namespace: ns.name,
      body: {
        metadata: {
          name: 'drifty-secret',
          namespace: ns.name,
          labels: result.applied.find(o => o.kind === 'Secret')!.metadata!
            .labels,
        },
        stringData: { PASSWORD: 'changed-s3cret' },
      },
    });
    await ns.watcher.waitUntil(
      async () => (await ns.watcher.drift('drifty')).length === 3,
      { timeoutMs: 30_000 },
    );
    const drift = await ns.watcher.drift('drifty');
    expect(drift.map(d => [d.ref.kind, d.change]).sort()).toEqual([
      ['ConfigMap', 'deleted'],
      ['Deployment', 'modified'],
      ['Secret', 'modified'],
    ]);
    // Drift details never carry secret values.
    expect(JSON.stringify(drift)).not.toMatch(/s3cret/);

    // Re-applying restores the desired state; tracking the new records clears the drift.
    const again = await ns.apply('drifty', objects, result.inventory);
    await ns.watcher.trackInventory('drifty', again.recorded);
    await ns.watcher.waitUntil(
      async () => (await ns.watcher.drift('drifty')).length === 0,
      { timeoutMs: 30_000 },
    );
    const live = await apps.readNamespacedDeployment({
      name: 'drifty',
      namespace: ns.name,
    });
    expect(live.spec?.replicas).toBe(1);
  });
});
