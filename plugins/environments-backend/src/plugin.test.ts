import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { binaryPath, testKubeConfig } from '@envmesh/local-cluster';
import type { Knex } from 'knex';
import {
  stepsBeforePrepare,
  writtenObjects,
  writtenOutOfOrder,
} from './__testUtils__/applyOrder';
import {
  ApiCall,
  apiCaller,
  eventually,
  localClusterConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import {
  eventsServiceFactory,
  eventsServiceRef,
} from '@backstage/plugin-events-node';
import {
  ENVIRONMENTS_OPERATIONS_TOPIC,
  EnvironmentsOperationEvent,
} from '@envmesh/plugin-environments-node';
import { environmentsPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples');
const SECRET = 'p4ssw0rd-that-must-never-leak';

/** A node selector no node of the local cluster matches: pods that stay Pending, Unschedulable. */
const NOWHERE = { 'envmesh.io/pool': 'no-such-pool' };

/** A 127.0.0.1 port nothing listens on: the URL of the `offline` cluster. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/**
 * The backend runs helm through this wrapper, which notes every helm command (`template`, `show`, `package`)
 * before running it: proves when the engine rendered and when it did not.
 */
const helmLog = { dir: '', file: '', wrapper: '', offlinePort: 0 };
async function helmTemplateRuns(): Promise<number> {
  const text = await fs.promises.readFile(helmLog.file, 'utf8').catch(() => '');
  return text.split('\n').filter(line => line === 'template').length;
}

beforeAll(async () => {
  helmLog.dir = await fs.promises.mkdtemp(
    path.join(os.tmpdir(), 'envmesh-plugin-test-'),
  );
  helmLog.file = path.join(helmLog.dir, 'helm-commands');
  helmLog.wrapper = path.join(helmLog.dir, 'helm');
  await fs.promises.writeFile(
    helmLog.wrapper,
    `#!/bin/sh\necho "$1" >> '${helmLog.file}'\nexec '${binaryPath(
      'helm',
    )}' "$@"\n`,
    { mode: 0o755 },
  );
  helmLog.offlinePort = await closedPort();
});
afterAll(async () => {
  await fs.promises.rm(helmLog.dir, { recursive: true, force: true });
});

const kc: KubeConfig = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

/** Everything the backend said, to prove a secret value never appears in it. */
const transcript: string[] = [];
const logger = mockServices.logger.mock();
for (const level of ['error', 'warn', 'info', 'debug'] as const) {
  logger[level].mockImplementation((message: string, meta?: unknown) => {
    transcript.push(`${message} ${JSON.stringify(meta ?? {})}`);
  });
}
logger.child.mockImplementation(() => logger);

/** What another plugin of the backend hears on the operations topic of the events service. */
const announced: EnvironmentsOperationEvent[] = [];
const operationsListener = createBackendPlugin({
  pluginId: 'operations-listener',
  register(reg) {
    reg.registerInit({
      deps: { events: eventsServiceRef },
      async init({ events }) {
        await events.subscribe({
          id: 'test',
          topics: [ENVIRONMENTS_OPERATIONS_TOPIC],
          onEvent: async ({ eventPayload }) => {
            announced.push(eventPayload as EnvironmentsOperationEvent);
          },
        });
      },
    });
  },
});

async function startBackend(
  knex: Knex,
  leaseSeconds = 15,
  readyTimeoutSeconds = 60,
) {
  const backend = await startTestBackend({
    features: [
      environmentsPlugin,
      operationsListener,
      // The real events service (the mock keeps each plugin's events to itself).
      eventsServiceFactory,
      mockServices.database.factory({ knex }),
      logger.factory,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  localClusterConfig(),
                  {
                    name: 'offline',
                    url: `https://127.0.0.1:${helmLog.offlinePort}`,
                    authProvider: 'serviceAccount',
                    serviceAccountToken: 'offline-token',
                    skipTLSVerify: true,
                  },
                ],
              },
            ],
          },
          environments: {
            helm: { binary: helmLog.wrapper },
            import: { directoryRoots: [examples, os.tmpdir()] },
            rollout: { readyTimeoutSeconds },
            operations: { leaseSeconds },
          },
        },
      }),
    ],
  });
  const call = apiCaller(backend.server, res =>
    transcript.push(JSON.stringify(res.body ?? res.text)),
  );
  return { backend, call };
}

function demoEnvironment(name: string) {
  return {
    name,
    cluster: 'local',
    owner: 'group:default/platform-team',
    description: 'integration test environment',
    globalValues: { env: { LOG_LEVEL: 'info', REGION: 'eu-1' } },
    config: {
      configMaps: [{ name: 'shared-config', data: { CURRENCY: 'EUR' } }],
      secrets: [{ name: 'db-credentials', values: { password: SECRET } }],
    },
    resources: {
      gateways: [
        {
          name: 'demo-gateway',
          hosts: ['demo.net', '*.demo.net'],
          tls: { credentialName: 'demo-net-tls' },
        },
      ],
      certificates: [
        {
          name: 'demo-net-tls',
          secretName: 'demo-net-tls',
          dnsNames: ['demo.net', '*.demo.net'],
          issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' },
        },
      ],
    },
    services: [
      { name: 'config-service' },
      { name: 'demo-api', values: { env: { LOG_LEVEL: 'debug' } } },
      { name: 'demo-orders' },
    ],
  };
}

async function deployment(namespace: string, name: string) {
  return apps.readNamespacedDeployment({ name, namespace });
}

/** Whether reading an object ends in 404 within the timeout. */
async function gone(read: () => Promise<unknown>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await read();
    } catch (error) {
      if ((error as { code?: number }).code === 404) return true;
      throw error;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return false;
}

function envOf(d: Awaited<ReturnType<typeof deployment>>) {
  return Object.fromEntries(
    (d.spec!.template.spec!.containers[0].env ?? []).map(e => [
      e.name,
      e.value,
    ]),
  );
}

const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

describe.each(databases.eachSupportedId())(
  'environments engine on %s',
  databaseId => {
    let knex: Knex;
    let call: ApiCall;
    let stop: () => Promise<void>;
    const suffix = databaseId === 'SQLITE_3' ? 'sq' : 'pg';
    const env = `demo-${suffix}`;

    beforeAll(async () => {
      knex = await databases.init(databaseId);
      const started = await startBackend(knex);
      call = started.call;
      stop = () => started.backend.stop();
    });
    afterAll(async () => {
      await stop();
    });

    it('imports the example services in bulk', async () => {
      const res = await call('post', '/services/import', {
        source: { type: 'directory', location: examples },
      });
      expect(res.status).toBe(200);
      expect(res.body.created.sort()).toEqual([
        'config-service',
        'demo-api',
        'demo-orders',
        'demo-payments',
        'demo-ui',
      ]);
      expect(res.body.failed).toEqual([]);
      const services = await call('get', '/services');
      const groups = Object.fromEntries(
        services.body.items.map((s: any) => [s.name, s.startupGroup]),
      );
      expect(groups).toMatchObject({
        'config-service': 0,
        'demo-api': 1,
        'demo-orders': 1,
      });
    });

    it('creates an environment group by group, with global values and overrides, and hides the secret', async () => {
      const created = await call('post', '/environments', demoEnvironment(env));
      expect(created.status).toBe(202);
      const operation = await waitForOperation(call, created.body.id);
      expect(operation.state).toBe('succeeded');

      // Group 1 started only after group 0 was ready: its first apply began after the wait step of group 0 ended.
      const waitGroup0 = operation.steps.find(
        (s: any) => s.name === 'wait for group 0 to be ready',
      );
      const applyGroup1 = operation.steps.filter(
        (s: any) => s.group === 1 && s.service,
      );
      expect(applyGroup1.map((s: any) => s.service).sort()).toEqual([
        'demo-api',
        'demo-orders',
      ]);
      for (const step of applyGroup1) {
        expect(Date.parse(step.startedAt)).toBeGreaterThanOrEqual(
          Date.parse(waitGroup0.finishedAt),
        );
      }
      // ... and the cluster agrees: group 0's Deployment was available before group 1's Deployments existed.
      const configService = await deployment(env, 'config-service');
      const available = configService.status!.conditions!.find(
        c => c.type === 'Available',
      )!;
      for (const name of ['demo-api', 'demo-orders']) {
        const d = await deployment(env, name);
        expect(
          new Date(d.metadata!.creationTimestamp!).getTime(),
        ).toBeGreaterThanOrEqual(
          new Date(available.lastTransitionTime!).getTime() - 1000,
        );
        expect(d.status?.readyReplicas).toBe(d.spec?.replicas);
        expect(d.metadata!.labels).toMatchObject({
          'app.kubernetes.io/managed-by': 'envmesh',
          'envmesh.io/environment': env,
          'envmesh.io/service': name,
        });
      }

      // Global values reach every service; the service override beats them.
      expect(envOf(await deployment(env, 'config-service'))).toMatchObject({
        LOG_LEVEL: 'info',
        REGION: 'eu-1',
      });
      expect(envOf(await deployment(env, 'demo-orders'))).toMatchObject({
        LOG_LEVEL: 'info',
        REGION: 'eu-1',
      });
      expect(envOf(await deployment(env, 'demo-api'))).toMatchObject({
        LOG_LEVEL: 'debug',
        REGION: 'eu-1',
      });
      const values = await call(
        'get',
        `/environments/${env}/services/demo-api/values`,
      );
      expect(values.body.provenance).toMatchObject({
        'env.LOG_LEVEL': 'service',
        'env.REGION': 'environment',
        'image.repository': 'chart',
      });

      // The secret is in the cluster, decoded as sent ...
      const secret = await core.readNamespacedSecret({
        name: 'db-credentials',
        namespace: env,
      });
      expect(Buffer.from(secret.data!.password, 'base64').toString()).toBe(
        SECRET,
      );
      // ... the API shows its key names only ...
      const stored = (await call('get', `/environments/${env}`)).body;
      expect(stored.config.secrets).toEqual([
        { name: 'db-credentials', keys: ['password'] },
      ]);
      // ... and the environment's objects came first: every service apply started after the prepare step
      // ended, and the cluster wrote the namespace, ConfigMap, Secret, Gateway and Certificate before any
      // service's objects (see applyOrder.ts).
      expect(stepsBeforePrepare(operation)).toEqual([]);
      const written = await writtenObjects(kc, env);
      expect(written.environment.map(o => o.ref).sort()).toEqual([
        'Certificate demo-net-tls',
        'ConfigMap shared-config',
        'Gateway demo-gateway',
        `Namespace ${env}`,
        'Secret db-credentials',
      ]);
      expect(written.services.length).toBeGreaterThanOrEqual(3);
      expect(writtenOutOfOrder(written)).toEqual([]);
      await call('get', `/environments/${env}/status`);
      await call('get', `/operations/${created.body.id}/logs`);
      await call('get', `/environments/${env}/services/demo-api/manifest`);
      expect(transcript.join('\n')).not.toContain(SECRET);
      expect(transcript.join('\n')).not.toContain(
        Buffer.from(SECRET).toString('base64'),
      );
    });

    it('updates only the targeted Deployment and records revision 2, then rolls back', async () => {
      const before = {
        orders: await deployment(env, 'demo-orders'),
        config: await deployment(env, 'config-service'),
      };
      const current = (await call('get', `/environments/${env}`)).body;
      const services = current.services.map((s: any) =>
        s.name === 'demo-api' ? { ...s, imageTag: '1.5.0' } : s,
      );
      const diff = await call('post', `/environments/${env}/diff`, {
        services,
      });
      expect(diff.status).toBe(200);
      expect(diff.body.services.map((s: any) => s.name)).toEqual(['demo-api']);
      expect(
        (await deployment(env, 'demo-api')).spec!.template.spec!.containers[0]
          .image,
      ).not.toMatch(/:1\.5\.0$/);

      const update = await call('patch', `/environments/${env}`, { services });
      expect(update.status).toBe(202);
      expect((await waitForOperation(call, update.body.id)).state).toBe(
        'succeeded',
      );
      const updated = await deployment(env, 'demo-api');
      expect(updated.spec!.template.spec!.containers[0].image).toMatch(
        /:1\.5\.0$/,
      );
      expect(envOf(updated)).toMatchObject({
        LOG_LEVEL: 'debug',
        REGION: 'eu-1',
      });
      expect(
        (await deployment(env, 'demo-orders')).metadata!.resourceVersion,
      ).toBe(before.orders.metadata!.resourceVersion);
      expect(
        (await deployment(env, 'config-service')).metadata!.generation,
      ).toBe(before.config.metadata!.generation);
      // The status shows the whole image the revision deployed, the one the Deployment runs.
      const status = await call('get', `/environments/${env}/status`);
      const desired = Object.fromEntries(
        status.body.services.map((s: any) => [s.name, s.desiredImage]),
      );
      expect(desired['demo-api']).toBe(
        'ghcr.io/envmesh-examples/demo-api:1.5.0',
      );
      for (const name of ['config-service', 'demo-api', 'demo-orders']) {
        expect(desired[name]).toBe(
          (await deployment(env, name)).spec!.template.spec!.containers[0]
            .image,
        );
      }
      const revisions = await call(
        'get',
        `/environments/${env}/revisions?service=demo-api`,
      );
      expect(
        revisions.body.items.map((r: any) => [r.revision, r.imageTag]),
      ).toEqual([
        [2, '1.5.0'],
        [1, '1.4.2'],
      ]);

      const rollback = await call(
        'post',
        `/environments/${env}/services/demo-api/rollback`,
        { revision: 1 },
      );
      expect(rollback.status).toBe(202);
      expect((await waitForOperation(call, rollback.body.id)).state).toBe(
        'succeeded',
      );
      expect(
        (await deployment(env, 'demo-api')).spec!.template.spec!.containers[0]
          .image,
      ).toMatch(/:1\.4\.2$/);
      const after = await call(
        'get',
        `/environments/${env}/revisions?service=demo-api`,
      );
      expect(after.body.items[0]).toMatchObject({
        revision: 3,
        imageTag: '1.4.2',
      });
    });

    it('copies an environment with the same images and its secret, without rebuilding', async () => {
      const templatesBefore = await helmTemplateRuns();
      // The wrapper saw the renders of the source (so an unchanged count below means something).
      expect(templatesBefore).toBeGreaterThan(0);
      const copy = await call('post', `/environments/${env}/copy`, {
        name: `${env}-copy`,
      });
      expect(copy.status).toBe(202);
      expect((await waitForOperation(call, copy.body.id)).state).toBe(
        'succeeded',
      );
      // Not even re-rendered: the source's rendered objects (the chart never reads the namespace) were reused.
      expect(await helmTemplateRuns()).toBe(templatesBefore);
      // Other plugins hear the copy start, each of its steps finish, and its end (the end once the runner
      // announced it, right after it recorded it).
      await eventually(async () =>
        announced.find(
          e => e.operationId === copy.body.id && e.event === 'finished',
        ),
      );
      const heard = announced.filter(e => e.operationId === copy.body.id);
      const about = {
        operationId: copy.body.id,
        type: 'copy',
        environment: `${env}-copy`,
      };
      const { steps } = (await call('get', `/operations/${copy.body.id}`)).body;
      expect(heard[0]).toEqual({
        event: 'started',
        ...about,
        state: 'running',
        resumed: false,
      });
      expect(heard.at(-1)).toEqual({
        event: 'finished',
        ...about,
        state: 'succeeded',
      });
      // Steps of one startup group run at once: their events come in the order they finished.
      const stepEvents = heard.slice(1, -1);
      expect(
        [...stepEvents].sort((x, y) => x.step!.index - y.step!.index),
      ).toEqual(
        steps
          .filter((step: { state: string }) => step.state === 'succeeded')
          .map((step: { index: number; name: string }) => ({
            event: 'stepFinished',
            ...about,
            state: 'running',
            step: { index: step.index, name: step.name, state: 'succeeded' },
          })),
      );
      for (const name of ['config-service', 'demo-api', 'demo-orders']) {
        const source = await deployment(env, name);
        const target = await deployment(`${env}-copy`, name);
        expect(
          target.spec!.template.spec!.containers.map(c => c.image),
        ).toEqual(source.spec!.template.spec!.containers.map(c => c.image));
      }
      const secret = await core.readNamespacedSecret({
        name: 'db-credentials',
        namespace: `${env}-copy`,
      });
      expect(Buffer.from(secret.data!.password, 'base64').toString()).toBe(
        SECRET,
      );
      expect(transcript.join('\n')).not.toContain(SECRET);
    });

    it('prunes the objects of a service removed from the environment', async () => {
      const current = (await call('get', `/environments/${env}-copy`)).body;
      const update = await call('patch', `/environments/${env}-copy`, {
        services: current.services.filter((s: any) => s.name !== 'demo-orders'),
      });
      expect((await waitForOperation(call, update.body.id)).state).toBe(
        'succeeded',
      );
      // Pruning deletes in the foreground: the Deployment goes once its ReplicaSet and pods are gone.
      await expect(
        gone(() => deployment(`${env}-copy`, 'demo-orders')),
      ).resolves.toBe(true);
      await expect(
        gone(() =>
          core.readNamespacedService({
            name: 'demo-orders',
            namespace: `${env}-copy`,
          }),
        ),
      ).resolves.toBe(true);
      expect(
        (await deployment(`${env}-copy`, 'demo-api')).status?.readyReplicas,
      ).toBe(1);
    });

    /**
     * What a rejected request must leave as it was: the environments, the one it targets with its
     * operations, the registry, and the target's namespace and objects in the cluster.
     */
    async function observable(wouldCreate?: string) {
      const objects = async (namespace: string) => {
        const version = (o: { metadata?: any }) =>
          `${o.metadata.name}@${o.metadata.resourceVersion}`;
        return [
          ...(await core.listNamespacedConfigMap({ namespace })).items.map(
            version,
          ),
          ...(await core.listNamespacedSecret({ namespace })).items.map(
            version,
          ),
          ...(await apps.listNamespacedDeployment({ namespace })).items.map(
            d => `${d.metadata!.name} generation ${d.metadata!.generation}`,
          ),
        ].sort();
      };
      return {
        environments: (await call('get', '/environments')).body.items
          .map((e: any) => e.name)
          .sort(),
        environment: (await call('get', `/environments/${env}`)).body,
        operations: (
          await call('get', `/environments/${env}/operations`)
        ).body.items.map((o: any) => `${o.id} ${o.state}`),
        services: (await call('get', '/services')).body.items,
        objects: await objects(env),
        // The namespace a create or copy would have made.
        created: wouldCreate
          ? await core
              .readNamespace({ name: wouldCreate })
              .then(ns => ns.metadata!.name)
              .catch(() => 'none')
          : 'none',
      };
    }

    const rollbackUrl = () => `/environments/${env}/services/demo-api/rollback`;
    const badInputs: Array<
      [string, 'post' | 'patch', () => string, () => any, string]
    > = [
      [
        'create: name',
        'post',
        () => '/environments',
        () => demoEnvironment('Bad_Name'),
        'name: ',
      ],
      [
        'create: cluster',
        'post',
        () => '/environments',
        () => ({ ...demoEnvironment('x1'), cluster: 'nowhere' }),
        "cluster: unknown cluster 'nowhere'",
      ],
      [
        'create: owner',
        'post',
        () => '/environments',
        () => ({ ...demoEnvironment('x2'), owner: 'not a ref!' }),
        'owner: ',
      ],
      [
        'create: services',
        'post',
        () => '/environments',
        () => ({
          ...demoEnvironment('x3'),
          services: [{ name: 'no-such-service' }],
        }),
        'services.0.name: ',
      ],
      [
        'create: globalValues',
        'post',
        () => '/environments',
        () => ({ ...demoEnvironment('x4'), globalValues: ['a'] }),
        'globalValues: ',
      ],
      [
        'create: secret key',
        'post',
        () => '/environments',
        () => ({
          ...demoEnvironment('x5'),
          config: { secrets: [{ name: 's', values: { 'bad key': 'x' } }] },
        }),
        'config.secrets.0.values',
      ],
      [
        'create: gateway hosts',
        'post',
        () => '/environments',
        () => ({
          ...demoEnvironment('x6'),
          resources: { gateways: [{ name: 'g', hosts: [] }] },
        }),
        'resources.gateways.0.hosts',
      ],
      [
        'update: services',
        'patch',
        () => `/environments/${env}`,
        () => ({ services: [{ name: 'no-such-service' }] }),
        'services.0.name: ',
      ],
      [
        'update: startup group',
        'patch',
        () => `/environments/${env}`,
        () => ({ services: [{ name: 'demo-api', startupGroup: -1 }] }),
        'services.0.startupGroup: ',
      ],
      [
        'update: globalValues',
        'patch',
        () => `/environments/${env}`,
        () => ({ globalValues: ['a'] }),
        'globalValues: ',
      ],
      [
        'update: owner',
        'patch',
        () => `/environments/${env}`,
        () => ({ owner: 'not a ref!' }),
        'owner: ',
      ],
      [
        'update: secret key',
        'patch',
        () => `/environments/${env}`,
        () => ({
          config: {
            configMaps: [],
            secrets: [{ name: 's', values: { 'bad key': SECRET } }],
          },
        }),
        'config.secrets.0.values',
      ],
      [
        'update: gateway hosts',
        'patch',
        () => `/environments/${env}`,
        () => ({ resources: { gateways: [{ name: 'g', hosts: [] }] } }),
        'resources.gateways.0.hosts',
      ],
      [
        'copy: name',
        'post',
        () => `/environments/${env}/copy`,
        () => ({ name: 'Bad_Name' }),
        'name: ',
      ],
      [
        'copy: no name',
        'post',
        () => `/environments/${env}/copy`,
        () => ({}),
        'name: ',
      ],
      [
        'copy: cluster',
        'post',
        () => `/environments/${env}/copy`,
        () => ({ name: `${env}-x7`, cluster: 'nowhere' }),
        "cluster: unknown cluster 'nowhere'",
      ],
      [
        'copy: owner',
        'post',
        () => `/environments/${env}/copy`,
        () => ({ name: `${env}-x8`, owner: 'not a ref!' }),
        'owner: ',
      ],
      [
        'copy: service image tag',
        'post',
        () => `/environments/${env}/copy`,
        () => ({
          name: `${env}-x9`,
          services: [{ name: 'demo-api', imageTag: '' }],
        }),
        'services.0.imageTag: ',
      ],
      [
        'copy: service the source does not have',
        'post',
        () => `/environments/${env}/copy`,
        () => ({
          name: `${env}-x10`,
          services: [{ name: 'demo-api' }, { name: 'no-such-service' }],
        }),
        'services[1].name: ',
      ],
      [
        'rollback: revision 0',
        'post',
        rollbackUrl,
        () => ({ revision: 0 }),
        'revision: ',
      ],
      [
        'rollback: revision as a string',
        'post',
        rollbackUrl,
        () => ({ revision: '1' }),
        'revision: ',
      ],
      ['rollback: no revision', 'post', rollbackUrl, () => ({}), 'revision: '],
      [
        'import: source type',
        'post',
        () => '/services/import',
        () => ({ source: { type: 'ftp', location: examples } }),
        'source.type: ',
      ],
      [
        'import: no source',
        'post',
        () => '/services/import',
        () => ({}),
        'source: ',
      ],
      [
        'import: empty location',
        'post',
        () => '/services/import',
        () => ({ source: { type: 'directory', location: '' } }),
        'source.location: ',
      ],
      [
        'import: missing directory',
        'post',
        () => '/services/import',
        () => ({
          source: { type: 'directory', location: '/no/such/directory' },
        }),
        'source.location: directory /no/such/directory does not exist',
      ],
    ];
    it.each(badInputs)(
      'rejects a bad %s with a 400 naming the field and changes nothing',
      async (_label, method, url, body, reason) => {
        const sent = body();
        const wouldCreate =
          typeof sent.name === 'string' && /^[a-z0-9-]+$/.test(sent.name)
            ? sent.name
            : undefined;
        const before = await observable(wouldCreate);
        const res = await call(method, url(), sent);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toContain(reason);
        expect(JSON.stringify(res.body)).not.toContain(SECRET);
        expect(await observable(wouldCreate)).toEqual(before);
        expect(before.created).toBe('none');
      },
    );

    it('refuses a second mutation while one runs (409) and answers 404 for unknown environments', async () => {
      const current = (await call('get', `/environments/${env}`)).body;
      const first = await call('patch', `/environments/${env}`, {
        globalValues: { ...current.globalValues, env: { LOG_LEVEL: 'warn' } },
      });
      expect(first.status).toBe(202);
      const second = await call('patch', `/environments/${env}`, {
        description: 'again',
      });
      expect(second.status).toBe(409);
      await waitForOperation(call, first.body.id);
      expect((await call('get', '/environments/no-such-env')).status).toBe(404);
      expect((await call('delete', '/environments/no-such-env')).status).toBe(
        404,
      );
    });

    it('finishes an operation after the backend is stopped mid-create and restarted', async () => {
      const name = `${env}-restart`;
      const created = await call('post', '/environments', {
        ...demoEnvironment(name),
        config: { configMaps: [], secrets: [] },
      });
      expect(created.status).toBe(202);
      // Stop as soon as the operation has started working.
      for (;;) {
        const op = (await call('get', `/operations/${created.body.id}`)).body;
        if (op.steps.some((s: any) => s.state !== 'pending')) break;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      await stop();
      const midway = await knex('operations')
        .where({ id: created.body.id })
        .first();
      expect(['running', 'pending']).toContain(midway.state);

      const restarted = await startBackend(knex, 2);
      call = restarted.call;
      stop = () => restarted.backend.stop();
      const operation = await waitForOperation(call, created.body.id);
      expect(operation.state).toBe('succeeded');
      expect((await deployment(name, 'demo-api')).status?.readyReplicas).toBe(
        1,
      );
      const logs = await call('get', `/operations/${created.body.id}/logs`);
      expect(logs.body.items.map((l: any) => l.message).join('\n')).toMatch(
        /resumed by/,
      );
    });

    it('deletes an environment with its namespace', async () => {
      const deleted = await call('delete', `/environments/${env}-copy`);
      expect(deleted.status).toBe(202);
      expect((await waitForOperation(call, deleted.body.id)).state).toBe(
        'succeeded',
      );
      expect((await call('get', `/environments/${env}-copy`)).status).toBe(404);
      const ns = await core
        .readNamespace({ name: `${env}-copy` })
        .catch(() => undefined);
      expect(!ns || ns.status?.phase === 'Terminating').toBe(true);
    });

    it('cancels an operation: it ends cancelled and its remaining steps never run', async () => {
      const name = `${env}-cancel`;
      const created = await call('post', '/environments', {
        ...demoEnvironment(name),
        config: { configMaps: [], secrets: [] },
        services: [
          // Group 0 can never be ready, so the operation waits for it (up to the 60 s ready timeout).
          { name: 'config-service', values: { nodeSelector: NOWHERE } },
          { name: 'demo-api' },
        ],
      });
      expect(created.status).toBe(202);
      const id = created.body.id;
      for (;;) {
        const op = (await call('get', `/operations/${id}`)).body;
        const wait = op.steps.find(
          (s: any) => s.name === 'wait for group 0 to be ready',
        );
        if (wait.state === 'running') break;
        expect(op.state).toMatch(/pending|running/);
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      const cancel = await call('post', `/operations/${id}/cancel`);
      expect(cancel.status).toBe(200);
      expect(cancel.body.cancelRequested).toBe(true);

      const operation = await waitForOperation(call, id, 30_000);
      expect(operation.state).toBe('cancelled');
      const byName = Object.fromEntries(
        operation.steps.map((s: any) => [s.name, s]),
      );
      expect(byName['apply config-service'].state).toBe('succeeded');
      // The interrupted wait and everything after it did not run.
      expect(byName['wait for group 0 to be ready'].state).toBe('pending');
      for (const step of [
        'apply demo-api',
        'wait for group 1 to be ready',
        'remove services that left the environment',
      ]) {
        expect(byName[step]).toMatchObject({ state: 'pending' });
        expect(byName[step].startedAt).toBeUndefined();
      }
      await expect(deployment(name, 'demo-api')).rejects.toMatchObject({
        code: 404,
      });
      // A second cancel of a finished operation is a conflict.
      expect((await call('post', `/operations/${id}/cancel`)).status).toBe(409);

      const deleted = await call('delete', `/environments/${name}`);
      expect((await waitForOperation(call, deleted.body.id)).state).toBe(
        'succeeded',
      );
    });

    it("fails an operation whose service never becomes ready, naming the service and the scheduler's reason", async () => {
      // A backend of its own (own database) with a 5 s ready timeout.
      const other = await startBackend(await databases.init(databaseId), 15, 5);
      try {
        const imported = await other.call('post', '/services/import', {
          source: { type: 'directory', location: examples },
        });
        expect(imported.status).toBe(200);
        const name = `${env}-stuck`;
        const created = await other.call('post', '/environments', {
          ...demoEnvironment(name),
          config: { configMaps: [], secrets: [] },
          services: [
            { name: 'config-service', values: { nodeSelector: NOWHERE } },
            { name: 'demo-api' },
          ],
        });
        expect(created.status).toBe(202);
        const operation = await waitForOperation(other.call, created.body.id);
        expect(operation.state).toBe('failed');
        // The reason comes from the cluster: the pod's PodScheduled condition, written by kube-scheduler.
        expect(operation.error).toMatch(
          /^1 service\(s\) not ready after 5000 ms: 1 \(config-service\): Unschedulable: 0\/\d+ nodes are available.*node affinity\/selector/s,
        );
        const byName = Object.fromEntries(
          operation.steps.map((s: any) => [s.name, s]),
        );
        expect(byName['wait for group 0 to be ready']).toMatchObject({
          state: 'failed',
          message: expect.stringContaining('0/'),
        });
        expect(byName['apply demo-api'].state).toBe('pending');
        const logs = await other.call(
          'get',
          `/operations/${created.body.id}/logs`,
        );
        expect(
          logs.body.items.some(
            (l: any) =>
              l.level === 'error' &&
              /config-service.*nodes are available/s.test(l.message),
          ),
        ).toBe(true);
        const deleted = await other.call('delete', `/environments/${name}`);
        expect(
          (await waitForOperation(other.call, deleted.body.id)).state,
        ).toBe('succeeded');
      } finally {
        await other.backend.stop();
      }
    });

    it("answers 503 naming an unreachable cluster, and helm's error (not 500) for a chart that cannot render", async () => {
      const name = `${env}-offline`;
      const created = await call('post', '/environments', {
        name,
        cluster: 'offline',
        owner: 'group:default/platform-team',
        services: [
          { name: 'config-service' },
          // The chart ranges over `env`: a string makes helm fail.
          { name: 'demo-api', values: { env: 'not-a-map' } },
        ],
      });
      expect(created.status).toBe(202);
      const operation = await waitForOperation(call, created.body.id);
      expect(operation.state).toBe('failed');

      const status = await call('get', `/environments/${name}/status`);
      expect(status.status).toBe(503);
      expect(status.body.error.name).toBe('ServiceUnavailableError');
      expect(status.body.error.message).toMatch(
        /^cluster 'offline' is unreachable: .*ECONNREFUSED/,
      );
      expect(JSON.stringify(status.body)).not.toContain('offline-token');
      const diff = await call('post', `/environments/${name}/diff`, {
        services: [{ name: 'config-service' }],
      });
      expect(diff.status).toBe(503);
      expect(diff.body.error.message).toMatch(/^cluster 'offline' /);
      // The list still answers, without the unreachable environment's readiness.
      const list = await call('get', '/environments');
      expect(list.status).toBe(200);
      expect(
        list.body.items.find((e: any) => e.name === name).services,
      ).toEqual({ total: 2, ready: 0 });

      // Rendering needs no cluster: the manifest endpoint answers with helm's message and 502.
      const manifest = await call(
        'get',
        `/environments/${name}/services/demo-api/manifest`,
      );
      expect(manifest.status).toBe(502);
      expect(manifest.body.error).toMatchObject({
        name: 'ChartRenderError',
        message: expect.stringMatching(
          /^helm template demo-api failed: .*range can't iterate over not-a-map/s,
        ),
      });
      expect(
        (
          await call(
            'get',
            `/environments/${name}/services/config-service/manifest`,
          )
        ).status,
      ).toBe(200);
      // The merged values themselves are fine.
      const values = await call(
        'get',
        `/environments/${name}/services/demo-api/values`,
      );
      expect(values.status).toBe(200);
      expect(values.body.values.env).toBe('not-a-map');

      // A diff whose values break a chart answers the same way, before asking any cluster, and changes nothing.
      const current = (await call('get', `/environments/${env}`)).body;
      const breaking = await call('post', `/environments/${env}/diff`, {
        services: current.services.map((s: any) =>
          s.name === 'demo-orders' ? { ...s, values: { env: 'not-a-map' } } : s,
        ),
      });
      expect(breaking.status).toBe(502);
      expect(breaking.body.error.message).toMatch(
        /^helm template demo-orders failed: .*range can't iterate over not-a-map/s,
      );
      expect((await call('get', `/environments/${env}`)).body).toEqual(current);
    });

    it('reports the services an import source no longer has as missing', async () => {
      const repo = await fs.promises.mkdtemp(
        path.join(helmLog.dir, `repo-${suffix}-`),
      );
      for (const folder of ['charts', 'services']) {
        await fs.promises.cp(
          path.join(examples, folder),
          path.join(repo, folder),
          { recursive: true },
        );
      }
      const first = await call('post', '/services/import', {
        source: { type: 'directory', location: repo },
      });
      expect(first.status).toBe(200);
      expect(first.body.missing).toEqual([]);

      await fs.promises.rm(path.join(repo, 'services/demo-payments'), {
        recursive: true,
      });
      const second = await call('post', '/services/import', {
        source: { type: 'directory', location: repo },
      });
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({
        missing: ['demo-payments'],
        failed: [],
      });
      expect(second.body.unchanged.sort()).toEqual([
        'config-service',
        'demo-api',
        'demo-orders',
        'demo-ui',
      ]);
      // Nothing is deleted: the registry still has it.
      const services = (await call('get', '/services')).body.items;
      expect(services.map((s: any) => s.name)).toContain('demo-payments');
    });
  },
);
