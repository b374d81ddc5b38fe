import path from 'node:path';
import { AppsV1Api, CoreV1Api, V1Container } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  ApiCall,
  eventually,
  startImportedBackend,
  waitForOperation,
} from './__testUtils__/integration';

const examples = path.resolve(__dirname, '../../../examples');
const ENV = 'behind';
const FEATURE = 'feature-42';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

const logLevel = (container?: V1Container) =>
  container?.env?.find(e => e.name === 'LOG_LEVEL')?.value;

describe('a feature branch behind its base', () => {
  let call: ApiCall;
  let stop: () => Promise<void>;

  /** The latest revision of demo-api in the base environment. */
  const baseRevision = async () =>
    (await call('get', `/environments/${ENV}/revisions?service=demo-api`)).body
      .items[0].revision as number;

  beforeAll(async () => {
    ({ call, stop } = await startImportedBackend(examples, {
      rollout: { readyTimeoutSeconds: 60 },
    }));
    const created = await call('post', '/environments', {
      name: ENV,
      cluster: 'local',
      owner: 'group:default/platform-team',
      globalValues: { env: { LOG_LEVEL: 'info' } },
      services: [{ name: 'config-service' }, { name: 'demo-api' }],
    });
    const rollout = await waitForOperation(call, created.body.id);
    if (rollout.state !== 'succeeded') {
      throw new Error(`${ENV} did not roll out: ${rollout.error}`);
    }
    const feature = await call('post', '/features', {
      name: FEATURE,
      environment: ENV,
      instances: [{ service: 'demo-api', imageTag: '2.0.0' }],
    });
    const deploy = await waitForOperation(call, feature.body.operation.id);
    if (deploy.state !== 'succeeded') {
      throw new Error(`${FEATURE} did not deploy: ${deploy.error}`);
    }
  });

  afterAll(async () => {
    await stop?.();
    await core.deleteNamespace({ name: ENV }).catch(() => undefined);
  });

  it('names the services whose base moved, and one redeploy brings every instance onto the current base', async () => {
    const deployedOn = await baseRevision();
    const fresh = await call('get', `/features/${FEATURE}`);
    expect(fresh.body.behindBase).toEqual([]);
    expect(fresh.body.instances).toEqual([
      expect.objectContaining({
        service: 'demo-api',
        state: 'ready',
        baseRevision: deployedOn,
      }),
    ]);

    // A global value change of the base: a new revision of demo-api, which the instance does not run yet.
    const update = await call('patch', `/environments/${ENV}`, {
      globalValues: { env: { LOG_LEVEL: 'debug' } },
    });
    expect(update.status).toBe(202);
    expect((await waitForOperation(call, update.body.id)).state).toBe(
      'succeeded',
    );
    const current = await baseRevision();
    expect(current).toBe(deployedOn + 1);
    const behind = await call('get', `/features/${FEATURE}`);
    expect(behind.body.behindBase).toEqual([
      {
        service: 'demo-api',
        deployedOnRevision: deployedOn,
        currentRevision: current,
        changed: ['values'],
      },
    ]);
    const listed = (await call('get', `/features?environment=${ENV}`)).body
      .items;
    expect(listed[0].behindBase).toEqual(behind.body.behindBase);
    const instance = () =>
      apps.readNamespacedDeployment({
        name: `demo-api-${FEATURE}`,
        namespace: ENV,
      });
    expect(
      logLevel((await instance()).spec?.template.spec?.containers[0]),
    ).toBe('info');

    expect((await call('post', '/features/nope/redeploy')).status).toBe(404);
    const redeploy = await call('post', `/features/${FEATURE}/redeploy`);
    expect(redeploy.status).toBe(202);
    expect(redeploy.body).toMatchObject({
      type: 'deploy-feature',
      feature: FEATURE,
      environment: ENV,
    });
    // One operation of the feature branch at a time.
    const second = await call('post', `/features/${FEATURE}/redeploy`);
    expect(second.status).toBe(409);
    const done = await waitForOperation(call, redeploy.body.id);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');

    const after = await call('get', `/features/${FEATURE}`);
    expect(after.body.behindBase).toEqual([]);
    expect(after.body.instances).toEqual([
      expect.objectContaining({
        service: 'demo-api',
        state: 'ready',
        imageTag: '2.0.0',
        baseRevision: current,
      }),
    ]);
    // The instance runs the base's new value with its own image tag; its old pods are gone.
    const redeployed = (await instance()).spec?.template.spec?.containers[0];
    expect(logLevel(redeployed)).toBe('debug');
    expect(redeployed?.image).toMatch(/:2\.0\.0$/);
    await eventually(async () => {
      const pods = await core.listNamespacedPod({
        namespace: ENV,
        labelSelector: `app.kubernetes.io/instance=demo-api.${FEATURE}`,
      });
      const levels = pods.items
        .filter(p => !p.metadata?.deletionTimestamp)
        .map(p => logLevel(p.spec?.containers[0]));
      return levels.length && levels.every(l => l === 'debug')
        ? levels
        : undefined;
    }, 60_000);
  });

  it('refuses a redeploy while the environment sleeps', async () => {
    const slept = await call('post', `/environments/${ENV}/sleep`);
    expect((await waitForOperation(call, slept.body.id)).state).toBe(
      'succeeded',
    );
    const refused = await call('post', `/features/${FEATURE}/redeploy`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/asleep/);
  });
});
