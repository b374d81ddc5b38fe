/*
 * End to end: the templates this package ships run as tasks of the real scaffolder backend, with this module's actions
 * calling the real environments backend plugin (in process, through environmentsServiceRef), which deploys to
 * the local cluster (kube-apiserver + kwok). Checks that the pods get ready, that retrying a finished task
 * does not create or deploy twice, and runs every action for real and in dry-run. The export template publishes
 * with the stock publish:github into a bare repository of a local Git host stand-in.
 *
 * The cluster is the one of the jest global setup when the run has one (ENVMESH_TEST_KUBECONFIG, as in
 * `yarn backstage-cli repo test`); otherwise this file starts its own.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import githubModule from '@backstage/plugin-scaffolder-backend-module-github';
// eslint-disable-next-line @backstage/no-mixed-plugin-imports -- the end-to-end test runs the real engine
import environmentsPlugin from '@envmesh/plugin-environments-backend';
import {
  FEATURE_NODE_POOL,
  LocalCluster,
  binaryPath,
  startLocalCluster,
  testKubeConfig,
} from '@envmesh/local-cluster';
import { scaffolderModuleEnvmeshEnvironments } from './module';
import { LocalGitHost, startLocalGitHost } from './__testUtils__/localGitHost';

jest.setTimeout(300_000);

const examples = path.resolve(__dirname, '../../../examples');
const suffix = crypto.randomBytes(3).toString('hex');
const ENV = `scaf-${suffix}`;
const COPY = `scaf-${suffix}-copy`;
const FEATURE = `scaf-feature-${suffix}`;
const TEMPLATE_COPY = `scaf-${suffix}-tcopy`;
/** Only ever dry-run: must never exist. */
const DRY = `scaf-${suffix}-dry`;

function template(name: string) {
  return yaml.load(
    fs.readFileSync(
      path.resolve(__dirname, '../templates', name, 'template.yaml'),
      'utf8',
    ),
  ) as any;
}

/** A template of one step, for the actions no example template uses. */
function inlineTemplate(
  name: string,
  step: { action: string; input: Record<string, unknown> },
) {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: { name, namespace: 'default' },
    spec: {
      owner: 'group:default/platform-team',
      type: 'test',
      parameters: [],
      steps: [{ id: 'run', name: step.action, ...step }],
    },
  };
}

/** Retries `check` until it stops throwing, for up to 30 s. */
async function eventually(check: () => Promise<void>) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }
}

/** A task log line without its colours and level prefix (`\u001b[32minfo\u001b[39m: `). */
function plain(message: string) {
  const escape = String.fromCharCode(27);
  return message
    .split(escape)
    .map((part, index) => (index === 0 ? part : part.replace(/^\[\d+m/, '')))
    .join('')
    .replace(/^(info|warn|error): /, '');
}

/** The messages of a dry run's log. */
function dryRunLog(body: { log: Array<{ body: { message: string } }> }) {
  return body.log.map(e => plain(e.body.message));
}

type TaskEvent = {
  type: string;
  body: { message?: string; stepId?: string; output?: Record<string, any> };
};

describe('example templates run through the scaffolder backend on the local cluster', () => {
  let ownCluster: LocalCluster | undefined;
  let kc: ReturnType<typeof testKubeConfig>;
  let base: string;
  let stop: () => Promise<void>;
  let gitHost: LocalGitHost;

  const headers = {
    Authorization: mockCredentials.user.header(),
    'Content-Type': 'application/json',
  };
  async function call(method: string, url: string, body?: unknown) {
    const res = await fetch(`${base}${url}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function runTask(templateRef: string, values: Record<string, unknown>) {
    const res = await call('POST', '/api/scaffolder/v2/tasks', {
      templateRef,
      values,
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** Waits until the task is no longer open or processing; returns its status and events. */
  async function settled(taskId: string, timeoutMs = 240_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const task = await call('GET', `/api/scaffolder/v2/tasks/${taskId}`);
      if (!['open', 'processing'].includes(task.body.status)) {
        const events = await call(
          'GET',
          `/api/scaffolder/v2/tasks/${taskId}/events`,
        );
        const list = events.body as TaskEvent[];
        return {
          status: task.body.status as string,
          events: list,
          messages: list.flatMap(e =>
            e.body.message ? [plain(e.body.message)] : [],
          ),
          output: list.filter(e => e.type === 'completion').at(-1)?.body.output,
        };
      }
      if (Date.now() > deadline) {
        throw new Error(`task ${taskId} still ${task.body.status}`);
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  async function operationsOf(url: string) {
    const res = await call('GET', `/api/environments${url}`);
    expect(res.status).toBe(200);
    return res.body.items as Array<{ id: string; type: string; state: string }>;
  }

  /** GET on the cluster's API server, as the kubeconfig's admin. */
  async function kube(urlPath: string, method = 'GET'): Promise<any> {
    const url = new URL(urlPath, kc.getCurrentCluster()!.server);
    const options: https.RequestOptions = { method };
    await kc.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      https
        .request(url, options, res => {
          let body = '';
          res.on('data', chunk => (body += chunk));
          res.on('end', () =>
            res.statusCode && res.statusCode < 300
              ? resolve(JSON.parse(body))
              : reject(
                  new Error(`${method} ${urlPath}: ${res.statusCode} ${body}`),
                ),
          );
        })
        .on('error', reject)
        .end();
    });
  }

  /** The `app.kubernetes.io/instance` of the namespace's Ready pods (`demo-api`, `demo-api.<feature>`). */
  async function readyPods(namespace: string): Promise<string[]> {
    const pods = await kube(`/api/v1/namespaces/${namespace}/pods`);
    return pods.items
      .filter((p: any) =>
        p.status?.conditions?.some(
          (c: any) => c.type === 'Ready' && c.status === 'True',
        ),
      )
      .map(
        (p: any) =>
          p.metadata.labels?.['app.kubernetes.io/instance'] ?? p.metadata.name,
      );
  }

  /** Asserts that the engine has no environment `name`, no operation of it, and the cluster no namespace. */
  async function expectNothingCreated(name: string) {
    expect(
      (await call('GET', `/api/environments/environments/${name}`)).status,
    ).toBe(404);
    const operations = await call(
      'GET',
      `/api/environments/environments/${name}/operations`,
    );
    expect(operations.status === 404 ? [] : operations.body.items).toEqual([]);
    await expect(kube(`/api/v1/namespaces/${name}`)).rejects.toThrow(/: 404 /);
  }

  beforeAll(async () => {
    if (!process.env.ENVMESH_TEST_KUBECONFIG) {
      ownCluster = await startLocalCluster({ name: 'scaffolder-e2e' });
      process.env.ENVMESH_TEST_KUBECONFIG = ownCluster.kubeconfigPath;
    }
    kc = testKubeConfig();
    const cluster = kc.getCurrentCluster()!;
    const user = kc.getCurrentUser()!;
    gitHost = await startLocalGitHost();

    const backend = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleEnvmeshEnvironments,
        // The stock publish actions, publishing to the local Git host.
        githubModule,
        environmentsPlugin,
        // The catalog the scaffolder reads the templates from (and the engine its components).
        catalogServiceMock.factory({
          entities: [
            template('new-environment'),
            template('feature-branch'),
            template('export-environment'),
            inlineTemplate('copy-environment', {
              action: 'envmesh:environment:copy',
              input: { source: ENV, name: COPY },
            }),
            inlineTemplate('delete-feature', {
              action: 'envmesh:feature:delete',
              input: { name: FEATURE },
            }),
          ],
        }),
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://portal.example' },
            integrations: {
              github: [
                {
                  host: gitHost.host,
                  apiBaseUrl: gitHost.apiBaseUrl,
                  token: 'local-git-host-token',
                },
              ],
            },
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
              import: { directoryRoots: [examples] },
              rollout: { readyTimeoutSeconds: 90 },
              features: {
                placement: {
                  nodeSelector: {
                    [FEATURE_NODE_POOL.label.key]:
                      FEATURE_NODE_POOL.label.value,
                  },
                  tolerations: [
                    {
                      key: FEATURE_NODE_POOL.taint.key,
                      operator: 'Equal',
                      value: FEATURE_NODE_POOL.taint.value,
                      effect: FEATURE_NODE_POOL.taint.effect,
                    },
                  ],
                },
              },
            },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}`;
    stop = () => backend.stop();

    const imported = await call('POST', '/api/environments/services/import', {
      source: { type: 'directory', location: examples },
    });
    if (imported.status !== 200) {
      throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
    }
  }, 300_000);

  afterAll(async () => {
    await stop?.();
    await gitHost?.stop();
    if (ownCluster) {
      delete process.env.ENVMESH_TEST_KUBECONFIG;
      await ownCluster.stop();
    } else if (kc) {
      for (const name of [ENV, COPY, TEMPLATE_COPY]) {
        await kube(`/api/v1/namespaces/${name}`, 'DELETE').catch(
          () => undefined,
        );
      }
    }
  });

  it('the "New environment" template in dry-run reports the environment it would create and creates nothing', async () => {
    const res = await call('POST', '/api/scaffolder/v2/dry-run', {
      template: template('new-environment'),
      values: {
        name: DRY,
        cluster: 'local',
        owner: 'group:default/team-a',
        services: ['config-service', 'demo-api'],
      },
      directoryContents: [],
    });

    expect(res.status).toBe(200);
    expect(dryRunLog(res.body)).toContainEqual(
      `dry run: would create environment '${DRY}' on cluster 'local' with services: config-service, demo-api`,
    );
    expect(res.body.output?.links).toEqual([
      expect.objectContaining({
        url: `http://portal.example/environments/${DRY}`,
      }),
    ]);
    await expectNothingCreated(DRY);
  });

  let createTask: string;

  it('"New environment" creates an environment whose pods get ready, logging its progress', async () => {
    createTask = await runTask('template:default/envmesh-new-environment', {
      name: ENV,
      cluster: 'local',
      owner: 'group:default/team-a',
      services: ['config-service', 'demo-api'],
    });
    const run = await settled(createTask);

    expect({ status: run.status, messages: run.messages }).toMatchObject({
      status: 'completed',
    });
    expect(run.messages).toContainEqual(
      expect.stringMatching(
        new RegExp(`^started create of environment '${ENV}' \\(operation `),
      ),
    );
    expect(run.messages).toContainEqual(
      expect.stringMatching(/^step \d+\/\d+: .*demo-api.* \(succeeded\)$/),
    );
    expect(run.output?.links).toEqual([
      {
        title: 'Open environment',
        icon: 'dashboard',
        url: `http://portal.example/environments/${ENV}`,
      },
    ]);
    expect((await readyPods(ENV)).sort()).toEqual(
      expect.arrayContaining(['config-service', 'demo-api']),
    );
    const creates = (
      await operationsOf(`/environments/${ENV}/operations`)
    ).filter(o => o.type === 'create');
    expect(creates).toEqual([expect.objectContaining({ state: 'succeeded' })]);
  });

  it('"Export an environment to Git" publishes its files with the stock publish:github, as Argo CD and Flux read them', async () => {
    const repo = `export-${suffix}`;
    const taskId = await runTask(
      'template:default/envmesh-export-environment',
      {
        environment: ENV,
        repoUrl: `${gitHost.host}?owner=envmesh&repo=${repo}`,
      },
    );
    const { status, messages, output } = await settled(taskId);
    expect({ status, messages }).toMatchObject({ status: 'completed' });
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^wrote \\d+ files of environment '${ENV}' into the workspace`,
        ),
      ),
    );
    expect(output?.links).toEqual([
      expect.objectContaining({ title: 'Repository' }),
    ]);
    // What the repository holds, as anyone cloning it sees it.
    const clone = fs.mkdtempSync(
      path.join(os.tmpdir(), 'envmesh-export-clone-'),
    );
    try {
      // The template publishes to `main`.
      execFileSync('git', [
        'clone',
        '-q',
        '--branch',
        'main',
        gitHost.repositoryPath(repo),
        clone,
      ]);
      expect(
        execFileSync('git', ['log', '--format=%s'], {
          cwd: clone,
          encoding: 'utf8',
        }).trim(),
      ).toBe(`Export of envmesh environment ${ENV}`);
      const document = yaml.load(
        fs.readFileSync(path.join(clone, 'environment.yaml'), 'utf8'),
      ) as any;
      expect(document).toMatchObject({
        apiVersion: 'envmesh.io/v1alpha1',
        kind: 'Environment',
        metadata: { name: ENV },
      });
      expect(
        fs.existsSync(path.join(clone, 'manifests/kustomization.yaml')),
      ).toBe(true);
      for (const { name } of document.spec.services) {
        expect(
          fs.existsSync(
            path.join(clone, 'manifests', name, 'kustomization.yaml'),
          ),
        ).toBe(true);
      }
    } finally {
      fs.rmSync(clone, { recursive: true, force: true });
    }
  });

  it('retrying the finished task does not create the environment again', async () => {
    const before = await operationsOf(`/environments/${ENV}/operations`);
    const retried = await call(
      'POST',
      `/api/scaffolder/v2/tasks/${createTask}/retry`,
      {},
    );
    expect(retried.status).toBe(201);
    // The retry reopened the task; it ran the step again (a second "succeeded" line) without starting anything.
    const run = await settled(createTask);

    expect(run.status).toBe('completed');
    expect(
      run.messages.filter(m =>
        m.startsWith(`create of environment '${ENV}' succeeded`),
      ),
    ).toHaveLength(2);
    expect(
      run.messages.filter(m => m.startsWith('started create')),
    ).toHaveLength(1);
    expect(await operationsOf(`/environments/${ENV}/operations`)).toEqual(
      before,
    );
  });

  it('envmesh:environment:copy in dry-run reports the copy of the real environment and creates nothing', async () => {
    const before = await operationsOf(`/environments/${ENV}/operations`);
    const res = await call('POST', '/api/scaffolder/v2/dry-run', {
      template: inlineTemplate('copy-environment-dry', {
        action: 'envmesh:environment:copy',
        input: { source: ENV, name: DRY },
      }),
      values: {},
      directoryContents: [],
    });

    expect(res.status).toBe(200);
    expect(dryRunLog(res.body)).toContainEqual(
      `dry run: would copy environment '${ENV}' to '${DRY}' on cluster 'local', service overrides: none`,
    );
    await expectNothingCreated(DRY);
    expect(await operationsOf(`/environments/${ENV}/operations`)).toEqual(
      before,
    );
  });

  it('the "Feature branch" template in dry-run checks the real engine and deploys nothing', async () => {
    const res = await call('POST', '/api/scaffolder/v2/dry-run', {
      template: template('feature-branch'),
      values: {
        environment: `resource:default/${ENV}`,
        name: FEATURE,
        services: ['demo-api'],
        ttlHours: 2,
      },
      directoryContents: [],
    });

    expect(res.status).toBe(200);
    expect(dryRunLog(res.body)).toContainEqual(
      `dry run: would create feature branch '${FEATURE}' of environment '${ENV}' on cluster 'local' with instances demo-api, expiring in 2 hours`,
    );
    expect(
      (await call('GET', `/api/environments/features/${FEATURE}`)).status,
    ).toBe(404);
  });

  it('"Feature branch" without a name, from a branch that names no feature, fails naming the fields and deploys nothing', async () => {
    const run = await settled(
      await runTask('template:default/envmesh-feature-branch', {
        environment: `resource:default/${ENV}`,
        branch: '///',
        services: ['demo-api'],
      }),
    );

    expect(run.status).toBe('failed');
    expect(run.messages).toContainEqual(
      expect.stringContaining(
        "name: not given, and branch '///' does not yield a feature name",
      ),
    );
    expect(
      (await call('GET', '/api/environments/features')).body.items,
    ).toEqual([]);
  });

  let featureTask: string;

  it('"Feature branch" deploys a feature instance named from the branch that gets ready, and a retry does not deploy it again', async () => {
    // A preview service to enter by, for the deploy's reachability pre-flight.
    const entry = await call('PATCH', `/api/environments/environments/${ENV}`, {
      previewService: 'config-service',
    });
    expect(entry.status).toBe(202);
    await eventually(async () => {
      const op = await call(
        'GET',
        `/api/environments/operations/${entry.body.id}`,
      );
      expect(op.body.state).toBe('succeeded');
    });
    // No feature name: the engine's push rule names it from the branch (feature/<name> → <name>).
    featureTask = await runTask('template:default/envmesh-feature-branch', {
      environment: `resource:default/${ENV}`,
      branch: `feature/${FEATURE}`,
      services: ['demo-api'],
      ttlHours: 2,
    });
    const run = await settled(featureTask);

    expect({ status: run.status, messages: run.messages }).toMatchObject({
      status: 'completed',
    });
    // The deploy ran the reachability pre-flight against the engine first: nothing in the catalog says
    // config-service calls demo-api, which the task log warns about without stopping the deploy.
    expect(run.messages).toContainEqual(
      'pre-flight: a request from config-service does not reach the instance of demo-api: not reached: no service on a call path from config-service calls it',
    );
    expect(run.output?.links).toEqual([
      {
        title: 'Open feature branch',
        icon: 'dashboard',
        url: `http://portal.example/feature-branches/${FEATURE}`,
      },
    ]);
    const feature = (await call('GET', `/api/environments/features/${FEATURE}`))
      .body;
    expect(feature).toMatchObject({
      environment: ENV,
      source: { branch: `feature/${FEATURE}` },
      instances: [
        expect.objectContaining({ service: 'demo-api', state: 'ready' }),
      ],
    });
    expect(await readyPods(ENV)).toContain(`demo-api.${FEATURE}`);
    const deploys = await operationsOf(`/features/${FEATURE}/operations`);
    expect(deploys).toEqual([
      expect.objectContaining({ type: 'deploy-feature', state: 'succeeded' }),
    ]);

    expect(
      (await call('POST', `/api/scaffolder/v2/tasks/${featureTask}/retry`, {}))
        .status,
    ).toBe(201);
    const retried = await settled(featureTask);
    expect(retried.status).toBe('completed');
    expect(retried.messages.filter(m => m.includes('is ready'))).toHaveLength(
      2,
    );
    expect(await operationsOf(`/features/${FEATURE}/operations`)).toEqual(
      deploys,
    );
  });

  it('envmesh:environment:copy copies the environment with its services', async () => {
    const run = await settled(
      await runTask('template:default/copy-environment', {}),
    );

    expect({ status: run.status, messages: run.messages }).toMatchObject({
      status: 'completed',
    });
    expect((await readyPods(COPY)).sort()).toEqual(
      expect.arrayContaining(['config-service', 'demo-api']),
    );
  });

  it('"New environment" with Copy from (an environment Resource picked in the catalog) copies that environment', async () => {
    const run = await settled(
      await runTask('template:default/envmesh-new-environment', {
        name: TEMPLATE_COPY,
        cluster: 'local',
        owner: 'group:default/team-a',
        services: [],
        copyFrom: `resource:default/${ENV}`,
      }),
    );

    expect({ status: run.status, messages: run.messages }).toMatchObject({
      status: 'completed',
    });
    const copies = await operationsOf(
      `/environments/${TEMPLATE_COPY}/operations`,
    );
    expect(copies).toEqual([
      expect.objectContaining({ type: 'copy', state: 'succeeded' }),
    ]);
    expect((await readyPods(TEMPLATE_COPY)).sort()).toEqual(
      expect.arrayContaining(['config-service', 'demo-api']),
    );
  });

  it('envmesh:feature:delete in dry-run reports the removal, then removes the feature branch for real', async () => {
    const dryRun = await call('POST', '/api/scaffolder/v2/dry-run', {
      template: inlineTemplate('delete-feature', {
        action: 'envmesh:feature:delete',
        input: { name: FEATURE },
      }),
      values: {},
      directoryContents: [],
    });
    expect(dryRun.status).toBe(200);
    expect(dryRunLog(dryRun.body)).toContainEqual(
      `dry run: would remove feature branch '${FEATURE}' of environment '${ENV}' with its instances demo-api`,
    );
    expect(
      (await call('GET', `/api/environments/features/${FEATURE}`)).status,
    ).toBe(200);

    const run = await settled(
      await runTask('template:default/delete-feature', {}),
    );
    expect({ status: run.status, messages: run.messages }).toMatchObject({
      status: 'completed',
    });
    expect(
      (await call('GET', `/api/environments/features/${FEATURE}`)).status,
    ).toBe(404);
    // The instance's pod goes; the base instance stays.
    await eventually(async () => {
      const pods = await readyPods(ENV);
      expect(pods).not.toContain(`demo-api.${FEATURE}`);
      expect(pods).toContain('demo-api');
    });
  });
});
