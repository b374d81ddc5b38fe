import { execFileSync } from 'node:child_process';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  AppsV1Api,
  KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { binaryPath } from './binaries';
import { createTestNamespace, testKubeConfig } from './testing';

const examples = path.resolve(__dirname, '../../../examples');

function helmTemplate(release: string, ...args: string[]): KubernetesObject[] {
  const out = execFileSync(
    binaryPath('helm'),
    [
      'template',
      release,
      path.join(examples, 'charts/service'),
      '-f',
      path.join(examples, `services/${release}/values.yaml`),
      ...args,
    ],
    { encoding: 'utf8' },
  );
  return yaml.loadAll(out).filter(Boolean) as KubernetesObject[];
}

describe('helm template of the example chart', () => {
  it('renders a Deployment, Service and ConfigMap from a service values file', () => {
    const objects = helmTemplate('demo-api');
    expect(objects.map(o => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      'ConfigMap/demo-api',
      'Deployment/demo-api',
      'Service/demo-api',
    ]);
    const deployment = objects.find(o => o.kind === 'Deployment') as any;
    expect(deployment.spec.template.spec.containers[0].image).toMatch(
      /\/demo-api:/,
    );
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/instance': 'demo-api',
    });
  });

  it('renders the VirtualService with gateway and host from values', () => {
    const objects = helmTemplate('demo-ui');
    const vs = objects.find(o => o.kind === 'VirtualService') as any;
    expect(vs).toBeDefined();
    expect(vs.spec.gateways).toContain('demo-gateway');
    expect(vs.spec.hosts).toContain('demo.net');
  });

  it('renders manifests that the API server accepts and runs', async () => {
    const ns = await createTestNamespace('helm');
    try {
      const kc = testKubeConfig();
      const client = KubernetesObjectApi.makeApiClient(kc);
      for (const object of helmTemplate('demo-ui')) {
        object.metadata = { ...object.metadata, namespace: ns.name };
        await client.create(object);
      }
      const apps = kc.makeApiClient(AppsV1Api);
      const deadline = Date.now() + 60_000;
      let ready = 0;
      while (ready < 1 && Date.now() < deadline) {
        const d = await apps.readNamespacedDeployment({
          name: 'demo-ui',
          namespace: ns.name,
        });
        ready = d.status?.readyReplicas ?? 0;
        await new Promise(resolve => setTimeout(resolve, 250));
      }
      expect(ready).toBeGreaterThanOrEqual(1);
    } finally {
      await ns.delete();
    }
  });
});
