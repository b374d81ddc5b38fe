import crypto from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** The kubeconfig of the cluster the jest global setup started. */
export function testKubeConfig(): KubeConfig {
  const file = process.env.ENVMESH_TEST_KUBECONFIG;
  if (!file) {
    throw new Error(
      'ENVMESH_TEST_KUBECONFIG is not set: add "globalSetup": "@envmesh/local-cluster/src/jest/globalSetup.ts" to the package\'s jest config',
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** A namespace of its own for one test; delete() removes it (and, through kcm, everything in it). */
export async function createTestNamespace(
  prefix: string,
  kubeConfig: KubeConfig = testKubeConfig(),
): Promise<{ name: string; delete(): Promise<void> }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const name = `${prefix}-${crypto.randomBytes(3).toString('hex')}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { 'envmesh.io/test': 'true' } } },
  });
  return {
    name,
    delete: async () => {
      await core.deleteNamespace({ name });
    },
  };
}
