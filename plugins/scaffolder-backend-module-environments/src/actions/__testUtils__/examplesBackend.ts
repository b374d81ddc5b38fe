/*
 * Runs the examples of an action's `*.examples.ts` through the real scaffolder backend in dry-run, with this
 * module's actions calling the real environments backend plugin (in process), as templateRun.test.ts does. The
 * engine holds what the examples name: the environment `demo-dev` (in a namespace of its own on the local
 * cluster) and its feature branches `checkout-redesign` and `feature-1234`.
 */
import crypto from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports -- the examples run against the real engine
import environmentsPlugin from '@envmesh/plugin-environments-backend';
import {
  LocalCluster,
  binaryPath,
  startLocalCluster,
  testKubeConfig,
} from '@envmesh/local-cluster';
import { scaffolderModuleEnvmeshEnvironments } from '../../module';

const examplesDir = path.resolve(__dirname, '../../../../../examples');

/** Values of the `${{ parameters.* }}` the examples use. */
export const exampleParameters = {
  cluster: 'local',
  owner: 'group:default/team-a',
  services: ['demo-api'],
  source: 'demo-dev',
  environment: 'demo-dev',
  branch: 'feature/from-template',
  ttlHours: 4,
};

export interface ExamplesBackend {
  /** Runs the example in dry-run with the given template parameters; answers its log lines. */
  dryRun(
    example: TemplateExample,
    parameters: Record<string, unknown>,
  ): Promise<{ status: number; log: string[]; body: any }>;
  stop(): Promise<void>;
}

/**
 * Starts the backend with `demo-dev` deployed; with `features`, also its feature branches (whose deploy
 * operations run on: dry runs only read them).
 */
export async function startExamplesBackend(
  options: { features?: boolean } = {},
): Promise<ExamplesBackend> {
  let ownCluster: LocalCluster | undefined;
  if (!process.env.ENVMESH_TEST_KUBECONFIG) {
    ownCluster = await startLocalCluster({ name: 'scaffolder-examples' });
    process.env.ENVMESH_TEST_KUBECONFIG = ownCluster.kubeconfigPath;
  }
  const kc = testKubeConfig();
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser()!;
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      scaffolderModuleEnvmeshEnvironments,
      environmentsPlugin,
      catalogServiceMock.factory({ entities: [] }),
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
            import: { directoryRoots: [examplesDir] },
            rollout: { readyTimeoutSeconds: 90 },
          },
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
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  // What the examples name.
  const namespace = `examples-${crypto.randomBytes(3).toString('hex')}`;
  await call('POST', '/api/environments/services/import', {
    source: { type: 'directory', location: examplesDir },
  });
  const created = await call('POST', '/api/environments/environments', {
    name: 'demo-dev',
    namespace,
    cluster: 'local',
    owner: 'group:default/platform-team',
    services: [{ name: 'demo-api' }, { name: 'demo-orders' }],
  });
  // Feature instances go beside deployed services only.
  let { state } = created;
  while (!['succeeded', 'failed'].includes(state)) {
    await new Promise(resolve => setTimeout(resolve, 1000));
    ({ state } = await call(
      'GET',
      `/api/environments/operations/${created.id}`,
    ));
  }
  if (state !== 'succeeded') {
    throw new Error(`demo-dev did not deploy: ${state}`);
  }

  for (const [name, services] of options.features
    ? ([
        ['checkout-redesign', ['demo-api']],
        ['feature-1234', ['demo-api', 'demo-orders']],
      ] as const)
    : []) {
    await call('POST', '/api/environments/features', {
      name,
      environment: 'demo-dev',
      instances: services.map(service => ({ service })),
    });
  }

  return {
    async dryRun(example, parameters) {
      const { steps } = yaml.load(example.example) as { steps: unknown[] };
      const res = await fetch(`${base}/api/scaffolder/v2/dry-run`, {
        method: 'POST',
        headers: {
          Authorization: mockCredentials.user.header(),
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          template: {
            apiVersion: 'scaffolder.backstage.io/v1beta3',
            kind: 'Template',
            metadata: { name: 'example', namespace: 'default' },
            spec: {
              owner: 'group:default/platform-team',
              type: 'example',
              parameters: [],
              steps,
            },
          },
          values: parameters,
          directoryContents: [],
        }),
      });
      const body = await res.json();
      const escape = String.fromCharCode(27);
      const log = (
        (body.log ?? []) as Array<{ body: { message: string } }>
      ).map(e =>
        e.body.message
          .split(escape)
          .map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, '')))
          .join('')
          .replace(/^(info|warn|error): /, ''),
      );
      return { status: res.status, log, body };
    },
    async stop() {
      await backend.stop();
      if (ownCluster) {
        delete process.env.ENVMESH_TEST_KUBECONFIG;
        await ownCluster.stop();
      } else {
        // Leave no namespace behind on the shared cluster.
        await deleteNamespace(kc, namespace).catch(() => undefined);
      }
    },
  };
}

async function deleteNamespace(
  kc: ReturnType<typeof testKubeConfig>,
  namespace: string,
) {
  const url = new URL(
    `/api/v1/namespaces/${namespace}`,
    kc.getCurrentCluster()!.server,
  );
  const options: https.RequestOptions = { method: 'DELETE' };
  await kc.applyToHTTPSOptions(options);
  await new Promise((resolve, reject) => {
    https.request(url, options, resolve).on('error', reject).end();
  });
}
