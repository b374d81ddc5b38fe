import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  CoreV1Api,
  KubernetesObject,
  PatchStrategy,
  Watch,
} from '@kubernetes/client-node';
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import { localClusterConfig } from '../__testUtils__/integration';
import { startKubectlProxy } from '../__testUtils__/kubectlProxy';
import { mockServices } from '@backstage/backend-test-utils';
import { DynamicClient, isApiStatus } from '../apply/DynamicClient';
import { ClusterRegistry } from './ClusterRegistry';

function registry(
  clusters: object[],
  logger = mockServices.logger.mock(),
  environments: object = {},
) {
  return ClusterRegistry.fromConfig(
    new ConfigReader({
      kubernetes: {
        clusterLocatorMethods: [
          { type: 'catalog' },
          { type: 'config', clusters },
        ],
      },
      environments,
    }),
    { logger },
  );
}

/**
 * Counts the TCP connections the process opens while `work` runs, but the local cluster's own: run in band,
 * a test shares its process with the cluster that jest's global setup started (its storage provisioner).
 */
async function connectionsOpenedBy(work: () => Promise<void>) {
  let opened = 0;
  const count = () => {
    if (!new Error().stack?.includes('/local-cluster/src/')) opened += 1;
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

  it('sends concurrent requests of a cluster as streams of one HTTP/2 connection', async () => {
    const kubeConfig = registry([localClusterConfig()], undefined, {
      clusters: { http2: true },
    }).kubeConfig('local');
    const client = DynamicClient.for(kubeConfig);
    const namespaces = () =>
      Promise.all(
        Array.from({ length: 20 }, () => client.list('v1', 'Namespace')),
      );
    await namespaces(); // discovery, and the connection

    const opened = await connectionsOpenedBy(async () => {
      const lists = await namespaces();
      expect(
        lists.every(l => l.items.some(n => n.metadata?.name === 'default')),
      ).toBe(true);
      // A write (server-side apply) and an error come back as over HTTP/1.1.
      const name = `h2-${Date.now()}`;
      const configMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'default' },
        data: { a: '1' },
      } as KubernetesObject;
      const applied = await client.patch(
        configMap,
        undefined,
        undefined,
        'envmesh-test',
        true,
        PatchStrategy.ServerSideApply,
      );
      expect(applied.metadata?.resourceVersion).toBeTruthy();
      // A delete with a body (DeleteOptions), as envmesh's deletes send.
      await client.delete(
        applied,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        {
          preconditions: { resourceVersion: applied.metadata!.resourceVersion },
        },
      );
      const missing = await client
        .read({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace: 'default' },
        })
        .catch(e => e);
      expect(isApiStatus(missing, 404)).toBe(true);
    });
    expect(opened).toBe(0);

    // HTTP/1.1 (http2: false) opens a connection per request in flight.
    const http1 = DynamicClient.for(
      registry([localClusterConfig()], undefined, {
        clusters: { http2: false },
      }).kubeConfig('local'),
    );
    await http1.list('v1', 'Namespace');
    const openedByHttp1 = await connectionsOpenedBy(async () => {
      await Promise.all(
        Array.from({ length: 20 }, () => http1.list('v1', 'Namespace')),
      );
    });
    expect(openedByHttp1).toBeGreaterThan(1);
  });

  it('speaks HTTP/1.1 to a server in front of the API server that does not speak HTTP/2', async () => {
    const pki = path.join(
      path.dirname(process.env.ENVMESH_TEST_KUBECONFIG!),
      'pki',
    );
    const requests: string[] = [];
    const proxy = await startKubectlProxy({
      tls: {
        cert: fs.readFileSync(path.join(pki, 'apiserver.crt')),
        key: fs.readFileSync(path.join(pki, 'apiserver.key')),
      },
      onRequest: (method, url) => requests.push(`${method} ${url}`),
    });
    try {
      const client = DynamicClient.for(
        registry([{ ...localClusterConfig(), url: proxy.url }], undefined, {
          clusters: { http2: true },
        }).kubeConfig('local'),
      );
      for (let i = 0; i < 3; i++) {
        const list = await client.list('v1', 'Namespace');
        expect(list.items.some(n => n.metadata?.name === 'default')).toBe(true);
      }
      expect(requests.filter(r => r === 'GET /api/v1/namespaces')).toHaveLength(
        3,
      );
    } finally {
      proxy.close();
    }
  });
});
