import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from './testing';

// kwok's fake kubelets report node status only every minute or so. Before the node lifecycle controller was
// switched off, all nodes flapped NotReady about 65 s in and every pod lost its readiness for good; rollouts
// that waited on older Deployments then hung. This watches one Deployment through that window.
describe('local cluster stability', () => {
  it('keeps nodes Ready and a running Deployment available for over a minute', async () => {
    const kc = testKubeConfig();
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const ns = await createTestNamespace('stability');
    try {
      const labels = { 'app.kubernetes.io/name': 'steady' };
      await apps.createNamespacedDeployment({
        namespace: ns.name,
        body: {
          metadata: { name: 'steady' },
          spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  { name: 'main', image: 'example.invalid/steady:1' },
                ],
              },
            },
          },
        },
      });
      const samples: string[] = [];
      const deadline = Date.now() + 80_000;
      while (Date.now() < deadline) {
        const d = await apps.readNamespacedDeployment({
          name: 'steady',
          namespace: ns.name,
        });
        const nodes = (await core.listNode()).items;
        const notReady = nodes.filter(
          n =>
            n.status?.conditions?.find(c => c.type === 'Ready')?.status !==
            'True',
        );
        samples.push(`${d.status?.readyReplicas ?? 0}/${notReady.length}`);
        await new Promise(resolve => setTimeout(resolve, 2000));
      }
      // After the first few seconds of rollout: always 1 ready replica and no NotReady node.
      expect(samples.slice(5).filter(s => s !== '1/0')).toEqual([]);
    } finally {
      await ns.delete();
    }
  });
});
