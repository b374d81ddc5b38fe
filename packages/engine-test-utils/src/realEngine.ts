/*
 * The real environments engine for the tests of modules that consume it: the environments backend plugin on the local cluster
 * (kube-apiserver + kwok), with the example services imported and examples/environments/demo-dev.yaml created
 * with known secret values, so that a test can look for them where they must not be.
 *
 * The cluster is the one of the jest global setup when the run has one (ENVMESH_TEST_KUBECONFIG); otherwise
 * this helper starts its own.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  createBackendModule,
  BackendFeature,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports -- it runs the real engine for other modules' tests
import environmentsPlugin from '@envmesh/plugin-environments-backend';
import {
  binaryPath,
  LocalCluster,
  startLocalCluster,
  testKubeConfig,
} from '@envmesh/local-cluster';
import {
  EnvironmentsService,
  environmentsServiceRef,
} from '@envmesh/plugin-environments-node';

/** The repository's examples/ folder (this package is a workspace of the repository, never published). */
export const examples = resolvePackagePath(
  '@envmesh/engine-test-utils',
  '../../examples',
);

export interface RealEngine {
  /** The test backend's URL (`http://localhost:<port>`), for clients of another backend. */
  baseUrl: string;
  /** `fetch` on the test backend as a user; JSON in and out. */
  call(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }>;
  /** A request to the cluster's API server, GET by default. */
  kube(urlPath: string, method?: string): Promise<any>;
  /** The engine as other plugins' modules see it. */
  environments: EnvironmentsService;
  /** The namespace demo-dev was created in (unique per run, the cluster may be shared). */
  namespace: string;
  /** The values given for demo-dev's `demo-db-credentials` Secret. */
  secretValues: Record<string, string>;
  /** The example demo-dev definition as in the file. */
  definition: any;
  stop(): Promise<void>;
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

/**
 * Starts the backend with `features` beside the environments plugin, imports the example services and creates
 * demo-dev (waiting until its create operation succeeded).
 */
export async function startRealEngine(options: {
  features: Array<BackendFeature | Promise<{ default: BackendFeature }>>;
  config?: Record<string, unknown>;
}): Promise<RealEngine> {
  let ownCluster: LocalCluster | undefined;
  if (!process.env.ENVMESH_TEST_KUBECONFIG) {
    ownCluster = await startLocalCluster({ name: 'envmesh-module-test' });
    process.env.ENVMESH_TEST_KUBECONFIG = ownCluster.kubeconfigPath;
  }
  const kc = testKubeConfig();
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;

  let environments: EnvironmentsService | undefined;
  const captureEngine = createBackendModule({
    pluginId: 'environments',
    moduleId: 'test-engine-capture',
    register(reg) {
      reg.registerInit({
        deps: { bridge: environmentsServiceRef },
        async init({ bridge }) {
          environments = bridge;
        },
      });
    },
  });

  const backend = await startTestBackend({
    features: [
      environmentsPlugin,
      captureEngine,
      ...options.features,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://portal.example' },
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  {
                    name: 'local',
                    url: cluster.server,
                    authProvider: 'serviceAccount',
                    serviceAccountToken: user.token,
                    skipTLSVerify: true,
                  },
                ],
              },
            ],
          },
          environments: {
            helm: { binary: binaryPath('helm') },
            rollout: { readyTimeoutSeconds: 90 },
            import: { directoryRoots: [examples] },
          },
          ...options.config,
        },
      }),
    ],
  });
  const base = `http://localhost:${backend.server.port()}`;

  async function call(method: string, url: string, body?: unknown) {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: {
        Authorization: mockCredentials.user.header(),
        'Content-Type': 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function kube(urlPath: string, method = 'GET'): Promise<any> {
    const url = new URL(urlPath, cluster.server);
    const requestOptions: https.RequestOptions = { method };
    await kc.applyToHTTPSOptions(requestOptions);
    return new Promise((resolve, reject) => {
      https
        .request(url, requestOptions, res => {
          let text = '';
          res.on('data', chunk => (text += chunk));
          res.on('end', () =>
            res.statusCode && res.statusCode < 300
              ? resolve(JSON.parse(text))
              : reject(
                  new Error(`${method} ${urlPath}: ${res.statusCode} ${text}`),
                ),
          );
        })
        .on('error', reject)
        .end();
    });
  }

  let namespace: string | undefined;
  const stop = async () => {
    await backend.stop();
    if (!ownCluster && namespace) {
      await kube(`/api/v1/namespaces/${namespace}`, 'DELETE').catch(
        () => undefined,
      );
    }
    if (ownCluster) {
      delete process.env.ENVMESH_TEST_KUBECONFIG;
      await ownCluster.stop();
    }
  };

  try {
    const imported = await call('POST', '/api/environments/services/import', {
      source: { type: 'directory', location: examples },
    });
    if (imported.status !== 200) {
      throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
    }

    const definition = yaml.load(
      fs.readFileSync(
        path.join(examples, 'environments', 'demo-dev.yaml'),
        'utf8',
      ),
    ) as any;
    const suffix = crypto.randomBytes(3).toString('hex');
    namespace = `demo-dev-${suffix}`;
    // Values no document could contain by chance.
    const secretValues = {
      username: `u-${crypto.randomBytes(9).toString('hex')}`,
      password: `p-${crypto.randomBytes(12).toString('hex')}`,
    };
    const created = await call('POST', '/api/environments/environments', {
      ...definition.spec,
      name: definition.metadata.name,
      description: definition.metadata.description,
      namespace,
      config: {
        ...definition.spec.config,
        secrets: definition.spec.config.secrets.map((s: any) => ({
          ...s,
          values: secretValues,
        })),
      },
    });
    if (created.status !== 202) {
      throw new Error(`create failed: ${JSON.stringify(created.body)}`);
    }
    await until('the create operation of demo-dev', async () => {
      const op = await call(
        'GET',
        `/api/environments/operations/${created.body.id}`,
      );
      if (['failed', 'cancelled'].includes(op.body.state)) {
        throw new Error(
          `create of demo-dev ${op.body.state}: ${op.body.error}`,
        );
      }
      return op.body.state === 'succeeded' ? true : undefined;
    });

    return {
      baseUrl: base,
      call,
      kube,
      environments: environments!,
      namespace,
      secretValues,
      definition,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
