import path from 'node:path';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  NotificationSendOptions,
  notificationService,
} from '@backstage/plugin-notifications-node';
import request from 'supertest';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from '@kubernetes/client-node';
import { FEATURE_NODE_POOL, testKubeConfig } from '@envmesh/local-cluster';
import {
  ApiCall,
  apiCaller,
  eventually,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { environmentsPlugin } from './plugin';
import {
  fixture,
  githubHeaders,
  githubPushOf,
} from './webhooks/__fixtures__/deliveries';

const WEBHOOK_SECRET = 'github-hook-secret';
const sent: NotificationSendOptions[] = [];
/** Every auditor event's meta and how it ended. */
const audited: Array<Record<string, unknown>> = [];
const auditor = mockServices.auditor.mock({
  createEvent: async options => {
    const record: Record<string, unknown> = { ...options.meta };
    audited.push(record);
    return {
      success: async () => {
        record.status = 'succeeded';
      },
      fail: async () => {
        record.status = 'failed';
      },
    };
  },
});

const examples = path.resolve(__dirname, '../../../examples');
const ENV = 'feat-env';
const FEATURE = 'feature-31337';

const kc: KubeConfig = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

function istio(plural: 'virtualservices' | 'destinationrules', name: string) {
  return custom
    .getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ENV,
      plural,
      name,
    })
    .catch(error => {
      if (error.code === 404) return undefined;
      throw error;
    }) as Promise<any>;
}

/** The VS routes of a host as `header value → subset`, in order; the default route as `* → default`. */
function routesOf(vs: any): string[] {
  return (vs?.spec?.http ?? []).map((route: any) => {
    const exact = route.match?.[0]?.headers?.['x-feature-name']?.exact;
    return `${exact ?? '*'} → ${route.route?.[0]?.destination?.subset}`;
  });
}

describe('feature branches', () => {
  let call: ApiCall;
  let server: Parameters<typeof request>[0];
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        environmentsPlugin,
        auditor.factory,
        // The real scheduler: the test backend's mock one runs tasks only at startup.
        schedulerServiceFactory,
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: {
                name: 'demo-api',
                annotations: {
                  'github.com/project-slug': 'acme-bank/demo-api',
                },
              },
              spec: {
                type: 'service',
                owner: 'team-a',
                lifecycle: 'production',
              },
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name: 'janedoe' },
              spec: { profile: { email: 'jane.doe@acme-bank.example' } },
            },
          ],
        }),
        // Catches what would reach the notifications backend.
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({
            send: async (options: NotificationSendOptions) => {
              sent.push(options);
            },
          }),
        }),
        mockServices.rootConfig.factory({
          data: localBackendConfig({
            rollout: { readyTimeoutSeconds: 60 },
            webhooks: {
              github: { secret: WEBHOOK_SECRET },
              environment: ENV,
              branchPattern: '^feature/(\\d+)',
              featureName: 'feature-{1}',
            },
            // TTL removal without the usual notice lead, so that a two-second TTL ends within the test.
            lifecycle: { intervalSeconds: 1, warnBeforeMinutes: 0 },
            features: {
              placement: {
                nodeSelector: {
                  [FEATURE_NODE_POOL.label.key]: FEATURE_NODE_POOL.label.value,
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
          }),
        }),
      ],
    });
    server = backend.server;
    call = apiCaller(server);
    stop = () => backend.stop();

    const imported = await call('post', '/services/import', {
      source: { type: 'directory', location: examples },
    });
    if (imported.status !== 200) {
      throw new Error(`import failed: ${JSON.stringify(imported.body)}`);
    }
    const created = await call('post', '/environments', {
      name: ENV,
      cluster: 'local',
      owner: 'group:default/platform-team',
      previewDomain: 'demo.net',
      previewService: 'demo-ui',
      resources: {
        gateways: [{ name: 'demo-gateway', hosts: ['demo.net'] }],
      },
      services: [
        { name: 'config-service' },
        { name: 'demo-api' },
        { name: 'demo-orders' },
        { name: 'demo-ui' },
      ],
    });
    const rollout = await waitForOperation(call, created.body.id);
    if (rollout.state !== 'succeeded') {
      throw new Error(`${ENV} did not roll out: ${rollout.error}`);
    }
  });

  afterAll(async () => {
    await stop?.();
    await core.deleteNamespace({ name: ENV }).catch(() => undefined);
  });

  it('rejects bad input with the field named and changes nothing', async () => {
    const cases: Array<[object, RegExp, number]> = [
      [
        {
          name: 'Bad_Name',
          environment: ENV,
          instances: [{ service: 'demo-api' }],
        },
        /^name:/,
        400,
      ],
      [
        {
          name: 'default',
          environment: ENV,
          instances: [{ service: 'demo-api' }],
        },
        /^name:/,
        400,
      ],
      [
        {
          name: 'f-1',
          environment: 'nope',
          instances: [{ service: 'demo-api' }],
        },
        /^environment:/,
        400,
      ],
      [{ name: 'f-1', environment: ENV, instances: [] }, /^instances:/, 400],
      [
        {
          name: 'f-1',
          environment: ENV,
          instances: [{ service: 'demo-payments' }],
        },
        /^instances\.0\.service:.*not a service/,
        400,
      ],
      [
        {
          name: 'f-1',
          environment: ENV,
          instances: [{ service: 'demo-api', imageTag: 'bad tag' }],
        },
        /^instances\.0\.imageTag:/,
        400,
      ],
      [
        {
          name: 'f-1',
          environment: ENV,
          ttlHours: -1,
          instances: [{ service: 'demo-api' }],
        },
        /^ttlHours:/,
        400,
      ],
    ];
    for (const [body, message, status] of cases) {
      const res = await call('post', '/features', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.body.error.message).toMatch(message);
    }
    expect((await call('get', '/features')).body.items).toEqual([]);
    expect((await call('get', '/features/f-1')).status).toBe(404);
  });

  it('deploys a feature instance beside the base one and routes the feature header to it in a chain', async () => {
    const res = await call('post', '/features', {
      name: FEATURE,
      environment: ENV,
      source: { repository: 'envmesh/demo-api', branch: 'feature/31337' },
      instances: [
        { service: 'demo-api', imageTag: '2.0.0-rc1' },
        { service: 'demo-orders', values: { env: { LOG_LEVEL: 'trace' } } },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body.operation).toMatchObject({
      type: 'deploy-feature',
      feature: FEATURE,
      environment: ENV,
    });
    const operation = await waitForOperation(call, res.body.operation.id);
    expect(operation).toMatchObject({ state: 'succeeded' });
    // Its owner is told, though no push started it.
    const { owner } = (await call('get', `/features/${FEATURE}`)).body;
    await eventually(async () => (sent.length ? true : undefined));
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: [owner] },
        payload: expect.objectContaining({
          title: `Feature ${FEATURE} is deployed`,
          severity: 'normal',
          link: `http://localhost:3000/feature-branches/${FEATURE}`,
        }),
      },
    ]);

    // The instance: renamed workload, instance label on selector and pods, image from the instance,
    // placed on the feature nodes.
    const instance = await apps.readNamespacedDeployment({
      name: `demo-api-${FEATURE}`,
      namespace: ENV,
    });
    const instanceLabel = `demo-api.${FEATURE}`;
    expect(
      instance.spec?.selector.matchLabels?.['app.kubernetes.io/instance'],
    ).toBe(instanceLabel);
    expect(
      instance.spec?.template.metadata?.labels?.['app.kubernetes.io/instance'],
    ).toBe(instanceLabel);
    expect(instance.spec?.template.spec?.containers[0].image).toMatch(
      /:2\.0\.0-rc1$/,
    );
    expect(instance.spec?.template.spec?.nodeSelector).toEqual({
      [FEATURE_NODE_POOL.label.key]: FEATURE_NODE_POOL.label.value,
    });
    const pods = await core.listNamespacedPod({
      namespace: ENV,
      labelSelector: `app.kubernetes.io/instance=${instanceLabel}`,
    });
    expect(pods.items.length).toBeGreaterThan(0);
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe('kwok-feature-1');
    }
    // The base instance is untouched and no second Service was made.
    const base = await apps.readNamespacedDeployment({
      name: 'demo-api',
      namespace: ENV,
    });
    expect(base.spec?.template.spec?.containers[0].image).not.toMatch(
      /2\.0\.0-rc1/,
    );
    const services = await core.listNamespacedService({ namespace: ENV });
    expect(services.items.map(s => s.metadata?.name).sort()).toEqual([
      'config-service',
      'demo-api',
      'demo-orders',
      'demo-ui',
    ]);

    // Routing, as in the seed example: subset per feature, exact header route, default last; both services
    // of the chain; the third service keeps only its default.
    for (const host of ['demo-api', 'demo-orders']) {
      const dr = await istio('destinationrules', host);
      expect(dr.spec.subsets).toEqual([
        {
          name: 'default',
          labels: { 'app.kubernetes.io/instance': host },
        },
        {
          name: FEATURE,
          labels: { 'app.kubernetes.io/instance': `${host}.${FEATURE}` },
        },
      ]);
      const vs = await istio('virtualservices', host);
      expect(routesOf(vs)).toEqual([`${FEATURE} → ${FEATURE}`, '* → default']);
    }
    expect(routesOf(await istio('virtualservices', 'config-service'))).toEqual(
      [],
    );

    // The preview host sets the header and goes to the front end (no instance of it: no subset yet).
    const preview = await istio(
      'virtualservices',
      `envmesh-preview-${FEATURE}`,
    );
    expect(preview.spec).toEqual({
      hosts: [`${FEATURE}.demo.net`],
      gateways: [`${ENV}/demo-gateway`],
      http: [
        {
          name: 'envmesh-preview',
          headers: { request: { set: { 'X-FEATURE-NAME': FEATURE } } },
          route: [{ destination: { host: 'demo-ui' } }],
        },
      ],
    });
    const gateway = await custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace: ENV,
      plural: 'gateways',
      name: 'demo-gateway',
    });
    expect((gateway as any).spec.servers[0].hosts).toEqual([
      'demo.net',
      '*.demo.net',
    ]);

    const feature = (await call('get', `/features/${FEATURE}`)).body;
    expect(feature).toMatchObject({
      name: FEATURE,
      environment: ENV,
      source: { repository: 'envmesh/demo-api', branch: 'feature/31337' },
      previewUrls: [`https://${FEATURE}.demo.net/`],
      routing: [
        { service: 'config-service', target: 'default' },
        { service: 'demo-api', target: 'feature' },
        { service: 'demo-orders', target: 'feature' },
        { service: 'demo-ui', target: 'default' },
      ],
    });
    expect(feature.instances.map((i: any) => [i.service, i.state])).toEqual([
      ['demo-api', 'ready'],
      ['demo-orders', 'ready'],
    ]);
    expect(Date.parse(feature.expiresAt)).toBeGreaterThan(
      Date.now() + 71 * 3600_000,
    );
  });

  it('keeps feature routes when the base chart is re-applied', async () => {
    const res = await call('patch', `/environments/${ENV}`, {
      services: [
        { name: 'config-service' },
        { name: 'demo-api', values: { env: { LOG_LEVEL: 'warn' } } },
        { name: 'demo-orders' },
        { name: 'demo-ui' },
      ],
    });
    expect(res.status).toBe(202);
    expect((await waitForOperation(call, res.body.id)).state).toBe('succeeded');
    expect(routesOf(await istio('virtualservices', 'demo-api'))).toEqual([
      `${FEATURE} → ${FEATURE}`,
      '* → default',
    ]);
    // The instance is not pruned as a service that left the environment.
    await apps.readNamespacedDeployment({
      name: `demo-api-${FEATURE}`,
      namespace: ENV,
    });
  });

  it('extends the TTL', async () => {
    const before = (await call('get', `/features/${FEATURE}`)).body.expiresAt;
    const res = await call('post', `/features/${FEATURE}/extend`, {
      hours: 24,
    });
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.expiresAt) - Date.parse(before)).toBe(
      24 * 3600_000,
    );
    expect(
      (await call('post', `/features/${FEATURE}/extend`, { hours: 0 })).body
        .error.message,
    ).toMatch(/^hours:/);
  });

  it('removes a feature: routes first, then subsets, then the workloads, then the routing it needed', async () => {
    const res = await call('delete', `/features/${FEATURE}`);
    expect(res.status).toBe(202);
    expect((await waitForOperation(call, res.body.id)).state).toBe('succeeded');
    // No feature instance of these services is left: the routing envmesh made for them is gone.
    for (const host of ['demo-api', 'demo-orders']) {
      expect(await istio('virtualservices', host)).toBeUndefined();
      expect(await istio('destinationrules', host)).toBeUndefined();
    }
    await expect(
      apps.readNamespacedDeployment({
        name: `demo-api-${FEATURE}`,
        namespace: ENV,
      }),
    ).rejects.toMatchObject({ code: 404 });
    expect(
      await istio('virtualservices', `envmesh-preview-${FEATURE}`),
    ).toBeUndefined();
    expect((await call('get', `/features/${FEATURE}`)).status).toBe(404);
  });

  it('removes a feature branch whose TTL ran out', async () => {
    const res = await call('post', '/features', {
      name: 'feature-short',
      environment: ENV,
      ttlHours: 2 / 3600, // two seconds
      instances: [{ service: 'demo-orders' }],
    });
    expect(res.status).toBe(202);
    await waitForOperation(call, res.body.operation.id);
    await eventually(
      async () =>
        (await call('get', '/features/feature-short')).status === 404
          ? true
          : undefined,
      60_000,
    );
    expect(await istio('virtualservices', 'demo-orders')).toBeUndefined();
    const operations = await call('get', `/environments/${ENV}/operations`);
    expect(
      operations.body.items.find(
        (o: any) =>
          o.type === 'remove-feature' && o.feature === 'feature-short',
      ),
    ).toMatchObject({ actor: 'envmesh:lifecycle', state: 'succeeded' });
    // The lifecycle task removes through the same authorize-and-audit step as a user.
    expect(audited).toContainEqual(
      expect.objectContaining({
        actionType: 'remove-feature',
        feature: 'feature-short',
        actor: 'envmesh:lifecycle',
        status: 'succeeded',
      }),
    );
  });

  it('deploys a feature from a signed push whose commit asks for it, once, and tells the author', async () => {
    const body = fixture('github-push.json');
    const post = (headers: Record<string, string>) =>
      request(server)
        .post('/api/environments/webhooks/github')
        .set(headers)
        .send(body.toString('utf8'));

    const forged = await post(githubHeaders(body, 'wrong-secret'));
    expect(forged.status).toBe(401);
    expect((await call('get', `/features/${FEATURE}`)).status).toBe(404);

    sent.length = 0;
    const res = await post(githubHeaders(body, WEBHOOK_SECRET));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'deploying',
      feature: FEATURE,
      services: ['demo-api'],
    });
    const redelivered = await post(githubHeaders(body, WEBHOOK_SECRET));
    expect(redelivered.body.status).toBe('duplicate');
    // Authorized and audited as the plugin's service acting for the webhook, once.
    expect(
      audited.filter(
        a =>
          a.actionType === 'deploy-feature' &&
          a.actor === 'envmesh:webhook:github',
      ),
    ).toEqual([
      expect.objectContaining({ feature: FEATURE, status: 'succeeded' }),
    ]);

    expect((await waitForOperation(call, res.body.operation)).state).toBe(
      'succeeded',
    );
    const feature = (await call('get', `/features/${FEATURE}`)).body;
    expect(feature).toMatchObject({
      owner: 'user:default/janedoe',
      source: {
        repository: 'acme-bank/demo-api',
        branch: 'feature/31337-login',
        sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      },
      instances: [
        {
          service: 'demo-api',
          imageTag: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
          state: 'ready',
        },
      ],
    });
    expect(routesOf(await istio('virtualservices', 'demo-api'))).toEqual([
      `${FEATURE} → ${FEATURE}`,
      '* → default',
    ]);
    await eventually(async () => (sent.length ? true : undefined));
    expect(sent).toEqual([
      {
        recipients: { type: 'entity', entityRef: ['user:default/janedoe'] },
        payload: expect.objectContaining({
          title: `Feature ${FEATURE} is deployed`,
          link: `http://localhost:3000/feature-branches/${FEATURE}`,
        }),
      },
    ]);
  });

  it('does not deploy an older commit delivered late over a newer one, and tells the Git host why', async () => {
    const fromTheFixture = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';
    const olderSha = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b';
    const newerSha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4';
    // Pushed in this order: the fixture's commit, then older, then newer; delivered newer first.
    const older = githubPushOf(
      olderSha,
      '2026-05-04T09:30:00+02:00',
      fromTheFixture,
    );
    const newer = githubPushOf(newerSha, '2026-05-04T09:40:00+02:00', olderSha);
    const deliver = (body: Buffer, deliveryId: string) =>
      request(server)
        .post('/api/environments/webhooks/github')
        .set(
          githubHeaders(body, WEBHOOK_SECRET, {
            'x-github-delivery': deliveryId,
          }),
        )
        .send(body.toString('utf8'));

    const deployed = await deliver(newer, 'delivery-of-the-newer-push');
    expect(deployed.status).toBe(202);
    expect((await waitForOperation(call, deployed.body.operation)).state).toBe(
      'succeeded',
    );

    const late = await deliver(older, 'delivery-of-the-older-push');
    expect(late.status).toBe(200);
    expect(late.body).toEqual({
      status: 'ignored',
      reason:
        'commit 9f86d08 (2026-05-04T09:30:00+02:00) is older than the deployed e3b0c44 (2026-05-04T09:40:00+02:00)',
    });
    const again = await deliver(newer, 'the-newer-push-from-another-hook');
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      status: 'ignored',
      reason: 'commit e3b0c44 is already deployed',
    });

    const feature = (await call('get', `/features/${FEATURE}`)).body;
    expect(feature).toMatchObject({
      source: {
        repository: 'acme-bank/demo-api',
        branch: 'feature/31337-login',
        sha: newerSha,
        committedAt: '2026-05-04T09:40:00+02:00',
      },
      instances: [{ service: 'demo-api', imageTag: newerSha, state: 'ready' }],
    });
    // The late delivery is remembered: its redelivery is a duplicate.
    expect(
      (await deliver(older, 'delivery-of-the-older-push')).body.status,
    ).toBe('duplicate');
  });

  it('refuses an oversized delivery with a 413 naming the limit', async () => {
    const res = await request(server)
      .post('/api/environments/webhooks/github')
      .set('content-type', 'application/json')
      .send('x'.repeat(1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      name: 'PayloadTooLargeError',
      message:
        'body: larger than the 1048576 bytes a webhook delivery may have (environments.webhooks.maxBodyBytes)',
    });
  });

  it('refuses to delete a base environment that has feature branches, naming them; with cascade they go with it', async () => {
    const branches = (
      await call('get', `/features?environment=${ENV}`)
    ).body.items.map((f: { name: string }) => f.name);
    expect(branches.length).toBeGreaterThan(0);
    const refused = await call('delete', `/environments/${ENV}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      `environment '${ENV}' has feature branches (${branches.join(
        ', ',
      )}): delete them first, or delete with cascade=true to delete them with it`,
    );
    expect((await call('get', `/environments/${ENV}`)).status).toBe(200);

    const deleted = await call('delete', `/environments/${ENV}?cascade=true`);
    expect(deleted.status).toBe(202);
    expect((await waitForOperation(call, deleted.body.id)).state).toBe(
      'succeeded',
    );
    expect((await call('get', `/environments/${ENV}`)).status).toBe(404);
    expect(
      (await call('get', `/features?environment=${ENV}`)).body.items,
    ).toEqual([]);
  });
});
