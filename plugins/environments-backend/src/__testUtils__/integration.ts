import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import request from 'supertest';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { binaryPath } from '@envmesh/local-cluster';
import { environmentsPlugin } from '../plugin';

/** The cluster of the jest global setup, as the Kubernetes plugin's config names it (`local`). */
export function localClusterConfig() {
  const kubeconfig = yaml.load(
    fs.readFileSync(process.env.ENVMESH_TEST_KUBECONFIG!, 'utf8'),
  ) as any;
  return {
    name: 'local',
    title: 'Local cluster',
    url: kubeconfig.clusters[0].cluster.server,
    authProvider: 'serviceAccount',
    serviceAccountToken: kubeconfig.users[0].user.token,
    skipTLSVerify: true,
  };
}

/**
 * The root config of a test backend on the local cluster with the real helm, and these `environments`
 * settings besides the helm binary.
 */
export function localBackendConfig(environments: object = {}) {
  return {
    app: { baseUrl: 'http://localhost:3000' },
    kubernetes: {
      clusterLocatorMethods: [
        { type: 'config', clusters: [localClusterConfig()] },
      ],
    },
    environments: {
      helm: { binary: binaryPath('helm') },
      // The repository's examples and the repositories tests write to the temp folder.
      import: {
        directoryRoots: [path.resolve(__dirname, '../../../..'), os.tmpdir()],
      },
      ...environments,
    },
  };
}

export type ApiCall = (
  method: 'get' | 'post' | 'patch' | 'put' | 'delete',
  url: string,
  body?: object,
) => Promise<request.Response>;

/** Calls `/api/environments<url>` on a test backend's server. */
export function apiCaller(
  server: Parameters<typeof request>[0],
  onResponse?: (res: request.Response) => void,
): ApiCall {
  return async (method, url, body) => {
    const res = await request(server)
      [method](`/api/environments${url}`)
      .send(body);
    onResponse?.(res);
    return res;
  };
}

/** Polls an operation until it is no longer pending or running. */
export async function waitForOperation(
  call: ApiCall,
  id: string,
  timeoutMs = 120_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call('get', `/operations/${id}`);
    if (!['pending', 'running'].includes(res.body.state)) return res.body;
    if (Date.now() > deadline) {
      throw new Error(`operation ${id} still ${res.body.state}`);
    }
    await new Promise(resolve => setTimeout(resolve, 300));
  }
}

/** Polls until `check` returns a value other than undefined (or throws its last error at the timeout). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw lastError ?? new Error('condition not met in time');
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
}

/**
 * A test backend with the environments plugin (the real scheduler, a catalog of these entities (none by
 * default), these `environments`
 * settings) that imported the services repository at `repo`: throws unless every service in it imported.
 */
export async function startImportedBackend(
  repo: string,
  environments: object,
  catalog: { entities?: Entity[] } = {},
): Promise<{ call: ApiCall; port: number; stop: () => Promise<void> }> {
  const backend = await startTestBackend({
    features: [
      environmentsPlugin,
      schedulerServiceFactory,
      catalogServiceMock.factory({ entities: catalog.entities ?? [] }),
      mockServices.rootConfig.factory({
        data: localBackendConfig(environments),
      }),
    ],
  });
  const call = apiCaller(backend.server);
  const stop = () => backend.stop();
  const imported = await call('post', '/services/import', {
    source: { type: 'directory', location: repo },
  });
  if (imported.status !== 200 || imported.body.failed?.length) {
    await stop();
    throw new Error(
      `import of ${repo} failed: ${JSON.stringify(imported.body).slice(
        0,
        2000,
      )}`,
    );
  }
  return { call, port: backend.server.port(), stop };
}
