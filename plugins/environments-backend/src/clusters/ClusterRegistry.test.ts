import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import diagnostics from 'node:diagnostics_channel';
import { localClusterConfig } from '../__testUtils__/integration';
import { mockServices } from '@backstage/backend-test-utils';
import { ClusterRegistry } from './ClusterRegistry';

function registry(clusters: object[], logger = mockServices.logger.mock()) {
  return ClusterRegistry.fromConfig(
    new ConfigReader({
      kubernetes: {
        clusterLocatorMethods: [
          { type: 'catalog' },
          { type: 'config', clusters },
        ],
      },
    }),
    { logger },
  );
}

/** Counts the TCP connections the process opens while `work` runs. */
async function connectionsOpenedBy(work: () => Promise<void>) {
  let opened = 0;
  const count = () => {
    opened += 1;
  };
  diagnostics.subscribe('net.client.socket', count);
  try {
    await work();
  } finally {
    diagnostics.unsubscribe('net.client.socket', count);
  }
  return opened;
}

describe('ClusterRegistry', () => {
  it('lists the config clusters of the Kubernetes plugin and names the field of an unknown one', () => {
    const logger = mockServices.logger.mock();
    const clusters = registry(
      [
        localClusterConfig(),
        { name: 'prod', url: 'https://10.0.0.1', title: 'Production' },
      ],
      logger,
    );
    // The catalog locator is read only through the Kubernetes plugin, with envmesh's module for it.
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        "of type 'catalog' are read through the Kubernetes plugin: add kubernetesModuleEnvmeshClusters",
      ),
    );
    expect(clusters.list()).toEqual([
      { name: 'local', url: expect.any(String), title: 'Local cluster' },
      { name: 'prod', url: 'https://10.0.0.1', title: 'Production' },
    ]);
    expect(() => clusters.kubeConfig('staging', 'spec.cluster')).toThrow(
      new InputError(
        "spec.cluster: unknown cluster 'staging' (configured: local, prod)",
      ),
    );
  });

  it('reports a reachable cluster with its version and an unreachable one with the reason', async () => {
    const clusters = registry([
      localClusterConfig(),
      {
        name: 'gone',
        url: 'https://127.0.0.1:1',
        skipTLSVerify: true,
        serviceAccountToken: 'a-token',
      },
    ]);
    await expect(clusters.status('local')).resolves.toEqual({
      reachable: true,
      version: expect.stringMatching(/^v1\./),
    });
    await expect(clusters.status('gone')).resolves.toEqual({
      reachable: false,
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('sends the requests and watches of a cluster over reused connections', async () => {
    const kubeConfig = registry([localClusterConfig()]).kubeConfig('local');
    const core = kubeConfig.makeApiClient(CoreV1Api);

    const opened = await connectionsOpenedBy(async () => {
      for (let i = 0; i < 10; i++) await core.listNamespace();
      const watch = await new Watch(kubeConfig).watch(
        '/api/v1/namespaces',
        {},
        () => {},
        () => {},
      );
      watch.abort();
      for (let i = 0; i < 10; i++)
        await core.readNamespace({ name: 'default' });
    });

    // One for the requests, one for the watch (which holds its connection); client-node alone opens 21.
    expect(opened).toBeLessThanOrEqual(2);
  });
});
