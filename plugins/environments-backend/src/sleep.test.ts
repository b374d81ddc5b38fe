import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { AppsV1Api, CoreV1Api, V1Deployment } from '@kubernetes/client-node';
import { testKubeConfig } from '@envmesh/local-cluster';
import {
  ApiCall,
  apiCaller,
  eventually,
  localBackendConfig,
  waitForOperation,
} from './__testUtils__/integration';
import { AWAKE_REPLICAS_ANNOTATION } from './orchestrate/WorkloadScaler';
import { environmentsPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples');
const ENV = 'sleepy';
const FEATURE = 'feature-7';

const kc = testKubeConfig();
const apps = kc.makeApiClient(AppsV1Api);
const core = kc.makeApiClient(CoreV1Api);

/** Every Deployment of the namespace as `name → replicas`, with the kept count when it has one. */
async function replicas() {
  const { items } = await apps.listNamespacedDeployment({ namespace: ENV });
  return Object.fromEntries(
    items.map((d: V1Deployment) => {
      const kept = d.metadata?.annotations?.[AWAKE_REPLICAS_ANNOTATION];
      const count = d.spec?.replicas ?? 0;
      return [d.metadata!.name!, kept ? `${count} (kept ${kept})` : count];
    }),
  );
}

const stepsOf = (operation: any) =>
  operation.steps.map((s: any) => `${s.name}: ${s.state}`);

describe('sleep and wake', () => {
  let call: ApiCall;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        environmentsPlugin,
        mockServices.rootConfig.factory({
          data: localBackendConfig({ rollout: { readyTimeoutSeconds: 60 } }),
        }),
      ],
    });
    call = apiCaller(backend.server);
    stop = () => backend.stop();

    await call('post', '/services/import', {
      source: { type: 'directory', location: examples },
    });
    const created = await call('post', '/environments', {
      name: ENV,
      cluster: 'local',
      owner: 'group:default/platform-team',
      services: [
        { name: 'config-service' },
        { name: 'demo-api' },
        { name: 'demo-orders', keyValues: { replicaCount: '3' } },
      ],
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

  it('scales every service and feature instance to zero, the last startup group first, without drift', async () => {
    const awake = await replicas();
    expect(awake).toEqual({
      'config-service': 1,
      'demo-api': 1,
      [`demo-api-${FEATURE}`]: 1,
      'demo-orders': 3,
    });

    const started = await call('post', `/environments/${ENV}/sleep`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ type: 'sleep', environment: ENV });
    // Asleep from the request on, as the list and the environment show it.
    const listed = (await call('get', '/environments')).body.items;
    expect(listed.find((e: any) => e.name === ENV)).toMatchObject({
      sleepState: 'asleep',
      asleepSince: expect.any(String),
    });

    const slept = await waitForOperation(call, started.body.id);
    expect(slept.error).toBeUndefined();
    expect(stepsOf(slept)).toEqual([
      'scale group 1 to zero: succeeded',
      'scale group 0 to zero: succeeded',
    ]);
    expect(
      Date.parse(slept.steps[1].startedAt) >=
        Date.parse(slept.steps[0].finishedAt),
    ).toBe(true);
    expect(await replicas()).toEqual({
      'config-service': '0 (kept 1)',
      'demo-api': '0 (kept 1)',
      [`demo-api-${FEATURE}`]: '0 (kept 1)',
      'demo-orders': '0 (kept 3)',
    });
    // The pods go; envmesh's own scaling is not drift.
    await eventually(async () => {
      const pods = await core.listNamespacedPod({ namespace: ENV });
      return pods.items.length === 0 ? true : undefined;
    });
    const status = (await call('get', `/environments/${ENV}/status`)).body;
    expect(status.services.flatMap((s: any) => s.drift)).toEqual([]);
    expect(
      (await call('get', `/environments/${ENV}`)).body.asleepSince,
    ).toEqual(expect.any(String));
  });

  it('refuses changes that would wake part of a sleeping environment, and a second sleep', async () => {
    const refused: Array<[string, Promise<any>, RegExp]> = [
      ['sleep', call('post', `/environments/${ENV}/sleep`), /already asleep/],
      [
        'update',
        call('patch', `/environments/${ENV}`, { description: 'changed' }),
        /is asleep and cannot be updated; wake it first/,
      ],
      [
        'rollback',
        call('post', `/environments/${ENV}/services/demo-api/rollback`, {
          revision: 1,
        }),
        /is asleep and cannot be rolled back/,
      ],
      [
        'feature deploy',
        call('post', '/features', {
          name: 'feature-8',
          environment: ENV,
          instances: [{ service: 'demo-api' }],
        }),
        /is asleep; wake it before deploying/,
      ],
    ];
    for (const [what, response, reason] of refused) {
      const res = await response;
      expect({ what, status: res.status }).toEqual({ what, status: 409 });
      expect(res.body.error.message).toMatch(reason);
    }
    expect((await call('get', `/environments/${ENV}`)).body.description).toBe(
      undefined,
    );
    expect((await call('get', '/features/feature-8')).status).toBe(404);
  });

  it('wakes group by group, each ready before the next scales up, back to the counts it had', async () => {
    const started = await call('post', `/environments/${ENV}/wake`);
    expect(started.status).toBe(202);
    const woke = await waitForOperation(call, started.body.id);
    expect(stepsOf(woke)).toEqual([
      'scale group 0 back up: succeeded',
      'wait for group 0 to be ready: succeeded',
      'scale group 1 back up: succeeded',
      'wait for group 1 to be ready: succeeded',
    ]);
    expect(
      Date.parse(woke.steps[2].startedAt) >=
        Date.parse(woke.steps[1].finishedAt),
    ).toBe(true);
    expect(woke.steps[3].message).toBe('3 workload(s) ready');
    expect(await replicas()).toEqual({
      'config-service': 1,
      'demo-api': 1,
      [`demo-api-${FEATURE}`]: 1,
      'demo-orders': 3,
    });

    const status = (await call('get', `/environments/${ENV}/status`)).body;
    expect(status.services.map((s: any) => [s.name, s.ready, s.drift])).toEqual(
      [
        ['config-service', true, []],
        ['demo-api', true, []],
        ['demo-orders', true, []],
      ],
    );
    const environment = (await call('get', `/environments/${ENV}`)).body;
    expect(environment).not.toHaveProperty('asleepSince');
    const wakeAgain = await call('post', `/environments/${ENV}/wake`);
    expect(wakeAgain.status).toBe(409);
    expect(wakeAgain.body.error.message).toBe(`environment '${ENV}' is awake`);
  });

  it('does not sleep while a feature branch deploys', async () => {
    const deploy = await call('post', '/features', {
      name: 'feature-8',
      environment: ENV,
      instances: [{ service: 'demo-orders' }],
    });
    expect(deploy.status).toBe(202);
    const sleep = await call('post', `/environments/${ENV}/sleep`);
    expect(sleep.status).toBe(409);
    expect(sleep.body.error.message).toBe(
      `environment '${ENV}' has operation ${deploy.body.operation.id} (deploy-feature of feature branch 'feature-8') in progress`,
    );
    expect((await waitForOperation(call, deploy.body.operation.id)).state).toBe(
      'succeeded',
    );
    expect(
      (await call('get', '/environments')).body.items.find(
        (e: any) => e.name === ENV,
      ).sleepState,
    ).toBe('awake');
  });

  it('lets an update after the wake take the replica count back', async () => {
    const res = await call('patch', `/environments/${ENV}`, {
      services: [
        { name: 'config-service' },
        { name: 'demo-api' },
        { name: 'demo-orders', keyValues: { replicaCount: '2' } },
      ],
    });
    expect(res.status).toBe(202);
    expect((await waitForOperation(call, res.body.id)).state).toBe('succeeded');
    expect(await replicas()).toMatchObject({ 'demo-orders': 2 });
  });
});
