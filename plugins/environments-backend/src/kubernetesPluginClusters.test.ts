import path from 'node:path';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import kubernetesPlugin from '@backstage/plugin-kubernetes-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  ApiCall,
  apiCaller,
  eventually,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { startKubectlProxy } from './__testUtils__/kubectlProxy';
import { kubernetesModuleEnvmeshClusters } from './clusters';
import { environmentsPlugin } from './plugin';

jest.setTimeout(180_000);

const examples = path.resolve(__dirname, '../../../examples');

function clusterResource(
  name: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      title: `${name} (from the catalog)`,
      annotations: {
        // The catalog locator lists only clusters with a CA; a proxy on plain HTTP does not use it.
        'kubernetes.io/api-server-certificate-authority': 'unused',
        ...annotations,
      },
    },
    spec: { type: 'kubernetes-cluster', owner: 'group:default/platform-team' },
  };
}

/**
 * Clusters the way the Kubernetes plugin finds them (issue 14, item 3): with kubernetesModuleEnvmeshClusters,
 * envmesh takes every cluster of the Kubernetes plugin's own supplier, here a `config` cluster and two
 * `catalog` ones (kubernetes-cluster Resources), and deploys to a catalog cluster through it.
 */
describe("the Kubernetes plugin's clusters", () => {
  let proxy: Awaited<ReturnType<typeof startKubectlProxy>>;
  let call: ApiCall;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    proxy = await startKubectlProxy();
    const config = localBackendConfig({
      clusters: { refreshIntervalSeconds: 1 },
    });
    const backend = await startTestBackend({
      features: [
        environmentsPlugin,
        kubernetesPlugin,
        kubernetesModuleEnvmeshClusters,
        schedulerServiceFactory,
        catalogServiceMock.factory({
          entities: [
            clusterResource('proxied', {
              'kubernetes.io/api-server': proxy.url,
              'kubernetes.io/auth-provider': 'localKubectlProxy',
            }),
            clusterResource('signed-in', {
              'kubernetes.io/api-server': 'https://127.0.0.1:6443',
              'kubernetes.io/auth-provider': 'oidc',
              'kubernetes.io/oidc-token-provider': 'okta',
            }),
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            ...config,
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                ...config.kubernetes.clusterLocatorMethods,
                { type: 'catalog', dangerouslyAllowClusterUrls: ['127.0.0.1'] },
              ],
            },
          },
        }),
      ],
    });
    call = apiCaller(backend.server);
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    proxy?.close();
  });

  it('lists the config and catalog clusters, and why one that needs a signed-in user cannot be used', async () => {
    const clusters = await eventually(async () => {
      const { body } = await call('get', '/clusters');
      return body.items.length === 3 ? body.items : undefined;
    });
    expect(clusters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'local', title: 'Local cluster' }),
        {
          name: 'proxied',
          title: 'proxied (from the catalog)',
          url: proxy.url,
        },
        expect.objectContaining({
          name: 'signed-in',
          unavailable: expect.stringContaining(
            "authProvider 'oidc' uses the signed-in user's token",
          ),
        }),
      ]),
    );
    expect((await call('get', '/clusters/proxied/status')).body).toEqual({
      reachable: true,
      version: expect.stringMatching(/^v1\./),
    });
    const refused = await call('post', '/environments', {
      name: 'on-signed-in',
      cluster: 'signed-in',
      owner: 'group:default/platform-team',
      services: [{ name: 'config-service' }],
    });
    expect(refused.status).toBe(503);
    expect(refused.body.error.message).toContain(
      "cluster 'signed-in' is unavailable",
    );
  });

  it('creates an environment on a cluster found in the catalog', async () => {
    const imported = await call('post', '/services/import', {
      source: { type: 'directory', location: examples },
    });
    expect(imported.status).toBe(200);
    const created = await call('post', '/environments', {
      name: 'on-catalog-cluster',
      cluster: 'proxied',
      owner: 'group:default/platform-team',
      services: [{ name: 'config-service' }],
    });
    expect(created.status).toBe(202);
    expect((await waitForOperation(call, created.body.id)).state).toBe(
      'succeeded',
    );
    const { body: status } = await call(
      'get',
      '/environments/on-catalog-cluster/status',
    );
    expect(status.services).toEqual([
      expect.objectContaining({ name: 'config-service', ready: true }),
    ]);
    const deleted = await call('delete', '/environments/on-catalog-cluster');
    expect((await waitForOperation(call, deleted.body.id)).state).toBe(
      'succeeded',
    );
  });
});
