import crypto from 'node:crypto';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import { NamespaceWatcher } from './NamespaceWatcher';

describe('NamespaceWatcher started before its namespace exists', () => {
  it('still sees a Deployment created later become ready', async () => {
    const kc = testKubeConfig();
    const namespace = `early-${crypto.randomBytes(3).toString('hex')}`;
    const watcher = new NamespaceWatcher({ kubeConfig: kc, namespace });
    watcher.start().catch(() => {});
    await new Promise(resolve => setTimeout(resolve, 3000));
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const labels = { app: 'late' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'late' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'c', image: 'x/y:1' }] },
          },
        },
      },
    });
    try {
      await expect(
        watcher.waitReady(
          [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              namespace,
              name: 'late',
            },
          ],
          {
            timeoutMs: 30_000,
          },
        ),
      ).resolves.toBeUndefined();
    } finally {
      await watcher.stop();
      await core.deleteNamespace({ name: namespace });
    }
  });
});
